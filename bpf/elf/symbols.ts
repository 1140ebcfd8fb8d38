// Function symbols of an ELF file, for uprobe attach (name → file offset) and ustack
// symbolisation (address → name+offset).
import type { ElfFile, ElfSymbol } from "./elf-file.ts";

function isFunction(s: ElfSymbol): boolean {
  return s.type === "func" || s.type === "ifunc";
}

/**
 * Function symbols by name, one per name: .symtab wins over .dynsym, a global over a local
 * (static functions of the same name in several files: the first is kept).
 */
export function functionSymbols(elf: ElfFile): Map<string, ElfSymbol> {
  const byName = new Map<string, ElfSymbol>();
  for (const s of elf.symbols()) {
    if (!isFunction(s)) continue;
    const prev = byName.get(s.name);
    if (!prev || (prev.bind === "local" && s.bind !== "local" && prev.table === s.table)) byName.set(s.name, s);
  }
  return byName;
}

/** The file offset a uprobe on function `name` attaches at, for ET_EXEC and PIE/ET_DYN alike. */
export function symbolFileOffset(elf: ElfFile, name: string): number | undefined {
  const s = functionSymbols(elf).get(name);
  return s ? elf.fileOffset(s.value) : undefined;
}

/** Function symbols sorted by address, for address → symbol lookups. */
/** Index of the last element of an ascending array that is ≤ x (binary search), or -1. */
export function lastAtOrBelow<T extends number | bigint>(sorted: ArrayLike<T>, x: T): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

export class AddressIndex {
  private readonly starts: Float64Array;
  private readonly syms: ElfSymbol[];

  constructor(symbols: Iterable<ElfSymbol>) {
    const funcs = [...symbols].filter(isFunction).sort((a, b) => a.value - b.value || b.size - a.size);
    // Aliases at one address: keep the first (the sort put the larger, then .symtab's first).
    this.syms = funcs.filter((s, i) => i === 0 || s.value !== funcs[i - 1]!.value);
    this.starts = Float64Array.from(this.syms, (s) => s.value);
  }

  get size(): number {
    return this.syms.length;
  }

  /** The function containing `vaddr` and the offset into it. */
  lookup(vaddr: number): { symbol: ElfSymbol; offset: number } | undefined {
    const best = lastAtOrBelow(this.starts, vaddr);
    if (best < 0) return undefined;
    const symbol = this.syms[best]!;
    const offset = vaddr - symbol.value;
    // A sized symbol covers [value, value+size); a zero-sized one only its start address.
    if (symbol.size > 0 ? offset >= symbol.size : offset !== 0) return undefined;
    return { symbol, offset };
  }
}
