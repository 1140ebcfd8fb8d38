// bpf/elf: a pure ELF64 reader for user-space probes — symbols (.symtab, .dynsym) with the
// file offsets uprobes attach at, and USDT notes with their argument specs. Reads bytes it
// is handed; must not import native/, bpf/probes/ or anything above bpf/.
export { ElfError, ElfFile, ElfType, PT_LOAD, SHT, SymbolType } from "./elf-file.ts";
export type { ElfNote, ElfSymbol, Section, Segment, SymbolBind, SymbolKind } from "./elf-file.ts";
export { NT_STAPSDT, usdtProbes, type UsdtProbe } from "./usdt.ts";
export { ARM64_PT_REGS, parseUsdtArg, parseUsdtArgs, X86_64_PT_REGS } from "./usdt-args.ts";
export type { UsdtArch, UsdtArg, UsdtArgLocation } from "./usdt-args.ts";
export { AddressIndex, functionSymbols, symbolFileOffset } from "./symbols.ts";
