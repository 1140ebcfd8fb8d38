// The instruction stream of one program: labels placed on the next instruction, source
// comments for %bytecode, and the small idioms every generator needs (copy, zero, store a
// constant). Invariant: a label placed with `place` is on the next emitted instruction;
// several labels on one instruction are aliased to the first when the stream is finished.
//
// `zero` and `copy` of more than INLINE_BYTES are one helper call instead of a store per
// word (a 1024-byte string would be 128 of them): they clobber r0-r5 then, so callers keep
// nothing live in those registers across them (the generator never does; it spills).
import { asm } from "./builders.ts";
import { helpers } from "./helpers.ts";
import { type Instruction, type Reg, R0, R1, R2, R3, R10, withComment, withLabel } from "./instruction.ts";

/** Zeroed, copied and stored byte by byte (inline) up to this size; above it, by a helper call. */
export const INLINE_BYTES = 64;

export const H = {
  map_lookup_elem: helpers.map_lookup_elem!,
  map_update_elem: helpers.map_update_elem!,
  map_delete_elem: helpers.map_delete_elem!,
  ktime_get_ns: helpers.ktime_get_ns!,
  ktime_get_boot_ns: helpers.ktime_get_boot_ns!,
  get_prandom_u32: helpers.get_prandom_u32!,
  get_smp_processor_id: helpers.get_smp_processor_id!,
  get_current_pid_tgid: helpers.get_current_pid_tgid!,
  get_current_uid_gid: helpers.get_current_uid_gid!,
  get_current_comm: helpers.get_current_comm!,
  get_stackid: helpers.get_stackid!,
  get_func_ip: helpers.get_func_ip!,
  get_current_task: helpers.get_current_task!,
  get_numa_node_id: helpers.get_numa_node_id!,
  get_current_cgroup_id: helpers.get_current_cgroup_id!,
  send_signal: helpers.send_signal!,
  probe_write_user: helpers.probe_write_user!,
  probe_read_user: helpers.probe_read_user!,
  probe_read_kernel: helpers.probe_read_kernel!,
  probe_read_user_str: helpers.probe_read_user_str!,
  probe_read_kernel_str: helpers.probe_read_kernel_str!,
  jiffies64: helpers.jiffies64!,
  ringbuf_output: helpers.ringbuf_output!,
  ringbuf_reserve: helpers.ringbuf_reserve!,
  ringbuf_submit: helpers.ringbuf_submit!,
  seq_write: helpers.seq_write!,
  for_each_map_elem: helpers.for_each_map_elem!,
  loop: helpers.loop!,
  map_lookup_percpu_elem: helpers.map_lookup_percpu_elem!,
} as const;

export class Emitter {
  readonly insns: Instruction[] = [];
  #pending: string[] = [];
  #comment: string | undefined;
  readonly #aliases = new Map<string, string>();
  #n = 0;
  /** The bytes the last instructions zeroed, and where those instructions ended. */
  #zeroed: { off: number; size: number; end: number } | undefined;

  constructor(readonly prefix: string) {}

  label(hint: string): string {
    return `${this.prefix}${hint}_${this.#n++}`;
  }

  place(label: string): void {
    this.#pending.push(label);
  }

  comment(text: string): void {
    this.#comment = text;
  }

