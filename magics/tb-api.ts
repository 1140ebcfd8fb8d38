// The `tb` object of %%ts cells, as types: the implementation (magics/ts-cell.ts) is checked
// against them, and the cells are type-checked with this file's text (magics/ts-project.ts
// reads it, drops `export` and adds the session's maps to TbMaps). So it must stand alone:
// no imports, only declarations.

/** An eBPF register number. r10 is the read-only frame pointer. */
export type Reg = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Access size in bytes: BPF_B, BPF_H, BPF_W, BPF_DW. */
export type Size = 1 | 2 | 4 | 8;

/** One eBPF instruction (struct bpf_insn), before labels and map names are resolved. */
export interface Instruction {
  readonly opcode: number;
  readonly dst: Reg;
  readonly src: number;
  readonly off: number;
  readonly imm: bigint;
  /** This instruction is the target of that label. */
  readonly label?: string;
  /** Jump target label. */
  readonly target?: string;
  /** Map name (with its @) whose fd is patched in when the program loads. */
  readonly mapRef?: string;
  /** Shown by disassemble() and named when the verifier refuses this instruction. */
  readonly comment?: string;
}

type Operand = Reg | { readonly imm: number | bigint };
type RegOp = (dst: Reg, src: Reg) => Instruction;
type ImmOp = (dst: Reg, imm: number | bigint) => Instruction;
type JmpReg = (dst: Reg, src: Reg, target: string) => Instruction;
type JmpImm = (dst: Reg, imm: number | bigint, target: string) => Instruction;

/**
 * Tracebook's typed eBPF assembler (bpf/asm), the one its compiler uses. Builders read like
 * assembly: `a.movImm(R0, 0)`, `a.ldx(8, R1, R10, -8)`, `a.jeqImm(R0, 0, "out")`,
 * `a.call(helpers.map_lookup_elem)`, `a.exit()`. Jumps name labels; `label(insn, "out")`
 * puts one on an instruction; `ldMapFd(R1, "@calls")` names a map declared in tb.load.
 */
export interface TbAsm {
  readonly R0: Reg; readonly R1: Reg; readonly R2: Reg; readonly R3: Reg; readonly R4: Reg; readonly R5: Reg;
  readonly R6: Reg; readonly R7: Reg; readonly R8: Reg; readonly R9: Reg; readonly R10: Reg;
  /** Helper ids by name (enum bpf_func_id): `helpers.map_lookup_elem` is 1. */
  readonly helpers: TbHelpers;
  mov: RegOp; movImm: ImmOp; add: RegOp; addImm: ImmOp; sub: RegOp; subImm: ImmOp;
  mul: RegOp; mulImm: ImmOp; div: RegOp; divImm: ImmOp; mod: RegOp; modImm: ImmOp;
  and: RegOp; andImm: ImmOp; or: RegOp; orImm: ImmOp; xor: RegOp; xorImm: ImmOp;
  lsh: RegOp; lshImm: ImmOp; rsh: RegOp; rshImm: ImmOp; arsh: RegOp; arshImm: ImmOp;
  /** `wdst = imm`: 32-bit move, zeroing the upper half. */
  mov32Imm: ImmOp;
  neg(dst: Reg): Instruction;
  /** `dst = *(size *)(src + off)` */
  ldx(size: Size, dst: Reg, src: Reg, off: number): Instruction;
  /** `*(size *)(dst + off) = src` */
  stx(size: Size, dst: Reg, off: number, src: Reg): Instruction;
  /** `*(size *)(dst + off) = imm` */
  st(size: Size, dst: Reg, off: number, imm: number | bigint): Instruction;
  /** `dst = imm` with a 64-bit immediate (two slots). */
  ldImm64(dst: Reg, imm: number | bigint): Instruction;
  /** `dst = the map named mapName` (BPF_PSEUDO_MAP_FD). */
  ldMapFd(dst: Reg, mapName: string): Instruction;
  /** Atomic `*(size *)(dst + off) op= src` (add, or, and, xor; fetch: old value into src). */
  atomic(op: "add" | "or" | "and" | "xor" | "xchg" | "cmpxchg", size: 4 | 8, dst: Reg, off: number, src: Reg, fetch?: boolean): Instruction;
  jeq: JmpReg; jeqImm: JmpImm; jne: JmpReg; jneImm: JmpImm; jgt: JmpReg; jgtImm: JmpImm;
  jge: JmpReg; jgeImm: JmpImm; jlt: JmpReg; jltImm: JmpImm; jle: JmpReg; jleImm: JmpImm;
  jsgt: JmpReg; jsgtImm: JmpImm; jsge: JmpReg; jsgeImm: JmpImm; jslt: JmpReg; jsltImm: JmpImm;
  jsle: JmpReg; jsleImm: JmpImm; jset: JmpReg; jsetImm: JmpImm;
  /** Conditional jump by operator name. */
  jmp(op: "jeq" | "jne" | "jgt" | "jge" | "jlt" | "jle" | "jsgt" | "jsge" | "jslt" | "jsle" | "jset", dst: Reg, srcOrImm: Operand, target: string): Instruction;
  /** `goto target` */
  ja(target: string): Instruction;
  /** `call helper`: arguments in r1-r5, result in r0; r1-r5 are clobbered. */
  call(helperId: number): Instruction;
  /** Return r0. */
  exit(): Instruction;
  /** The instruction, as the target of `name`. */
  label(i: Instruction, name: string): Instruction;
  /** The instruction with a comment (shown by disassemble, named when the verifier refuses it). */
  comment(i: Instruction, text: string): Instruction;
  /** The instructions as text, one per line, as %bytecode shows them. */
  disassemble(insns: readonly Instruction[]): string;
}

