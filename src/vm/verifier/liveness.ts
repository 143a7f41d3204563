// Which registers may still be read, at each instruction, before being overwritten (classic
// backward liveness over the function-local control-flow graph). A register that is dead at a
// prune point cannot influence the rest of the path, so state comparison ignores it, as the
// kernel's does; this is what lets loops whose scratch registers differ converge.
import { Instruction, slots } from '../../isa/instruction.js';
import { AluOp, CallSrc, Class, JmpOp, LDDW, Mode, Source, opAlu, opClass, opMode, opSource } from '../../isa/opcodes.js';
import type { HelperPrototype } from './helper-prototypes.js';
import type { ProgramShape } from './cfg.js';

const bit = (r: number): number => (r <= 10 ? 1 << r : 0);
const ARGS = 0b111110; // r1-r5
const CALLER_SAVED = 0b111111; // r0-r5

function useDef(insn: Instruction, helpers: ReadonlyMap<number, HelperPrototype>): [number, number] {
  const cls = opClass(insn.code);
  const x = opSource(insn.code) === Source.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const op = opAlu(insn.code);
      if (op === AluOp.MOV) return [x ? bit(insn.src) : 0, bit(insn.dst)];
      if (op === AluOp.NEG || op === AluOp.END) return [bit(insn.dst), bit(insn.dst)];
      return [bit(insn.dst) | (x ? bit(insn.src) : 0), bit(insn.dst)];
    }
    case Class.LDX: return [bit(insn.src), bit(insn.dst)];
    case Class.ST: return [bit(insn.dst), 0];
    case Class.STX:
      if (opMode(insn.code) === Mode.ATOMIC) {
        if (insn.imm === 0xf1) return [bit(insn.dst) | bit(insn.src) | 1, 1];
        return [bit(insn.dst) | bit(insn.src), insn.imm & 1 ? bit(insn.src) : 0];
      }
      return [bit(insn.dst) | bit(insn.src), 0];
    case Class.LD: return insn.code === LDDW ? [0, bit(insn.dst)] : [0x7ff, 1];
    default: {
      const op = opAlu(insn.code);
      if (op === JmpOp.EXIT) return [1, 0];
      if (op === JmpOp.JA) return [0, 0];
      if (op === JmpOp.CALL) {
        if (insn.src === CallSrc.HELPER) {
          const proto = helpers.get(insn.imm);
          const n = proto ? proto.args.length : 5;
          return [((1 << (n + 1)) - 1) & ARGS, CALLER_SAVED];
        }
        return [ARGS, CALLER_SAVED];
      }
      return [bit(insn.dst) | (x ? bit(insn.src) : 0), 0];
    }
  }
}

/** Live-in register mask per slot (r10 always live). */
export function liveRegisters(shape: ProgramShape, helpers: ReadonlyMap<number, HelperPrototype>): Uint16Array {
  const n = shape.at.length;
  const live = new Uint16Array(n);
  const use = new Uint16Array(n);
  const def = new Uint16Array(n);
  const succ: number[][] = new Array(n);
  for (const pc of shape.pcs) {
    const insn = shape.at[pc]!;
    [use[pc], def[pc]] = useDef(insn, helpers);
    const cls = opClass(insn.code);
    const next = pc + slots(insn);
    const op = opAlu(insn.code);
    if (cls !== Class.JMP && cls !== Class.JMP32) succ[pc] = [next];
    else if (op === JmpOp.EXIT) succ[pc] = [];
    else if (op === JmpOp.CALL) succ[pc] = [next];
    else if (op === JmpOp.JA) succ[pc] = [pc + 1 + (cls === Class.JMP32 ? insn.imm : insn.off)];
    else succ[pc] = [next, pc + 1 + insn.off];
  }
  for (let changed = true; changed;) {
    changed = false;
    for (let i = shape.pcs.length - 1; i >= 0; i--) {
      const pc = shape.pcs[i];
      let out = 0;
      for (const s of succ[pc]) if (s < n) out |= live[s];
      const inn = use[pc] | (out & ~def[pc]) | (1 << 10);
      if (inn !== live[pc]) { live[pc] = inn; changed = true; }
    }
  }
  return live;
}
