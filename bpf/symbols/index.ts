// bpf/symbols: turning addresses into names — kernel ones from /proc/kallsyms (kstack,
// ksym) and user ones from /proc/PID/maps plus ELF symbols (ustack, usym). Parsing is pure;
// the `forPid`/`loadKallsyms` helpers read /proc. Must not import native/ or bpf/probes/.
import { readFileSync } from "node:fs";
import { Kallsyms } from "./kallsyms.ts";

export { Kallsyms, type KernelSymbol } from "./kallsyms.ts";
export { findMapping, parseMaps, type MapsEntry } from "./proc-maps.ts";
export { UserSymbolizer, type ElfCache, type FileReader, type LoadedElf, type UserFrame } from "./user-symbolizer.ts";

/** Read and parse /proc/kallsyms (about 120k symbols; read it once and keep it). */
export function loadKallsyms(path = "/proc/kallsyms"): Kallsyms {
  return Kallsyms.parse(readFileSync(path, "utf8"));
}
