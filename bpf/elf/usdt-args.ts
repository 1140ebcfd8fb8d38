// USDT argument specs: "SIZE@OPERAND", space-separated, as <sys/sdt.h> has the assembler
// write them. SIZE is the byte width, negative for signed. Operands (AT&T on x86-64):
//   %edi            register (normalised to its 64-bit name: rdi; the size says how much)
//   -16(%rbp)       memory at register + displacement
//   8(%rax,%rbx,4)  memory with an index register and scale
//   sym(%rip)       memory at a symbol, rip-relative (kept as symbol + offset)
//   $42             constant
// On arm64: x0, [sp, 8], [x1], 42.

export type UsdtArgLocation =
  | { readonly kind: "reg"; readonly reg: string }
  | {
      readonly kind: "mem";
      readonly reg: string;
      readonly offset: number;
      readonly index?: string;
      readonly scale?: number;
      /** sym(%rip): the address is this symbol's (plus offset), not rip's. */
      readonly symbol?: string;
    }
  | { readonly kind: "const"; readonly value: bigint };

export interface UsdtArg {
  /** Bytes: 1, 2, 4 or 8. */
  readonly size: number;
  readonly signed: boolean;
  readonly loc: UsdtArgLocation;
  /** The spec as written: "-4@%edi". */
  readonly text: string;
}

export type UsdtArch = "x86_64" | "arm64";

/** x86-64 register names (any width) → the 64-bit register that holds them. */
const X86_REGS: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const legacy: [string, string[]][] = [
    ["rax", ["al", "ax", "eax", "rax"]], ["rbx", ["bl", "bx", "ebx", "rbx"]],
    ["rcx", ["cl", "cx", "ecx", "rcx"]], ["rdx", ["dl", "dx", "edx", "rdx"]],
    ["rsi", ["sil", "si", "esi", "rsi"]], ["rdi", ["dil", "di", "edi", "rdi"]],
    ["rbp", ["bpl", "bp", "ebp", "rbp"]], ["rsp", ["spl", "sp", "esp", "rsp"]],
    ["rip", ["eip", "rip"]],
  ];
  for (const [r, names] of legacy) for (const n of names) m.set(n, r);
  for (let i = 8; i <= 15; i++) for (const s of ["", "d", "w", "b"]) m.set(`r${i}${s}`, `r${i}`);
  return m;
})();

/**
 * Byte offsets of the registers in x86-64 `struct pt_regs` (arch/x86/include/asm/ptrace.h),
 * what a uprobe program's context points to.
 */
export const X86_64_PT_REGS: Readonly<Record<string, number>> = {
  r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56, r9: 64, r8: 72,
  rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112, orig_rax: 120, rip: 128, cs: 136,
  eflags: 144, rsp: 152, ss: 160,
};

/** arm64 `struct user_pt_regs`: x0..x30 at 8*n, then sp, pc, pstate. */
export const ARM64_PT_REGS: Readonly<Record<string, number>> = (() => {
  const r: Record<string, number> = {};
  for (let i = 0; i <= 30; i++) r[`x${i}`] = 8 * i;
  r.sp = 248;
  r.pc = 256;
  r.pstate = 264;
  return r;
})();

function int(text: string): number | undefined {
  const t = text.trim();
  if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  const neg = t.startsWith("-");
  const body = t.replace(/^[-+]/, "");
  const n = Number(body);
  return neg ? -n : n;
}

function x86Reg(name: string): string | undefined {
  return X86_REGS.get(name.replace(/^%/, "").toLowerCase());
}

function arm64Reg(name: string): string | undefined {
  const n = name.trim().toLowerCase();
  if (n === "sp") return "sp";
  const m = /^[xw](\d+)$/.exec(n);
  return m && Number(m[1]) <= 30 ? `x${m[1]}` : undefined;
}

