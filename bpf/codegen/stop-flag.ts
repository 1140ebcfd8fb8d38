// Detaching a probe is slow (close() of a tracepoint perf event waits for the kernel to
// unregister it: tens of ms each, see ../shared/PLATFORM.md), so a notebook cell closes
// its probes after it has replied. Until they are closed they must not touch the maps
// again: every attached program starts by reading the run's stop flag (one u64 in a
// one-element array, read directly: no helper call) and returns at once when it is set.
// The run sets it (one map update) before it drains, runs END and reads the maps.
import { asm, R1 } from "../asm/index.ts";
import type { ConcreteProbe } from "../probes/index.ts";
import type { Emitter } from "../asm/index.ts";
import { STOP_MAP } from "../types/internal-maps.ts";

/** Programs the run itself starts (BEGIN/END, self:signal, iterators) are never left attached. */
export function needsStopFlag(p: ConcreteProbe): boolean {
  return p.attach.kind !== "run" && p.attach.kind !== "signal" && p.attach.kind !== "iter";
}

/** if (__stop[0] != 0) goto exit */
export function emitStopFlag(e: Emitter, exit: string): void {
  e.comment("detached: a probe still closing returns here");
  e.emit(asm.ldMapValue(R1, STOP_MAP, 0), asm.ldx(8, R1, R1, 0), asm.jneImm(R1, 0, exit));
}
