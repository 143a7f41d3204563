// Opcode fields of the eBPF instruction set, as RFC 9669 defines them.
// An opcode byte is  class (3 low bits) | source/size/mode bits | operation (4 high bits).

/** Instruction classes (bits 0-2). */
export const Class = {
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03,
  ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07,
} as const;

/** Source bit of ALU/JMP classes (bit 3): K uses imm, X uses the src register. */
export const Source = { K: 0x00, X: 0x08 } as const;

/** Arithmetic operations (bits 4-7 of ALU/ALU64). */
export const AluOp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70,
  NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;

/** Jump operations (bits 4-7 of JMP/JMP32). */
export const JmpOp = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70,
  CALL: 0x80, EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0,
} as const;

/** Memory access sizes (bits 3-4 of load/store classes). */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Memory access modes (bits 5-7 of load/store classes). */
export const Mode = {
  IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0,
} as const;

/** Atomic operations, carried in imm of STX|ATOMIC. FETCH may be or-ed into ADD/OR/AND/XOR. */
export const AtomicOp = {
  ADD: 0x00, OR: 0x40, AND: 0x50, XOR: 0xa0, FETCH: 0x01, XCHG: 0xe1, CMPXCHG: 0xf1,
} as const;

/** src register values of `lddw` that make it a pseudo instruction resolved by the loader. */
export const PseudoSrc = {
  MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6,
} as const;

/** src register values of `call`: a helper by id, a local function (pc-relative), a kfunc. */
export const CallSrc = { HELPER: 0, LOCAL: 1, KFUNC: 2 } as const;

export const opClass = (code: number): number => code & 0x07;
export const opSource = (code: number): number => code & 0x08;
export const opAlu = (code: number): number => code & 0xf0;
export const opSize = (code: number): number => code & 0x18;
export const opMode = (code: number): number => code & 0xe0;

export const sizeBytes = (size: number): 1 | 2 | 4 | 8 =>
  size === Size.B ? 1 : size === Size.H ? 2 : size === Size.W ? 4 : 8;

export const isAlu = (code: number): boolean => {
  const c = opClass(code);
  return c === Class.ALU || c === Class.ALU64;
};
export const isJump = (code: number): boolean => {
  const c = opClass(code);
  return c === Class.JMP || c === Class.JMP32;
};

/** The opcode of the 16-byte `lddw` (load 64-bit immediate). */
export const LDDW = Class.LD | Size.DW | Mode.IMM;

/** Number of registers (r0-r10) and the read-only frame pointer. */
export const NUM_REGS = 11;
export const FP = 10;
/** Bytes of stack per frame. */
export const STACK_SIZE = 512;
