// Classic BPF -> eBPF, as the kernel's bpf_convert_filter does it: A lives in r0, X in r7, r8 is
// a temporary, r6 holds the context the legacy packet loads (LD_ABS/LD_IND) read from, and the
// 16 scratch words M[] live at the top of the stack (M[k] at r10 - (16 - k) * 4). All arithmetic
// is 32-bit, so registers stay zero-extended and 64-bit compares are exact.
//
// Calling convention of the result, two flavours:
//  - 'userspace' (default): r1 = the packet (the context of legacy loads), r2 = the length on
//    the wire, kept in r9 (the userspace VM passes both);
//  - 'skb': r1 = struct __sk_buff, the length read from its `len` field, as a kernel program
//    (socket filter or tc) that the verifier accepts.
// Linux ancillary loads need a struct sk_buff and are refused in both.
import type { Instruction } from '../isa/instruction.js';
import { Class, Source, AluOp, JmpOp, Size, Mode } from '../isa/opcodes.js';
import { UserError } from '../diagnostics.js';
import {
  type CbpfInstruction, CClass, CSize, CMode, COp, CJmp, CSrc, SKF_AD_OFF, BPF_MEMWORDS, cClass, cMode, cOp, cSize, cSrc,
} from './instruction.js';

export const REG_A = 0, REG_X = 7, REG_TMP = 8, REG_CTX = 6, REG_LEN = 9, REG_FP = 10;

const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm: imm | 0 });
const alu32 = (op: number, dst: number, imm: number): Instruction => ins(Class.ALU | op | Source.K, dst, 0, 0, imm);
const alu32x = (op: number, dst: number, src: number): Instruction => ins(Class.ALU | op | Source.X, dst, src);
const mov64 = (dst: number, src: number): Instruction => ins(Class.ALU64 | AluOp.MOV | Source.X, dst, src);
const exit = (): Instruction => ins(Class.JMP | JmpOp.EXIT);
const memOff = (k: number): number => -(BPF_MEMWORDS - k) * 4;

export class CbpfTranslationError extends UserError {
  constructor(message: string, readonly pc: number) {
    super(`classic BPF instruction ${pc}: ${message}`);
    this.name = 'CbpfTranslationError';
  }
}

const ALU_MAP: Record<number, number> = {
  [COp.ADD]: AluOp.ADD, [COp.SUB]: AluOp.SUB, [COp.MUL]: AluOp.MUL, [COp.DIV]: AluOp.DIV, [COp.MOD]: AluOp.MOD,
  [COp.OR]: AluOp.OR, [COp.AND]: AluOp.AND, [COp.LSH]: AluOp.LSH, [COp.RSH]: AluOp.RSH, [COp.XOR]: AluOp.XOR,
};
const JMP_MAP: Record<number, number> = { [CJmp.JEQ]: JmpOp.JEQ, [CJmp.JGT]: JmpOp.JGT, [CJmp.JGE]: JmpOp.JGE, [CJmp.JSET]: JmpOp.JSET };
/** The negation of a jump, to jump to jf when jt falls through (the kernel's trick). */
const JMP_INVERSE: Record<number, number> = { [JmpOp.JEQ]: JmpOp.JNE, [JmpOp.JGT]: JmpOp.JLE, [JmpOp.JGE]: JmpOp.JLT };

/** Translate a (checked) classic program; every generated jump is resolved. */
export interface TranslateOptions {
  context?: 'userspace' | 'skb';
}

