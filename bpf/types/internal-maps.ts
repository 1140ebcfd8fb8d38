// The kernel maps a compile adds besides the user's: their names are shared by codegen
// (which references them by name), the functions that write them (bpf/functions/) and
// the runtime (which creates and reads them).
import { STACK_DEPTH } from "./types.ts";

export const EVENTS_MAP = "__events";
/**
 * Counters the programs bump (an array of u64): slot 0 counts events lost because the ring
 * buffer was full, slot 1 + i the updates of the i-th user map (in ProgramSpec.maps
 * order) that failed because the map was full (-E2BIG).
 */
export const DROPS_MAP = "__drops";
export const STACKS_MAP = "__stacks";
/**
 * One u64 that is always 0 and that no program writes: reading it gives a value the
 * verifier cannot know, which for-map loops add to the probe's variables (bpf/codegen/for-map.ts).
 */
export const ZERO_MAP = "__zero";
/**
 * One per-CPU value holding what does not fit in the BPF stack (bpf/codegen/scratch.ts),
 * as large as the largest need of the programs of one compile.
 */
export const SCRATCH_MAP = "__scratch";
/** One u64 that the run sets when it detaches: attached programs then return at once (bpf/codegen/stop-flag.ts). */
export const STOP_MAP = "__stop";
/**
 * The event ring buffer's default size: 4 MiB, 131k small printf records. A printf in a
 * tight loop fills it faster than the reader (part of a CPU on a busy machine) empties
 * it; at 1 MiB a burst of 200k events lost 5-40k of them, at 4 MiB none (README, "Speed
 * and memory"). The kernel's pages are only touched as records pass through them.
 */
export const RINGBUF_SIZE = 4 << 20;

/**
 * The stack-trace map of kstack(n)/ustack(n): one per depth, as bpftrace has, because the
 * kernel hashes only the frames a map keeps: stacks that differ below frame n share an id.
 */
export function stacksMapName(depth: number = STACK_DEPTH, buildId = false): string {
  if (buildId) return `${STACKS_MAP}_bid_${depth}`;
  return depth === STACK_DEPTH ? STACKS_MAP : `${STACKS_MAP}_${depth}`;
}

/** The depth of a stack-trace map named by stacksMapName, or undefined for other maps. */
export function stacksMapDepth(name: string): number | undefined {
  if (name === STACKS_MAP) return STACK_DEPTH;
  const m = /^__stacks_(?:bid_)?(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
