// usdt:PATH:[PROVIDER:]NAME — statically defined probes in user-space programs (the ELF
// `.note.stapsdt` notes: bpf/elf/usdt.ts). PATH is found as uprobe's is (user-targets.ts);
// with -p it may be `*` or empty (the process's files), PROVIDER empty or left out (any). Each is a uprobe at the note's pc (uprobe.ts),
// with the semaphore's file offset as the reference counter (the kernel bumps it while the
// probe is attached, so the program knows to fire it). argN is what the note's argument
// spec says: a register, memory at a register plus an offset (read from the process), or a
// constant, of the spec's size and signedness.
import { asm, R0, R3, R6 } from "../asm/index.ts";
import { ProgType, PtRegs } from "../types/abi.ts";
import { int } from "../types/types.ts";
import { closest } from "../types/suggest.ts";
import type { ConcreteProbe, ExpandScope, Provider } from "./provider.ts";
import { fail, globToRegExp, noMatches } from "./provider.ts";
import type { PositionalArgs } from "./args.ts";
import { listedFiles, targetFiles, targetSearch } from "./user-targets.ts";

/** The pt_regs offset of a register as the assembler spells it in an argument spec (%eax, %r12d, %sil). */
function regOffset(name: string): number {
  const n = name.replace(/^%/, "");
  const canon: Record<string, string> = {
    eax: "rax", ax: "rax", al: "rax", ebx: "rbx", bx: "rbx", bl: "rbx", ecx: "rcx", cx: "rcx", cl: "rcx",
    edx: "rdx", dx: "rdx", dl: "rdx", esi: "rsi", si: "rsi", sil: "rsi", edi: "rdi", di: "rdi", dil: "rdi",
    ebp: "rbp", bp: "rbp", esp: "rsp", sp: "rsp", eip: "rip", ip: "rip",
  };
  let r = canon[n] ?? n;
  const m = /^(r\d+)[dwb]?$/.exec(r);
  if (m) r = m[1]!;
  const off = (PtRegs as Record<string, number>)[r];
  if (off === undefined) throw new Error(`unknown register ${name} in a USDT argument`);
  return off;
}

/** argN from the note's argument spec. */
export const usdtArgs: PositionalArgs = {
  type(p, n) {
    const spec = p.usdtArgs?.[n];
    if (!spec) return `${p.name} has ${p.usdtArgs?.length ?? 0} arguments; arg${n} does not exist`;
    return int(Math.min(64, spec.size * 8) as 8 | 16 | 32 | 64, spec.signed);
  },
  emit(p, n, t, code) {
    const spec = p.usdtArgs![n]!;
    if (spec.loc.kind === "const") return code.loadConst(spec.loc.value);
    if (spec.loc.kind === "mem") {
      code.emit(asm.ldx(8, R3, R6, regOffset(spec.loc.reg)));
      code.readPointer(R3, spec.loc.offset, t, true);
      return;
    }
    code.emit(asm.ldx(8, R0, R6, regOffset(spec.loc.reg)));
    code.truncate(R0, t);
  },
};

export const usdt: Provider = {
  name: "usdt",
  aliases: ["U"],
  space: "user",
  paths: true,
  func: "name",
  firesNewestFirst: true,
  args: { positional: usdtArgs },
  listing: {
    walk: "user",
    pattern: "target",
    candidates: (env, target, scope) => listedFiles(env, target, scope).flatMap((f) => env.usdtProbes(f.path).map((p) => `${f.name}:${p.provider}:${p.name}`)),
    // usdt:demo:tick names a probe without its provider
    resolve: (env, target, search, parts) => targetSearch(env, target, search, parts.length === 3),
  },
  expand(ap, env, scope: ExpandScope = {}) {
    if (ap.parts.length < 2 || ap.parts.length > 3) return fail("usdt probes look like usdt:PATH:[PROVIDER:]NAME");
    const target = ap.parts[0]!;
    const [prov, name] = ap.parts.length === 3 ? [ap.parts[1]!, ap.parts[2]!] : ["", ap.parts[1]!];
    if (name === "") return fail("usdt probe must have a target function or wildcard");
    const files = targetFiles(env, "usdt", target, scope);
    if (typeof files === "string") return fail(files);
    const reP = globToRegExp(prov === "" ? "*" : prov);
    const reN = globToRegExp(name);
    const probes: ConcreteProbe[] = [];
    for (const f of files) {
      const found = env.usdtProbes(f.path).filter((p) => reP.test(p.provider) && reN.test(p.name));
      // a probe the compiler inlined in several places has a note (a location) for each
      const seen = new Map<string, number>();
      for (const p of found) {
        const key = `${p.provider}:${p.name}`;
        const location = seen.get(key) ?? 0;
        seen.set(key, location + 1);
        probes.push({
          provider: "usdt",
          name: `usdt:${f.name}:${key}`,
          progType: ProgType.KPROBE,
          context: "pt_regs",
          usdtArgs: p.args,
          func: p.name,
          location,
          attach: { kind: "uprobe", path: f.path, offset: p.offset, ret: false, refCtrOffset: p.semaphoreOffset },
        });
      }
    }
    if (probes.length === 0) {
      const all = files.length === 1 ? env.usdtProbes(files[0]!.path) : [];
      const near = closest(name, all.map((p) => p.name));
      const what = `${target}:${ap.parts.slice(1).join(":")}`;
      if (files.length === 1 && all.length === 0) return noMatches("usdt", what, [`${files[0]!.name} has no USDT probes (no .note.stapsdt section)`]);
      return noMatches("usdt", what, near ? [`did you mean ${near}?`] : files.length === 1 ? [`list them with %probes usdt:${target}:*`] : []);
    }
    return { ok: true, probes };
  },
};
