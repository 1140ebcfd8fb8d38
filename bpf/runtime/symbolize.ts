// Symbols for stacks and ksym(): kernel addresses through /proc/kallsyms.
import { loadKallsyms, type Kallsyms } from "../symbols/index.ts";
import type { Symbolizer } from "../maps/codec.ts";
import type { Session } from "../session.ts";

let kallsyms: Kallsyms | undefined | null = null;

function kernelSymbols(): Kallsyms | undefined {
  if (kallsyms === null) {
    try {
      kallsyms = loadKallsyms();
    } catch {
      kallsyms = undefined;
    }
  }
  return kallsyms;
}

export function makeSymbolizer(session: Session): Symbolizer {
  const sym = (addr: bigint, user: boolean): string => {
    if (user) return `0x${addr.toString(16)}`;
    const k = kernelSymbols();
    return k ? k.format(addr) : `0x${addr.toString(16)}`;
  };
  return {
    symbol: sym,
    stack: (id, user) => session.rawStack(id).map((a) => sym(a, user)),
    addrs: (id) => session.rawStack(id),
  };
}