export function cbpfToEbpf(program: readonly CbpfInstruction[], options: TranslateOptions = {}): Instruction[] {
  const out: Instruction[] = [];
  // Jumps to classic pcs, patched once every classic instruction's eBPF start is known.
  const fixups: { at: number; target: number }[] = [];
  const start: number[] = [];
  const jumpTo = (insn: Instruction, target: number): void => { fixups.push({ at: out.length, target }); out.push(insn); };

  // Prologue: A = X = 0 (classic BPF starts with both zero), context and length saved.
  // The kernel clears them with xor (its converted programs skip the eBPF verifier); a program
  // for the verifier must not read the uninitialised registers, so the skb flavour moves 0 in.
  if (options.context === 'skb') out.push(alu32(AluOp.MOV, REG_A, 0), alu32(AluOp.MOV, REG_X, 0));
  else out.push(alu32x(AluOp.XOR, REG_A, REG_A), alu32x(AluOp.XOR, REG_X, REG_X));
  out.push(mov64(REG_CTX, 1));
  // __sk_buff.len is the first field (offset 0).
  out.push(options.context === 'skb' ? ins(Class.LDX | Size.W | Mode.MEM, REG_LEN, 1, 0) : mov64(REG_LEN, 2));

  program.forEach((p, pc) => {
    start[pc] = out.length;
    const k = p.k >>> 0;
    switch (cClass(p.code)) {
      case CClass.LD: case CClass.LDX: {
        const dst = cClass(p.code) === CClass.LD ? REG_A : REG_X;
        switch (cMode(p.code)) {
          case CMode.IMM: out.push(alu32(AluOp.MOV, dst, k)); return;
          case CMode.LEN: out.push(alu32x(AluOp.MOV, dst, REG_LEN)); return;
          case CMode.MEM: out.push(ins(Class.LDX | Size.W | Mode.MEM, dst, REG_FP, memOff(k))); return;
          case CMode.ABS: case CMode.IND: {
            if (cClass(p.code) !== CClass.LD) break;
            if (cMode(p.code) === CMode.ABS && (k | 0) >= SKF_AD_OFF && (k | 0) < 0)
              throw new CbpfTranslationError('ancillary loads need a kernel sk_buff; not translated', pc);
            const size = cSize(p.code) === CSize.W ? Size.W : cSize(p.code) === CSize.H ? Size.H : Size.B;
            // Legacy packet loads: result in r0 (= A), out-of-bounds ends the program with 0.
            out.push(ins(Class.LD | size | (cMode(p.code) === CMode.ABS ? Mode.ABS : Mode.IND), 0, cMode(p.code) === CMode.IND ? REG_X : 0, 0, k));
            return;
          }
          case 0xa0: // LDX MSH: X = 4 * (P[k] & 0xf); A survives through the temporary.
            out.push(mov64(REG_TMP, REG_A), ins(Class.LD | Size.B | Mode.ABS, 0, 0, 0, k), alu32(AluOp.AND, REG_A, 0xf),
              alu32(AluOp.LSH, REG_A, 2), mov64(REG_X, REG_A), mov64(REG_A, REG_TMP));
            return;
        }
        throw new CbpfTranslationError(`unsupported load 0x${p.code.toString(16)}`, pc);
      }
      case CClass.ST: out.push(ins(Class.STX | Size.W | Mode.MEM, REG_FP, REG_A, memOff(k))); return;
      case CClass.STX: out.push(ins(Class.STX | Size.W | Mode.MEM, REG_FP, REG_X, memOff(k))); return;
      case CClass.ALU: {
        const op = cOp(p.code);
        if (op === COp.NEG) { out.push(ins(Class.ALU | AluOp.NEG, REG_A)); return; }
        const eop = ALU_MAP[op];
        if (eop === undefined) throw new CbpfTranslationError(`unsupported ALU op 0x${p.code.toString(16)}`, pc);
        if (cSrc(p.code) === CSrc.X) {
          if (op === COp.DIV || op === COp.MOD) {
            // Classic BPF returns 0 on division by a zero X; eBPF would not trap, so test first.
            out.push(ins(Class.JMP | JmpOp.JNE | Source.K, REG_X, 0, 2, 0), alu32x(AluOp.XOR, REG_A, REG_A), exit());
          }
          out.push(alu32x(eop, REG_A, REG_X));
        } else {
          out.push(alu32(eop, REG_A, k));
        }
        return;
      }
      case CClass.JMP: {
        const op = cOp(p.code);
        if (op === CJmp.JA) { jumpTo(ins(Class.JMP | JmpOp.JA), pc + 1 + k); return; }
        const eop = JMP_MAP[op]!;
        let src = 0;
        let useX = cSrc(p.code) === CSrc.X;
        if (useX) src = REG_X;
        else if ((k | 0) < 0) {
          // A 64-bit compare sign-extends imm: put large constants in a register first.
          out.push(alu32(AluOp.MOV, REG_TMP, k));
          src = REG_TMP;
          useX = true;
        }
        const cond = (jop: number): Instruction => ins(Class.JMP | jop | (useX ? Source.X : Source.K), REG_A, src, 0, useX ? 0 : k);
        const jt = pc + 1 + p.jt, jf = pc + 1 + p.jf;
        if (p.jt === p.jf) { jumpTo(ins(Class.JMP | JmpOp.JA), jt); return; }
        if (p.jt === 0 && JMP_INVERSE[eop] !== undefined) { jumpTo(cond(JMP_INVERSE[eop]!), jf); return; }
        jumpTo(cond(eop), jt);
        if (p.jf !== 0) jumpTo(ins(Class.JMP | JmpOp.JA), jf);
        return;
      }
      case CClass.RET:
        if ((p.code & 0x18) === CSrc.A) out.push(exit());
        else out.push(alu32(AluOp.MOV, REG_A, k), exit());
        return;
      case CClass.MISC:
        if ((p.code & 0xf8) === 0) out.push(alu32x(AluOp.MOV, REG_X, REG_A));
        else out.push(alu32x(AluOp.MOV, REG_A, REG_X));
        return;
    }
    throw new CbpfTranslationError(`unknown opcode 0x${p.code.toString(16)}`, pc);
  });
  start[program.length] = out.length;
  for (const f of fixups) out[f.at] = { ...out[f.at]!, off: start[f.target]! - (f.at + 1) };
  return out;
}
