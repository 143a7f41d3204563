// Instruction fields an opcode does not use must be zero (the kernel refuses them as "uses
// reserved fields"), so that they stay free for future extensions and garbage is not accepted.
import { Instruction } from '../../isa/instruction.js';
import { AluOp, Class, JmpOp, Mode, Source, opAlu, opClass, opMode, opSource } from '../../isa/opcodes.js';

/** The kernel's complaint about `insn`, or undefined when its unused fields are clear. */
export function reservedFieldsProblem(insn: Instruction): string | undefined {
  const cls = opClass(insn.code);
  const x = opSource(insn.code) === Source.X;
  const { src, dst, off, imm } = insn;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const op = opAlu(insn.code);
      if (op > AluOp.END) return `invalid BPF_ALU opcode ${op.toString(16)}`;
      if (op === AluOp.NEG) return x || src !== 0 || off !== 0 || imm !== 0 ? 'BPF_NEG uses reserved fields' : undefined;
      if (op === AluOp.END) {
        return src !== 0 || off !== 0 || (imm !== 16 && imm !== 32 && imm !== 64) || (cls === Class.ALU64 && x) ? 'BPF_END uses reserved fields' : undefined;
      }
      if (op === AluOp.MOV) {
        if (x) {
          const okOff = cls === Class.ALU64 ? [0, 8, 16, 32] : [0, 8, 16];
          return imm !== 0 || !okOff.includes(off) ? 'BPF_MOV uses reserved fields' : undefined;
        }
        return src !== 0 || off !== 0 ? 'BPF_MOV uses reserved fields' : undefined;
      }
      const offOk = off === 0 || (off === 1 && (op === AluOp.DIV || op === AluOp.MOD));
      if (x) return imm !== 0 || !offOk ? 'BPF_ALU uses reserved fields' : undefined;
      return src !== 0 || !offOk ? 'BPF_ALU uses reserved fields' : undefined;
    }
    case Class.LDX:
      return (opMode(insn.code) !== Mode.MEM && opMode(insn.code) !== Mode.MEMSX) || imm !== 0 ? 'BPF_LDX uses reserved fields' : undefined;
    case Class.ST:
      return opMode(insn.code) !== Mode.MEM || src !== 0 ? 'BPF_ST uses reserved fields' : undefined;
    case Class.STX:
      if (opMode(insn.code) === Mode.ATOMIC) return undefined;
      return opMode(insn.code) !== Mode.MEM || imm !== 0 ? 'BPF_STX uses reserved fields' : undefined;
    case Class.JMP:
    case Class.JMP32: {
      const op = opAlu(insn.code);
      if (op === JmpOp.JA) {
        const bad = cls === Class.JMP ? src !== 0 || imm !== 0 || dst !== 0 || x : src !== 0 || off !== 0 || dst !== 0 || x;
        return bad ? 'BPF_JA uses reserved fields' : undefined;
      }
      if (op === JmpOp.EXIT) return x || src !== 0 || dst !== 0 || off !== 0 || imm !== 0 ? 'BPF_EXIT uses reserved fields' : undefined;
      if (op === JmpOp.CALL) return off !== 0 || dst !== 0 ? 'BPF_CALL uses reserved fields' : undefined;
      if (op > JmpOp.JSLE) return `invalid BPF_JMP/JMP32 opcode ${op.toString(16)}`;
      return (x ? imm !== 0 : src !== 0) ? 'BPF_JMP/JMP32 uses reserved fields' : undefined;
    }
    default:
      return undefined;
  }
}
