// The one Instruction type of bpfkit. Plain data: it can be built, printed and compared without
// a kernel. `lddw` is a single Instruction carrying a 64-bit constant and occupies two slots.
import { LDDW } from './opcodes.js';

export interface SourceLocation {
  /** 1-based line and column of the script text this instruction was generated from. */
  line: number;
  column: number;
  /** What produced it (an expression or statement, as written), for -d and verifier errors. */
  text?: string;
}

export interface Instruction {
  /** The opcode byte. */
  code: number;
  /** Destination register 0-10. */
  dst: number;
  /** Source register 0-10, or a pseudo value for lddw/call. */
  src: number;
  /** Signed 16-bit offset (jumps: in slots, relative to the next instruction). */
  off: number;
  /** Signed 32-bit immediate. For lddw: the low 32 bits of the constant. */
  imm: number;
  /** lddw only: the whole 64-bit constant (low 32 bits in slot 1, high 32 in slot 2's imm). */
  imm64?: bigint;
  /**
   * A late-bound symbol. For jumps and local calls: a label to resolve into `off`/`imm`.
   * For lddw with a map pseudo source: the map's name, resolved into an fd by the loader.
   */
  ref?: string;
  /** Where in the source this came from (compiler output only). */
  loc?: SourceLocation;
}

/** Slots (8-byte units) an instruction occupies: 2 for lddw, else 1. */
export const slots = (insn: Instruction): number => (insn.code === LDDW ? 2 : 1);

/** Slot index of each instruction (the "pc" the kernel and conformance tests use). */
export function slotOffsets(program: readonly Instruction[]): number[] {
  const out: number[] = [];
  let pc = 0;
  for (const insn of program) {
    out.push(pc);
    pc += slots(insn);
  }
  return out;
}

/** Sign-extend a number from `bits` wide. */
export const signExtend = (value: number, bits: number): number => {
  const shift = 32 - bits;
  return bits >= 32 ? value | 0 : ((value << shift) >> shift);
};

/** A constant as a 64-bit value: imm64 for lddw, imm sign-extended otherwise. */
export const constant = (insn: Instruction): bigint =>
  insn.code === LDDW ? BigInt.asUintN(64, insn.imm64 ?? BigInt(insn.imm >>> 0)) : BigInt(insn.imm | 0);
