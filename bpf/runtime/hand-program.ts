// Programs written by hand with bpf/asm (a %%ts cell's tb.load / tb.attach, for training):
// their maps are notebook maps like a DSL cell's (same registry, read and printed the same
// way), their program type comes from the probe they are for, and what they load and
// attach is owned here and released by detach/close. The verifier's refusals come out as
// the VerifierError every program gets, with the comment of the refused instruction.
import * as native from "../../native/index.ts";
import type { OwnedFd } from "../../native/index.ts";
import { instructionAt, marshal, type Instruction } from "../asm/index.ts";
import { attach, AttachError } from "../probes/attach.ts";
import type { ConcreteProbe } from "../probes/provider.ts";
import { DEFAULT_MAX_ENTRIES, keyLayout, valueSize, type MapInfo } from "../types/map-info.ts";
import type { MapSpec } from "../codegen/spec.ts";
import type { CompileResult } from "../codegen/compile.ts";
import type { Type } from "../types/types.ts";

export type IntName = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";

/** A map a hand-written program declares: integer key (none: one value) and value. */
export interface HandMap {
  /** BPF_MAP_TYPE_HASH (default) or BPF_MAP_TYPE_ARRAY (key u32, every entry exists). */
  readonly type?: "hash" | "array";
  readonly key?: IntName;
  readonly value?: IntName;
  readonly maxEntries?: number;
}

export interface HandProgramSpec {
  /** The probe it is for: its program type, and where attach() attaches it by default. */
  readonly probe: string;
  readonly insns: readonly Instruction[];
  /** The maps it names (`ldMapFd(R1, "@calls")`), by name with the `@`. */
  readonly maps?: Readonly<Record<string, HandMap>>;
  readonly license?: string;
}

/** What a hand program needs of the session: compile (for probes) and the notebook's maps. */
export interface HandHost {
  readonly registry: { get(name: string): MapInfo | undefined; set(info: MapInfo): void };
  ensure(spec: MapSpec): OwnedFd;
  dropMap(name: string): boolean;
  compile(source: string, origin: string): CompileResult;
}

const INT: Record<IntName, Type> = {
  u8: { k: "int", bits: 8, signed: false }, u16: { k: "int", bits: 16, signed: false },
  u32: { k: "int", bits: 32, signed: false }, u64: { k: "int", bits: 64, signed: false },
  s8: { k: "int", bits: 8, signed: true }, s16: { k: "int", bits: 16, signed: true },
  s32: { k: "int", bits: 32, signed: true }, s64: { k: "int", bits: 64, signed: true },
};

/** BPF_MAP_TYPE_HASH / BPF_MAP_TYPE_ARRAY */
const MAP_TYPE = { hash: native.MapType.HASH, array: native.MapType.ARRAY } as const;

/** The probes a probe pattern names on this machine (a wildcard may name several). */
function probesOf(host: HandHost, probe: string, origin: string): ConcreteProbe[] {
  const r = host.compile(`${probe} { }`, origin);
  if (!r.spec) throw new Error(`probe ${probe}: ${r.diagnostics.find((d) => d.severity === "error")?.message ?? "not a probe here"}`);
  return r.spec.programs.map((p) => p.probe);
}

function mapSpec(name: string, m: HandMap, origin: string): MapSpec {
  if (!/^@\w+$/.test(name)) throw new Error(`map ${name}: a map's name is @ and a word, like @calls`);
  const type = m.type ?? "hash";
  if (!(type in MAP_TYPE)) throw new Error(`map ${name}: type is hash or array, not ${type}`);
  for (const [what, t] of [["key", m.key], ["value", m.value]] as const) {
    if (t !== undefined && !(t in INT)) throw new Error(`map ${name}: ${what} is one of ${Object.keys(INT).join(", ")}, not ${t}`);
  }
  if (type === "array" && m.key !== "u32") throw new Error(`map ${name}: an array's key is u32`);
  const maxEntries = m.maxEntries ?? (m.key === undefined ? 1 : DEFAULT_MAX_ENTRIES);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error(`map ${name}: maxEntries must be a positive integer`);
  const info: MapInfo = {
    name, valueKind: "value", keyTypes: m.key === undefined ? [] : [INT[m.key]], valueType: INT[m.value ?? "u64"],
    maxEntries, origin, declaredType: type,
  };
  return { name, type: MAP_TYPE[type], keySize: keyLayout(info).size, valueSize: valueSize(info), maxEntries, info };
}

