// The frame of one program: the 512-byte BPF stack below r10, plus a per-CPU scratch area
// for what does not fit there (scratch.ts). Variables get slots for the whole program;
// temporaries are allocated per statement and released together (mark / release), so
// each region's high-water mark is what the program needs.
//
// Both regions are addressed as offsets from r10 while the generator runs, so its code
// does not care where a slot lives:
//
//   [-512, 0)         the real stack: small, hot slots (scalars, spills, small records)
//   [-32768, -512)    virtual: scratch byte s is at SCRATCH_BASE + s; scratch.ts rewrites
//                     every access there to the scratch pointer after generation
//
// A slot never straddles -512, so one linear map (s = off - SCRATCH_BASE) translates every
// address inside a scratch slot, including pointers a helper gets to it.

import { MAX_BPF_STACK } from "../types/abi.ts";
export const MAX_STACK = MAX_BPF_STACK;
/** The virtual r10 offset of scratch byte 0 (the lowest offset an instruction can hold). */
export const SCRATCH_BASE = -0x8000;
/** Scratch bytes the virtual range can address (the per-CPU value limit is 32 KiB). */
export const MAX_SCRATCH = -SCRATCH_BASE - MAX_STACK;
/**
 * Slots larger than this go to the scratch area. Smaller ones stay on the stack, where the
 * verifier tracks what they hold (spilled pointers, known scalars); slots of 8 bytes or
 * less never leave it, since those are where pointers are spilled.
 */
export const STACK_SLOT_MAX = 64;

export class FrameOverflow extends Error {}

/** Where a slot must live: "stack" for slots a pointer is spilled to, or that the verifier must see as stack. */
export type Placement = "auto" | "stack";

export interface FrameMark {
  readonly stack: number;
  readonly scratch: number;
}

export class Frame {
  #top = 0; // stack bytes in use, growing down from r10
  #high = 0;
  #scratchTop = 0; // scratch bytes in use, growing up from 0
  #scratchHigh = 0;

  /** Reserve `size` bytes aligned to `align`; returns the (negative, maybe virtual) offset from r10. */
  alloc(size: number, align = 8, where: Placement = "auto"): number {
    const n = Math.max(1, size);
    const a = Math.max(1, Math.min(8, align));
    if (where === "auto" && n > STACK_SLOT_MAX) return this.#allocScratch(n);
    let top = Math.ceil((this.#top + n) / a) * a;
    // keep every slot 8-byte aligned at its start so wide stores stay aligned
    top = Math.ceil(top / 8) * 8;
    if (top > MAX_STACK) {
      if (where === "auto" && n > 8) return this.#allocScratch(n);
      throw new FrameOverflow(`the program needs more than ${MAX_STACK} bytes of BPF stack (at ${top} bytes) for small values in one statement`);
    }
    this.#top = top;
    this.#high = Math.max(this.#high, top);
    return -top;
  }

  #allocScratch(size: number): number {
    const start = Math.ceil(this.#scratchTop / 8) * 8;
    const end = start + size;
    if (end > MAX_SCRATCH) {
      throw new FrameOverflow(`the program needs more than ${MAX_SCRATCH} bytes of scratch space (at ${end} bytes); use fewer or shorter strings in one statement`);
    }
    this.#scratchTop = end;
    this.#scratchHigh = Math.max(this.#scratchHigh, end);
    return SCRATCH_BASE + start;
  }

  mark(): FrameMark {
    return { stack: this.#top, scratch: this.#scratchTop };
  }

  release(mark: FrameMark): void {
    this.#top = mark.stack;
    this.#scratchTop = mark.scratch;
  }

  /** Bytes of real stack the program uses (≤ 512). */
  get highWater(): number {
    return this.#high;
  }

  /** Bytes of scratch area the program uses; 0 when everything fits on the stack. */
  get scratchSize(): number {
    return Math.ceil(this.#scratchHigh / 8) * 8;
  }
}

/** Whether an r10 offset is in the scratch area. */
export function isScratch(off: number): boolean {
  return off < -MAX_STACK;
}
