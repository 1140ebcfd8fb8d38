// The usual verifier rejections, each a small program built with bpf/asm: the system test
// loads them into this kernel (test/system/verifier-explain.test.ts, which also records
// their logs under test/fixtures/verifier/ with RECORD_VERIFIER_LOGS=1) and the unit test
// reads the recorded logs (test/unit/verifier-explain.test.ts). `insn` is the instruction
// the rejection is about, `plain` the start of its explanation.
import { asm, R0, R1, R2, R3, R6, R10, helpers, type Instruction } from "../../bpf/asm/index.ts";

export interface VerifierCase {
  readonly name: string;
  readonly what: string;
  /** The instructions; `@m` is a hash map of u64 -> u64. */
  readonly insns: readonly Instruction[];
  /** BPF_PROG_TYPE_*: raw_tracepoint (17) unless said. */
  readonly progType?: number;
  readonly reason: RegExp;
  /** The instruction it names (the last walked one may be either of a loop's two). */
  readonly insn: readonly number[];
  readonly plain: string;
}

const at = (i: Instruction, label: string): Instruction => ({ ...i, label });
// r0 = bpf_map_lookup_elem(@m, &(u64)0)
const lookup: readonly Instruction[] = [asm.st(8, R10, -8, 0), asm.ldMapFd(R1, "@m"), asm.mov(R2, R10), asm.addImm(R2, -8), asm.call(helpers.map_lookup_elem)];

export const VERIFIER_CASES: readonly VerifierCase[] = [
  {
    name: "null-check", what: "a map value read without the NULL check (the field guide's example)",
    insns: [...lookup, asm.ldx(8, R0, R0, 0), asm.exit()],
    reason: /^R0 invalid mem access 'map_value_or_null' \(at 6: \(79\) r0 = \*\(u64 \*\)\(r0 \+0\)\)$/, insn: [6],
    plain: "a map value was used without checking the lookup for NULL",
  },
  {
    name: "loop", what: "a loop that never ends",
    insns: [asm.movImm(R0, 0), at(asm.jneImm(R0, 0, "out"), "top"), asm.ja("top"), at(asm.exit(), "out")],
    reason: /^infinite loop detected at insn 1 \(at 2: \(05\) goto pc-2\)$/, insn: [1],
    plain: "a loop the verifier cannot prove to end",
  },
  {
    name: "stack", what: "a store below the 512-byte stack",
    insns: [asm.st(8, R10, -520, 0), asm.movImm(R0, 0), asm.exit()],
    reason: /^invalid write to stack R10 off=-520 size=8 \(at 0: /, insn: [0],
    plain: "the program uses more than the 512 bytes of BPF stack",
  },
  {
    name: "mem", what: "a read through a number (not a pointer)",
    insns: [asm.movImm(R1, 4096), asm.ldx(8, R0, R1, 0), asm.exit()],
    reason: /^R1 invalid mem access 'scalar' \(at 1: \(79\) r0 = \*\(u64 \*\)\(r1 \+0\)\)$/, insn: [1],
    plain: "a read or write through a register that holds a number",
  },
  {
    name: "map-bounds", what: "a read past the end of a map value",
    insns: [...lookup, asm.jeqImm(R0, 0, "out"), asm.ldx(8, R0, R0, 8), at(asm.exit(), "out")],
    reason: /^invalid access to map value, value_size=8 off=8 size=8; R0 min value is outside of the allowed memory range \(at 7: /, insn: [7],
    plain: "a read or write outside what the verifier can prove is in bounds",
  },
  {
    name: "too-large", what: "a counted loop to 3,000,000 (more than the verifier walks)",
    insns: [asm.movImm(R6, 0), at(asm.addImm(R6, 1), "top"), asm.jltImm(R6, 3_000_000, "top"), asm.movImm(R0, 0), asm.exit()],
    reason: /^BPF program is too large\. Processed 1000001 insn \(at [12]: /, insn: [1, 2],
    plain: "too many instructions to verify",
  },
  {
    name: "helper", what: "a socket helper (bpf_skb_load_bytes) in a raw tracepoint program",
    insns: [asm.movImm(R2, 0), asm.mov(R3, R10), asm.addImm(R3, -8), asm.movImm(R0, 0), asm.call(26), asm.movImm(R0, 0), asm.exit()],
    reason: /^program of this type cannot use helper bpf_skb_load_bytes#26 \(at 4: \(85\) call bpf_skb_load_bytes#26\)$/, insn: [4],
    plain: "a helper this program type may not call",
  },
];