/** Helper ids by name (cells see every name bpf/asm knows). */
export interface TbHelpers {
  readonly [name: string]: number;
}

/** Integer types of a hand-written program's map keys and values. */
export type IntName = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";

/** A map for a hand-written program: it becomes a notebook map, read by tb.map and %print. */
export interface HandMap {
  /** hash (default), or array (key u32; every entry exists, zeroed). */
  readonly type?: "hash" | "array";
  /** The key's type; none: the map holds one value. */
  readonly key?: IntName;
  /** The value's type; u64 by default. */
  readonly value?: IntName;
  readonly maxEntries?: number;
}

/** What tb.load loads. */
export interface LoadSpec {
  /** The probe it is for: it decides the program type, and where tb.attach attaches it. */
  readonly probe: string;
  readonly insns: readonly Instruction[];
  /** The maps its instructions name (ldMapFd(R1, "@calls")). */
  readonly maps?: Readonly<Record<string, HandMap>>;
  /** "GPL" unless said: GPL-only helpers need it. */
  readonly license?: string;
}

/** A program tb.load loaded. */
export interface Loaded {
  readonly id: number;
  /** The probe it was loaded for. */
  readonly probe: string;
  /** How many instructions it has. */
  readonly instructions: number;
  readonly attached: boolean;
  /** Its instructions as text. */
  disassemble(): string;
}

/** One row of a map: its key (null for a map without keys, an array for several) and value. */
export interface MapRow<K = unknown, V = unknown> {
  readonly key: K;
  readonly value: V;
}

/** The notebook's maps by name, with the types the checker inferred (filled in per cell). */
export interface TbMaps {}

/** The session, from TypeScript. */
export interface Tb {
  /** The names of the maps with data in the kernel. */
  maps(): string[];
  /**
   * A map's rows: `{ key, value }`, typed as the program wrote them (integers are numbers;
   * beyond 2^53 they lose precision: tb.snapshot has them exact); hist/lhist values are
   * bucket counts.
   */
  map<N extends keyof TbMaps>(name: N): TbMaps[N][];
  /** A map the notebook did not have when the cell was checked (made by tb.run in this cell): untyped. */
  map(name: string): MapRow<any, any>[];
  /** The map as Tracebook decoded it (exact integers as bigint), or undefined. */
  snapshot(name: string): unknown;
  /** The map as bpftrace prints it. */
  text(name: string): string;
  /**
   * Runs a bpftrace program to its end (or `for` ms) and returns the rows of the maps it
   * wrote (untyped: the program is only compiled when the cell runs; tb.map types them in
   * the next cells).
   */
  run(program: string, opts?: { for?: number }): Promise<Record<string, MapRow<any, any>[]>>;
  /** Displays a map as a DSL cell would. */
  show(name: string): Promise<void>;
  /** Displays a Vega-Lite chart (and its picture). */
  chart(spec: Record<string, unknown>): Promise<void>;
  /** The programs running in the background. */
  jobs(): { id: number; origin: string; source: string }[];
  /** Stops background job `id`; returns the names of its maps. */
  stop(id: number): string[] | undefined;
  /** The eBPF assembler. */
  readonly asm: TbAsm;
  /**
   * Loads a program written with tb.asm: its maps are created (or shared with a map of the
   * same name and layout), the verifier checks it (a refusal is a VerifierError that names
   * the instruction and says why in plain words), nothing is attached yet.
   */
  load(spec: LoadSpec): Loaded;
  /**
   * Attaches a loaded program to its probe, or to `probe` (same program type; a wildcard
   * attaches to each match; BEGIN runs it once, now). Returns how many attach points.
   */
  attach(program: Loaded, probe?: string): number;
  /** Detaches a program (it stays loaded: attach it again later). */
  detach(program: Loaded): void;
  /** Detaches and unloads a program; its maps stay in the notebook. */
  unload(program: Loaded): void;
}
