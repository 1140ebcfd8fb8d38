// /proc/kallsyms: kernel symbols for kstack and ksym(). Parsing is pure (text in); the
// table is sorted by address and looked up by binary search.
//
// kptr_restrict: for readers without CAP_SYSLOG (or with kptr_restrict=2) the kernel
// prints every address as 0; `restricted` says so, and lookups then find nothing. As root
// with kptr_restrict 0 or 1 the addresses are real.
import { lastAtOrBelow } from "../elf/symbols.ts";

export interface KernelSymbol {
  readonly name: string;
  readonly address: bigint;
  /** nm-style type letter: T/t text, D/d data, R/r read-only, B/b bss, W/w weak, ... */
  readonly type: string;
  /** The module, for symbols printed with "\t[module]". */
  readonly module?: string;
}

export class Kallsyms {
  private readonly addrs: BigUint64Array;
  private readonly names: string[];
  private readonly types: string;
  private readonly modules: (string | undefined)[];
  /** True when every address read as 0 (kptr_restrict hid them). */
  readonly restricted: boolean;

  private constructor(addrs: BigUint64Array, names: string[], types: string, modules: (string | undefined)[], restricted: boolean) {
    this.addrs = addrs;
    this.names = names;
    this.types = types;
    this.modules = modules;
    this.restricted = restricted;
  }

  /** Parse the text of /proc/kallsyms ("ffffffff81000000 T _stext\t[mod]" lines). */
  static parse(text: string): Kallsyms {
    const rows: { a: bigint; n: string; t: string; m: string | undefined }[] = [];
    let sawAny = false;
    for (const line of text.split("\n")) {
      if (line.length < 20) continue;
      const sp1 = line.indexOf(" ");
      const sp2 = line.indexOf(" ", sp1 + 1);
      if (sp1 < 0 || sp2 < 0) continue;
      sawAny = true;
      const a = BigInt(`0x${line.slice(0, sp1)}`);
      if (a === 0n) continue;
      const rest = line.slice(sp2 + 1);
      const tab = rest.indexOf("\t");
      const n = tab < 0 ? rest : rest.slice(0, tab);
      const m = tab < 0 ? undefined : rest.slice(tab + 1).replace(/^\[|\]$/g, "");
      rows.push({ a, n, t: line.slice(sp1 + 1, sp2), m });
    }
    // Stable sort: of symbols at one address, the first printed wins (as for _stext above).
    rows.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0));
    return new Kallsyms(
      BigUint64Array.from(rows, (r) => r.a),
      rows.map((r) => r.n),
      rows.map((r) => r.t[0] ?? "?").join(""),
      rows.map((r) => r.m),
      sawAny && rows.length === 0,
    );
  }

  get size(): number {
    return this.names.length;
  }

  /** The symbol containing `address`: the last one at or below it. */
  lookup(address: bigint): { symbol: KernelSymbol; offset: bigint } | undefined {
    let best = lastAtOrBelow(this.addrs, address);
    if (best < 0) return undefined;
    // Walk back to the first symbol printed at that address.
    while (best > 0 && this.addrs[best - 1] === this.addrs[best]) best--;
    const symbol = this.symbolAt(best);
    return { symbol, offset: address - symbol.address };
  }

  /** "vfs_read+12" (bpftrace's kstack spelling), "vfs_read" at offset 0, or "0x..." if unknown. */
  format(address: bigint, withOffset = true): string {
    const hit = this.lookup(address);
    if (!hit) return `0x${address.toString(16)}`;
    return withOffset && hit.offset !== 0n ? `${hit.symbol.name}+${hit.offset}` : hit.symbol.name;
  }

  /** The address of a symbol by name (first match). */
  address(name: string): bigint | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : this.addrs[i];
  }

  private symbolAt(i: number): KernelSymbol {
    const module = this.modules[i];
    return {
      name: this.names[i]!,
      address: this.addrs[i]!,
      type: this.types[i] ?? "?",
      ...(module !== undefined ? { module } : {}),
    };
  }
}
