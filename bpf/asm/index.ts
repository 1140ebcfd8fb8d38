// bpf/asm owns the eBPF instruction set: the Instruction value type, builders that read
// like assembly, label and map-fd resolution with marshal(), unmarshal(), the
// disassembler behind %bytecode, the helper id table, and the Emitter (an instruction
// stream with labels placed on the next instruction, source comments, and the zero /
// copy / store idioms every generator uses). It is pure and deterministic.
// It must not import native/ or anything outside bpf/asm.
//
// Invariant order (STYLE §3): builders emit symbolic labels and map names; marshal() is
// the only place they become offsets and fds.

export {
  R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10,
  AsmError, withLabel, withComment, slots,
  type Reg, type Size, type Instruction,
} from "./instruction.ts";
export { asm } from "./builders.ts";
export type { Operand } from "./alu.ts";
export type { AluOp, JmpOp, AtomicOp } from "./opcodes.ts";
export * as opcodes from "./opcodes.ts";
export {
  marshal, unmarshal, labelSlots, slotIndices, targetField, instructionAt,
  type MarshalOptions, type TargetField,
} from "./marshal.ts";
export { dropUnreachable } from "./reachable.ts";
export { disassemble, formatInstruction, type DisasmContext } from "./disasm.ts";
export { helpers, helperName, MAX_HELPER_ID, type HelperName } from "./helpers.ts";
export { Emitter, H, INLINE_BYTES } from "./emitter.ts";