let nextId = 1;

/** A hand-written program, loaded; attach() and detach() as often as wanted, close() once. */
export class HandProgram {
  readonly id = nextId++;
  readonly #links: OwnedFd[] = [];
  /** The maps this program created (not those it shares with earlier cells). */
  readonly #created: string[];

  private constructor(
    readonly probe: ConcreteProbe,
    readonly insns: readonly Instruction[],
    readonly fd: OwnedFd,
    created: string[],
    readonly host: HandHost,
  ) {
    this.#created = created;
  }

  /**
   * Creates the maps (or finds them: a map of the same name and layout is shared), then
   * loads the program with the type of `spec.probe`. On a refusal nothing it created stays.
   */
  static load(host: HandHost, spec: HandProgramSpec, origin: string): HandProgram {
    const probe = probesOf(host, spec.probe, origin)[0];
    if (!probe) throw new Error(`probe ${spec.probe}: nothing matches it here`);
    const specs = Object.entries(spec.maps ?? {}).map(([name, m]) => mapSpec(name, m, origin));
    const created: string[] = [];
    try {
      const fds = new Map<string, number>();
      for (const s of specs) {
        if (!host.registry.get(s.name)) created.push(s.name);
        fds.set(s.name, native.rawFd(host.ensure(s)));
        if (!host.registry.get(s.name)) host.registry.set(s.info!);
      }
      const insns = marshal(spec.insns, { maps: fds });
      let fd: OwnedFd;
      try {
        fd = native.progLoad({
          type: probe.progType,
          insns,
          license: spec.license ?? "GPL",
          name: `tb_hand_${nextId}`,
          context: `load the program for "${probe.name}"`,
          ...(probe.expectedAttachType !== undefined && { expectedAttachType: probe.expectedAttachType }),
          ...(probe.attachBtfId !== undefined && { attachBtfId: probe.attachBtfId }),
        });
      } catch (e) {
        if (e instanceof native.VerifierError && e.insn !== undefined) e.source ??= instructionAt(spec.insns, e.insn)?.comment;
        throw e;
      }
      return new HandProgram(probe, spec.insns, fd, created, host);
    } catch (e) {
      for (const name of created) host.dropMap(name);
      throw e;
    }
  }

  get attached(): boolean {
    return this.#links.length > 0;
  }

  /**
   * Attaches it to its probe, or to `probe` (of the same program type; a wildcard attaches
   * to each match). BEGIN/END run it once, now. Returns how many attach points it is on.
   */
  attach(probe?: string, origin = "tb.attach"): number {
    const targets = probe === undefined ? [this.probe] : probesOf(this.host, probe, origin);
    const before = this.#links.length;
    for (const t of targets) {
      if (t.progType !== this.probe.progType) {
        throw new AttachError(`attach to "${t.name}": it needs a program of type ${t.progType}, this one was loaded for "${this.probe.name}" (type ${this.probe.progType})`);
      }
      if (t.attach.kind === "run") {
        native.progTestRun(this.fd, new Uint8Array(8));
        continue;
      }
      try {
        this.#links.push(...attach(t.attach, this.fd));
      } catch (e) {
        throw new AttachError(`attach "${t.name}": ${(e as Error).message}`, (e as AttachError).hints ?? (e as native.SyscallError).hints ?? []);
      }
    }
    return this.#links.length - before;
  }

  /** Detaches it from everything it is attached to (it stays loaded). */
  detach(): void {
    for (const l of this.#links.splice(0)) l.close();
  }

  /** Detaches and unloads it. Its maps stay: they are the notebook's. */
  close(): void {
    this.detach();
    this.fd.close();
  }

  /** The maps it created, for a caller that wants to forget them with it. */
  get createdMaps(): readonly string[] {
    return this.#created;
  }
}
