// The symbol family: addresses named (ksym, usym: named in user space when printed) and
// names made addresses at compile time (kaddr from /proc/kallsyms, uaddr from the probed
// binary's ELF symbols, percpu_kaddr through BTF and the per-CPU helpers).
//
//   usym      { u64 addr; u64 pid } (the pid whose address space the address is in)
import { asm, H, helpers, R0, R1, R2, R3, R6, R10 } from "../asm/index.ts";
import { PtRegs } from "../types/abi.ts";
import type * as A from "../lang/ast.ts";
import { CodegenError } from "../types/errors.ts";
import { type Type, int, isScalar, typeName, u64 } from "../types/types.ts";
import { type CallCheck, type FunctionRow, type Use, argsOf, arity, fn, intArg } from "./row.ts";
import type { EmitContext } from "./emit-context.ts";
import { constText } from "../lang/const-fold.ts";
import { readInt } from "./decode.ts";

function checkKaddr(c: CallCheck): Type | string {
  const a = arity(c, 1);
  if (a) return a;
  const name = c.constStr(0);
  if (name === undefined) return "kaddr() needs a string literal";
  const lookup = c.env?.kernelSymbolAddress;
  if (!lookup) return u64; // no kernel symbols in this environment: resolved as 0
  const addr = lookup.call(c.env, name);
  if (addr === undefined) {
    // bpftrace's words; kallsyms lists data symbols only with CONFIG_KALLSYMS_ALL
    c.error(c.call.span, `Failed to resolve kernel symbol: ${name}`, [`/proc/kallsyms has no '${name}'`]);
  }
  return u64;
}

/** uaddr("sym"): a user pointer into the probed binary, sized by the ELF symbol (1/2/4/8 bytes). */
function checkUaddr(c: CallCheck): Type | string {
  const a = arity(c, 1);
  if (a) return a;
  const name = c.constStr(0);
  if (name === undefined) return "uaddr() needs a string literal";
  const p = c.probe;
  if (!p || p.attach.kind !== "uprobe") return `uaddr() is only available in uprobe, uretprobe and usdt probes${p ? `, not ${p.provider}` : ""}`;
  const sym = c.env?.elfSymbol?.(p.attach.path, name);
  if (c.env?.elfSymbol && !sym) return `uaddr(): no symbol '${name}' in ${p.attach.path}`;
  const bits = sym && [1, 2, 4, 8].includes(sym.size) ? ((sym.size * 8) as 8 | 16 | 32 | 64) : 64;
  return { k: "ptr", to: int(bits, false), user: true };
}

/** The address itself in r0 (it is named when printed). */
const address = (g: EmitContext, x: Use): void => g.scalar(argsOf(x)[0]!);

/** The string literal naming a symbol. */
const symbolName = (g: EmitContext, x: Use): string => constText(argsOf(x)[0], g.shared.positional) ?? "";

