// Long strings, whole: bpftrace's default max_strlen is 1024, so a ~300-character path
// read with str() prints and keys whole. Strings that size do not fit the 512-byte BPF
// stack; they live in the per-CPU scratch area (bpf/codegen/scratch.ts). Our own
// workload opens one long missing path N times.
import { afterAll, describe, expect, it } from "vitest";
import { skipWithoutBpf } from "../helpers/privilege.ts";
import { startC } from "../helpers/workload.ts";
import { mapOf, newSession, scalar, traceWorkload } from "../helpers/engine.ts";
import * as native from "../../native/index.ts";
import { marshal } from "../../bpf/asm/index.ts";
import { compile } from "../../bpf/codegen/compile.ts";
import { machineEnv } from "../../bpf/runtime/features.ts";

const N = 7;
// 300 characters; every component is under NAME_MAX (255), the file does not exist
const LONG = `/tmp/tracebook-missing/${"a".repeat(120)}/${"b".repeat(120)}/`;
const PATH = LONG + "c".repeat(300 - LONG.length);

describe.skipIf(skipWithoutBpf())("engine: strings longer than the BPF stack", () => {
  const session = newSession();
  const fdsBefore = native.openFdCount();
  afterAll(() => {
    session.close();
    expect(native.openFdCount()).toBe(fdsBefore);
  });

  it("the workload's path is 300 characters", () => {
    expect(PATH).toHaveLength(300);
  });

  it("printf of str(args->filename) prints the whole path N times", async () => {
    const w = await startC(["openat", String(N), PATH]);
    const r = await traceWorkload(session, 'tracepoint:syscalls:sys_enter_openat /pid == $1/ { printf("%s\\n", str(args->filename)); }', w);
    expect(r.workloadExit).toBe(0);
    expect(r.lines).toEqual(Array.from({ length: N }, () => PATH));
  });

  it("a map keyed by str(args->filename) has the whole path as its key, counted N times", async () => {
    const w = await startC(["openat", String(N), PATH]);
    const r = await traceWorkload(session, "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @[str(args->filename)] = count(); }", w, { origin: "cell[2]" });
    const m = mapOf(r.maps, "@");
    expect(m.entries).toHaveLength(1);
    expect(m.entries[0]!.key).toEqual([{ kind: "str", value: PATH }]);
    expect(m.entries[0]!.value).toEqual({ kind: "count", value: BigInt(N) });
  });

  it("several long strings in one statement load (they used to overflow the stack), with comparisons and for-map over long keys", async () => {
    const w = await startC(["openat", String(N), PATH]);
    const prog = `
tracepoint:syscalls:sys_enter_openat /pid == $1/ {
  printf("%s|%s|%s|%s\\n", str(args->filename), comm, str(args->filename), str(args->filename, 10));
  $a = str(args->filename);
  $b = str(args->filename);
  if ($a == $b) { @equal = count(); }
  if ($a != str(args->filename, 299)) { @differ = count(); }
  if (strcontains($a, "bbbb/ccc")) { @contains = count(); }
  if (strncmp($a, str(args->filename, 299), 298) == 0) { @prefix = count(); }
  @files[$a, comm] = count();
}
END { for ($kv : @files) { printf("end %s %s %d\\n", $kv.0.0, $kv.0.1, $kv.1); } }`;
    const r = await traceWorkload(session, prog, w, { origin: "cell[3]" });
    expect(r.workloadExit).toBe(0);
    const line = `${PATH}|myapp|${PATH}|${PATH.slice(0, 9)}`; // str(s, 10) keeps 9 bytes and its NUL
    expect(r.lines).toEqual([...Array.from({ length: N }, () => line), `end ${PATH} myapp ${N}`]);
    for (const name of ["@equal", "@differ", "@contains", "@prefix"]) expect(scalar(r.maps, name), name).toBe(BigInt(N));
  });

  it("max_strlen 9999: for over a map of long string keys and values prints each entry; print() sends the tuple from its slot", async () => {
    const w = await startC(["openat", "2", PATH]);
    const prog = "tracepoint:syscalls:sys_enter_openat /pid == $1/ { @m[str(args->filename)] = str(args->filename); for ($kv : @m) { print($kv); } }";
    const r = await traceWorkload(session, prog, w, { origin: "cell[5]", settings: { maxStrlen: 9999 } });
    expect(r.workloadExit).toBe(0);
    expect(r.lines.filter((l) => l !== "")).toEqual(Array.from({ length: 2 }, () => `(${PATH}, ${PATH})`));
  });

  // What max_strlen (the maxStrlen compile option) allows: every size loads, the loops over
  // 4096-byte strings included (the verifier walks them byte by byte).
  it.each([1, 7, 64, 513, 1024, 4096])("programs compiled for max_strlen %i load into the kernel", (n) => {
    const source = `
tracepoint:syscalls:sys_enter_openat {
  $a = str(args->filename);
  $b = str(args->filename);
  if ($a == $b && strcontains($a, "needle/") && strncmp($a, $b, 5000) == 0) { @hits[$a, comm] = count(); }
  printf("%s %s %s\\n", $a, comm, str(args->filename));
}
END { for ($kv : @hits) { printf("%s %d\\n", $kv.0.0, $kv.1); } }`;
    const r = compile(source, { env: machineEnv(), origin: "cell[4]", maxStrlen: n });
    expect(r.diagnostics).toEqual([]);
    const spec = r.spec!;
    const owned = spec.maps.map((m) => native.mapCreate({ type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: "tb_strlen" }));
    const fds = new Map(spec.maps.map((m, i) => [m.name, native.rawFd(owned[i]!)]));
    try {
      for (const p of spec.programs) {
        const btf = p.btf ? native.btfLoad(p.btf.blob, {}) : undefined;
        try {
          const fd = native.progLoad({
            type: p.probe.progType,
            insns: marshal(p.insns, { maps: fds }),
            license: "GPL",
            context: `load program "${p.probe.name}" (max_strlen ${n})`,
            ...(p.probe.expectedAttachType !== undefined && { expectedAttachType: p.probe.expectedAttachType }),
            ...(btf && p.btf && { btf, funcInfo: p.btf.funcInfo }),
          });
          fd.close();
        } finally {
          btf?.close();
        }
      }
    } finally {
      for (const fd of owned) fd.close();
    }
  });
});