  emit(...list: Instruction[]): void {
    for (let i of list) {
      if (this.#pending.length) {
        const [first, ...rest] = this.#pending;
        i = withLabel(i, first!);
        for (const r of rest) this.#aliases.set(r, first!);
        this.#pending = [];
      }
      if (this.#comment !== undefined) {
        i = withComment(i, this.#comment);
        this.#comment = undefined;
      }
      this.insns.push(i);
    }
  }

  /** The finished stream, with aliased labels resolved. */
  finish(): Instruction[] {
    if (this.#pending.length) throw new Error(`labels at the end of the program: ${this.#pending.join(", ")}`);
    const resolve = (l: string): string => {
      let x = l;
      while (this.#aliases.has(x)) x = this.#aliases.get(x)!;
      return x;
    };
    return this.insns.map((i) => (i.target !== undefined && this.#aliases.has(i.target) ? { ...i, target: resolve(i.target) } : i));
  }

  /**
   * Zero `size` bytes at r10+off: inline stores up to INLINE_BYTES; above that one
   * bpf_probe_read_kernel(dst, size, NULL), which fails and zeroes its destination (the
   * kernel's documented behaviour on failure). Clobbers r0-r5 above INLINE_BYTES.
   */
  zero(off: number, size: number): void {
    // A map key zeroed whole and then a str() zeroing its slot in it zeroed the same 1 KiB
    // twice per event. Nothing ran in between, and no label lets another path in.
    const z = this.#zeroed;
    if (z && z.end === this.insns.length && !this.#pending.length && off >= z.off && off + size <= z.off + z.size) return;
    this.#zero(off, size);
    this.#zeroed = { off, size, end: this.insns.length };
  }

  #zero(off: number, size: number): void {
    if (size > INLINE_BYTES) {
      this.stackAddr(R1, off);
      this.emit(asm.movImm(R2, size), asm.movImm(R3, 0), asm.call(H.probe_read_kernel));
      return;
    }
    let p = 0;
    while (p < size) {
      const left = size - p;
      const w = left >= 8 && (off + p) % 8 === 0 ? 8 : left >= 4 && (off + p) % 4 === 0 ? 4 : left >= 2 && (off + p) % 2 === 0 ? 2 : 1;
      this.emit(asm.st(w, R10, off + p, 0));
      p += w;
    }
  }

  /**
   * Copy `size` bytes from [src+srcOff] to [dst+dstOff]: loads/stores through `tmp` up to
   * INLINE_BYTES, above that one bpf_probe_read_kernel (the source is the program's own
   * stack, scratch area, map value or context), clobbering r0-r5.
   */
  copy(dst: Reg, dstOff: number, src: Reg, srcOff: number, size: number, tmp: Reg = R0): void {
    if (size > INLINE_BYTES) {
      if (dst >= R1 && dst <= 5) throw new Error(`internal: copy to r${dst} + ${dstOff} would be clobbered by its own arguments`);
      // r3 first: src may be r1 or r2
      if (src !== R3) this.emit(asm.mov(R3, src));
      if (srcOff !== 0) this.emit(asm.addImm(R3, srcOff));
      if (dst === R10) this.stackAddr(R1, dstOff);
      else this.emit(asm.mov(R1, dst), asm.addImm(R1, dstOff));
      this.emit(asm.movImm(R2, size), asm.call(H.probe_read_kernel));
      return;
    }
    let p = 0;
    while (p < size) {
      const left = size - p;
      const aligned = (n: number) => (dstOff + p) % n === 0 && (srcOff + p) % n === 0;
      const w = left >= 8 && aligned(8) ? 8 : left >= 4 && aligned(4) ? 4 : left >= 2 && aligned(2) ? 2 : 1;
      this.emit(asm.ldx(w, tmp, src, srcOff + p), asm.stx(w, dst, dstOff + p, tmp));
      p += w;
    }
  }

  /** Store constant bytes at r10+off (strings: NUL padded to `size`; clobbers r0-r5 above INLINE_BYTES). */
  storeBytes(off: number, bytes: Uint8Array, size: number, tmp: Reg = R0): void {
    if (size > INLINE_BYTES) {
      // zero the slot by one call, then store only the words that hold text
      this.zero(off, size);
      size = Math.min(size, Math.ceil(bytes.length / 8) * 8);
    }
    const buf = new Uint8Array(size);
    buf.set(bytes.subarray(0, size));
    let p = 0;
    while (p < size) {
      const left = size - p;
      if (left >= 8 && (off + p) % 8 === 0) {
        const v = new DataView(buf.buffer, p, 8).getBigUint64(0, true);
        if (v === 0n) this.emit(asm.st(8, R10, off + p, 0));
        else if (v < 0x80000000n) this.emit(asm.st(8, R10, off + p, v));
        else this.emit(asm.ldImm64(tmp, v), asm.stx(8, R10, off + p, tmp));
        p += 8;
      } else if (left >= 4 && (off + p) % 4 === 0) {
        const v = new DataView(buf.buffer, p, 4).getInt32(0, true);
        this.emit(asm.st(4, R10, off + p, v));
        p += 4;
      } else {
        this.emit(asm.st(1, R10, off + p, buf[p]!));
        p += 1;
      }
    }
  }

  /** r = r10 + off */
  stackAddr(r: Reg, off: number): void {
    this.emit(asm.mov(r, R10), asm.addImm(r, off));
  }
}