function parseOperandX86(op: string): UsdtArgLocation | undefined {
  if (op.startsWith("$")) {
    const t = op.slice(1);
    if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
    const neg = t.startsWith("-");
    const v = BigInt(t.replace(/^[-+]/, ""));
    return { kind: "const", value: neg ? -v : v };
  }
  if (op.startsWith("%")) {
    const reg = x86Reg(op);
    return reg ? { kind: "reg", reg } : undefined;
  }
  const m = /^([^(]*)\(\s*(%\w+)?\s*(?:,\s*(%\w+)\s*(?:,\s*(\d+))?)?\s*\)$/.exec(op);
  if (!m) return undefined;
  const disp = m[1]!.trim();
  const reg = m[2] ? x86Reg(m[2]) : undefined;
  if (!reg) return undefined;
  const index = m[3] ? x86Reg(m[3]) : undefined;
  if (m[3] && !index) return undefined;
  const scale = m[4] ? Number(m[4]) : undefined;
  let offset = 0;
  let symbol: string | undefined;
  if (disp !== "") {
    const n = int(disp);
    if (n !== undefined) offset = n;
    else {
      // sym, sym+8, sym-8
      const s = /^([A-Za-z_.$][\w.$@]*)\s*(?:([-+])\s*(0x[0-9a-f]+|\d+))?$/i.exec(disp);
      if (!s) return undefined;
      symbol = s[1]!;
      offset = s[2] ? (s[2] === "-" ? -Number(s[3]) : Number(s[3])) : 0;
    }
  }
  return {
    kind: "mem", reg, offset,
    ...(index ? { index, scale: scale ?? 1 } : {}),
    ...(symbol ? { symbol } : {}),
  };
}

function parseOperandArm64(op: string): UsdtArgLocation | undefined {
  const mem = /^\[\s*(\w+)\s*(?:,\s*#?(-?(?:0x[0-9a-f]+|\d+))\s*)?\]$/i.exec(op);
  if (mem) {
    const reg = arm64Reg(mem[1]!);
    if (!reg) return undefined;
    return { kind: "mem", reg, offset: mem[2] ? int(mem[2]) ?? 0 : 0 };
  }
  const reg = arm64Reg(op);
  if (reg) return { kind: "reg", reg };
  const n = op.replace(/^#/, "");
  if (/^-?\d+$/.test(n)) return { kind: "const", value: BigInt(n) };
  return undefined;
}

/** Parse one "SIZE@OPERAND" spec; undefined when it is not one we understand. */
export function parseUsdtArg(spec: string, arch: UsdtArch = "x86_64"): UsdtArg | undefined {
  const at = spec.indexOf("@");
  let size = 8;
  let signed = false;
  let op = spec;
  if (at > 0) {
    const n = Number(spec.slice(0, at));
    if (!Number.isInteger(n) || ![1, 2, 4, 8].includes(Math.abs(n))) return undefined;
    size = Math.abs(n);
    signed = n < 0;
    op = spec.slice(at + 1);
  }
  const loc = arch === "arm64" ? parseOperandArm64(op.trim()) : parseOperandX86(op.trim());
  return loc ? { size, signed, loc, text: spec } : undefined;
}

/**
 * Split and parse a probe's argument string; args ends before the first spec that cannot
 * be parsed (reported in errors). x86 specs have no spaces inside; arm64 ones
 * do ("8@[sp, 8]"), so the split keeps brackets together.
 */
export function parseUsdtArgs(text: string, arch: UsdtArch = "x86_64"): { args: UsdtArg[]; errors: string[] } {
  const specs = text.trim() === "" ? [] : (text.trim().match(/(?:[^\s[]+|\[[^\]]*\])+/g) ?? []);
  const args: UsdtArg[] = [];
  const errors: string[] = [];
  for (const s of specs) {
    const a = parseUsdtArg(s, arch);
    // Stop at the first one we cannot read, so args[i] is still argument i.
    if (!a) {
      errors.push(`unsupported USDT argument spec '${s}'`);
      break;
    }
    args.push(a);
  }
  return { args, errors };
}