export const SYMBOL_FUNCTIONS: readonly FunctionRow[] = [
  fn("ksym", "ksym(addr)", "Kernel symbol of an address.", (c) => arity(c, 1) ?? intArg(c, 0) ?? { k: "sym", user: false }, {
    emit: { scalar: address },
    decode: {
      accepts: (t) => t.k === "sym" && !t.user && t.table === undefined,
      value: (_t, b, off, sym) => ({ kind: "text", text: sym.symbol(readInt(b, off, 8, false), false), origin: "ksym" }),
    },
  }),
  fn("usym", "usym(addr)", "User symbol of an address.", (c) => arity(c, 1) ?? intArg(c, 0) ?? { k: "sym", user: true }, {
    emit: { scalar: address },
    decode: {
      accepts: (t) => t.k === "sym" && t.user && t.table === undefined,
      value: (_t, b, off, sym) => ({ kind: "text", text: sym.symbol(readInt(b, off, 8, false), true, Number(readInt(b, off + 8, 8, false))), origin: "usym" }),
    },
  }),
  fn("kaddr", "kaddr(\"symbol\")", "Address of a kernel symbol (from /proc/kallsyms, at compile time).", checkKaddr, {
    emit: {
      scalar(g, x) {
        const name = symbolName(g, x);
        const v = g.shared.env?.kernelSymbolAddress?.(name);
        if (v === undefined) throw new CodegenError(`kaddr(): no kernel symbol '${name}' (is /proc/kallsyms readable?)`, x.span);
        g.loadConst(v);
      },
    },
  }),
  fn("uaddr", "uaddr(\"symbol\")", "Address of a symbol of the probed binary (uprobes).", checkUaddr, {
    emit: {
      scalar(g, x) {
        const name = symbolName(g, x);
        const a = g.probe.attach;
        const v = a.kind === "uprobe" ? g.shared.env?.elfSymbol?.(a.path, name)?.address : undefined;
        if (v === undefined) throw new CodegenError(`uaddr(): no symbol '${name}' in the probed binary`, x.span);
        g.loadConst(v);
        // A PIE or shared library is loaded at a base chosen at run time: at a uprobe's entry
        // the instruction pointer is the probed address, base + its vaddr. (bpftrace finds the
        // base from the file's lowest vma through the task_vma iterator kfuncs.) A uretprobe's
        // ip is the return address, so there the ELF address stays as it is.
        const at = a.kind === "uprobe" && !a.ret ? g.shared.env?.elfVaddr?.(a.path, a.offset) : undefined;
        if (at?.dyn) {
          g.e.emit(asm.ldx(8, R1, R6, PtRegs.rip), asm.add(R0, R1));
          if (at.vaddr !== 0n) {
            g.e.emit(asm.mov(R1, R0));
            g.loadConst(at.vaddr);
            g.e.emit(asm.sub(R1, R0), asm.mov(R0, R1));
          }
        }
      },
    },
  }),
  fn("percpu_kaddr", 'uint64 *percpu_kaddr("sym"[, int cpu])', "Address of a per-CPU kernel variable on this CPU or on `cpu` (NULL past the last CPU).", (c) => {
    const bad = arity(c, 1, 2);
    if (bad) return bad;
    if (c.constStr(0) === undefined) return "percpu_kaddr() needs the variable's name as a string literal";
    if (c.argTypes[1] && !isScalar(c.argTypes[1])) return `percpu_kaddr() cpu must be an integer, not ${typeName(c.argTypes[1])}`;
    return { k: "ptr", to: u64, user: false };
  }, { emit: { scalar: percpuKaddr } }),
];

/**
 * r0 = bpf_this_cpu_ptr(&sym) or bpf_per_cpu_ptr(&sym, cpu): the variable is the BTF VAR
 * of vmlinux's per-CPU section (lddw BPF_PSEUDO_BTF_ID). The verifier types the result
 * as a kernel pointer (or NULL); it goes through probe_read_kernel once so that the rest
 * of the program holds it as a plain number, like every other address.
 */
function percpuKaddr(g: EmitContext, x: Use): void {
  const { e } = g;
  const [sym, cpu] = argsOf(x);
  const name = (sym as A.StrLit).value;
  const btf = g.shared.env?.btf?.();
  const id = btf?.findAllByName(name).find((i) => btf.kindOf(i) === "var");
  if (id === undefined) throw new CodegenError(`percpu_kaddr(): no per-CPU kernel variable '${name}' in the kernel's BTF`, x.span);
  // the verifier finds the variable through kallsyms, which lists data only with CONFIG_KALLSYMS_ALL
  if (g.shared.env?.kernelSymbolAddress?.(name) === undefined) {
    throw new CodegenError(`percpu_kaddr(): '${name}' is not in /proc/kallsyms (a kernel without CONFIG_KALLSYMS_ALL), so BPF programs cannot address it here`, x.span);
  }
  if (cpu) {
    g.scalar(cpu);
    e.emit(asm.mov(R2, R0), asm.ldBtfId(R1, id), asm.call(helpers.per_cpu_ptr!));
  } else {
    e.emit(asm.ldBtfId(R1, id), asm.call(helpers.this_cpu_ptr!));
  }
  const slot = g.frame.alloc(8, 8, "stack");
  const val = g.frame.alloc(8, 8, "stack");
  e.emit(asm.stx(8, R10, slot, R0));
  e.stackAddr(R1, val);
  e.emit(asm.movImm(R2, 8));
  e.stackAddr(R3, slot);
  e.emit(asm.call(H.probe_read_kernel), asm.ldx(8, R0, R10, val));
}
