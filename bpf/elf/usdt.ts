// USDT (SystemTap SDT) probes: the `.note.stapsdt` notes that <sys/sdt.h> emits, and
// their argument specs. Facts from systemtap's sdt.h and libbpf's usdt.c.
//
// Each note (owner "stapsdt", type NT_STAPSDT = 3) holds, for 64-bit files:
//   u64 pc; u64 base; u64 semaphore; "provider\0name\0args\0"
// `base` is the link-time address of the `.stapsdt.base` section; if prelink (or any
// relocation) moved it, pc and semaphore move by the same delta.
import { ElfFile } from "./elf-file.ts";
import { parseUsdtArgs, type UsdtArg } from "./usdt-args.ts";

/** NT_STAPSDT */
export const NT_STAPSDT = 3;

export interface UsdtProbe {
  readonly provider: string;
  readonly name: string;
  /** Virtual address of the probe's nop, adjusted for a moved .stapsdt.base. */
  readonly pc: number;
  /** The note's own base field (link-time .stapsdt.base address). */
  readonly base: number;
  /** Virtual address of the semaphore (an unsigned short), 0 when the probe has none. */
  readonly semaphore: number;
  /** File offset of pc: where the uprobe goes. */
  readonly offset: number;
  /** File offset of the semaphore: the uprobe's ref_ctr_offset (Linux 4.20). */
  readonly semaphoreOffset?: number;
  /** The argument spec as written: "-4@%edi 8@-16(%rbp)". */
  readonly argsText: string;
  readonly args: readonly UsdtArg[];
  /** Arguments that could not be parsed (left out of args). */
  readonly argErrors?: readonly string[];
}

/** The USDT probes of an ELF file, in note order ([] when it has none). */
export function usdtProbes(elf: ElfFile): UsdtProbe[] {
  const notes = elf.notes(".note.stapsdt").filter((n) => n.name === "stapsdt" && n.type === NT_STAPSDT);
  if (notes.length === 0) return [];
  const baseSection = elf.section(".stapsdt.base");
  const arch = elf.machine === 183 ? "arm64" : "x86_64"; // EM_AARCH64
  const out: UsdtProbe[] = [];
  for (const n of notes) {
    if (n.desc.length < 24) continue;
    const v = new DataView(n.desc.buffer, n.desc.byteOffset, n.desc.byteLength);
    const u64 = (o: number) => v.getUint32(o + 4, true) * 0x1_0000_0000 + v.getUint32(o, true);
    let pc = u64(0);
    const base = u64(8);
    let semaphore = u64(16);
    if (baseSection && base !== 0) {
      const delta = baseSection.addr - base;
      pc += delta;
      if (semaphore !== 0) semaphore += delta;
    }
    const strs = Buffer.from(n.desc.buffer, n.desc.byteOffset + 24, n.desc.byteLength - 24).toString("utf8").split("\0");
    const provider = strs[0] ?? "";
    const name = strs[1] ?? "";
    const argsText = strs[2] ?? "";
    const parsed = parseUsdtArgs(argsText, arch);
    const offset = elf.fileOffset(pc);
    if (offset === undefined) continue;
    const semaphoreOffset = semaphore !== 0 ? elf.fileOffset(semaphore) : undefined;
    out.push({
      provider, name, pc, base, semaphore, offset,
      ...(semaphoreOffset !== undefined ? { semaphoreOffset } : {}),
      argsText,
      args: parsed.args,
      ...(parsed.errors.length ? { argErrors: parsed.errors } : {}),
    });
  }
  return out;
}
