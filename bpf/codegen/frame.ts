// The BPF stack frame of one program: 512 bytes below r10. Variables get slots for the
// whole program; temporaries are allocated per statement and released together (mark /
// release), so the frame's high-water mark is what the verifier sees.

export const MAX_STACK = 512;

export class FrameOverflow extends Error {}

export class Frame {
  #top = 0; // bytes in use, growing down from r10
  #high = 0;

  /** Reserve `size` bytes aligned to `align`; returns the (negative) offset from r10. */
  alloc(size: number, align = 8): number {
    const a = Math.max(1, Math.min(8, align));
    let top = this.#top + Math.max(1, size);
    top = Math.ceil(top / a) * a;
    // keep every slot 8-byte aligned at its start so wide stores stay aligned
    top = Math.ceil(top / 8) * 8;
    if (top > MAX_STACK) {
      throw new FrameOverflow(`the program needs more than ${MAX_STACK} bytes of BPF stack (at ${top} bytes); use fewer or shorter strings in one statement`);
    }
    this.#top = top;
    this.#high = Math.max(this.#high, top);
    return -top;
  }

  mark(): number {
    return this.#top;
  }

  release(mark: number): void {
    this.#top = mark;
  }

  get highWater(): number {
    return this.#high;
  }
}
