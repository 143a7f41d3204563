// The kernel's acceptance rules for a classic BPF program (net/core/filter.c: bpf_check_classic
// and check_load_and_stores), so that a program can be refused before it reaches setsockopt, with
// the reason and the instruction. The kernel itself only says EINVAL.
import { UserError } from '../diagnostics.js';
import {
  type CbpfInstruction, CClass, CSize, CMode, COp, CJmp, CSrc, CMisc, SKF_AD_OFF, SkfAd, BPF_MEMWORDS,
  cClass, cMode, cOp,
} from './instruction.js';

export const BPF_MAXINSNS = 4096;

export class CbpfCheckError extends UserError {
  constructor(message: string, readonly pc: number) {
    super(pc >= 0 ? `classic BPF instruction ${pc}: ${message}` : `classic BPF program: ${message}`);
    this.name = 'CbpfCheckError';
  }
}

const LD = CClass.LD, LDX = CClass.LDX, ALU = CClass.ALU, JMP = CClass.JMP;
/** Every opcode the kernel accepts in a classic filter (codes[] of bpf_check_classic). */
const ALLOWED = new Set<number>([
  ...[COp.ADD, COp.SUB, COp.MUL, COp.DIV, COp.MOD, COp.AND, COp.OR, COp.XOR, COp.LSH, COp.RSH]
    .flatMap((op) => [ALU | op | CSrc.K, ALU | op | CSrc.X]),
  ALU | COp.NEG,
  LD | CSize.W | CMode.ABS, LD | CSize.H | CMode.ABS, LD | CSize.B | CMode.ABS,
  LD | CSize.W | CMode.LEN, LD | CSize.W | CMode.IND, LD | CSize.H | CMode.IND, LD | CSize.B | CMode.IND,
  LD | CMode.IMM, LD | CMode.MEM,
  LDX | CSize.W | CMode.LEN, LDX | CSize.B | CMode.MSH, LDX | CMode.IMM, LDX | CMode.MEM,
  CClass.ST, CClass.STX,
  CClass.MISC | CMisc.TAX, CClass.MISC | CMisc.TXA,
  CClass.RET | CSrc.K, CClass.RET | CSrc.A,
  JMP | CJmp.JA,
  ...[CJmp.JEQ, CJmp.JGT, CJmp.JGE, CJmp.JSET].flatMap((op) => [JMP | op | CSrc.K, JMP | op | CSrc.X]),
]);

const ANCILLARY = new Set<number>(Object.values(SkfAd));

/** Throws CbpfCheckError when the kernel would refuse the program with EINVAL. */
export function checkCbpf(program: readonly CbpfInstruction[]): void {
  const n = program.length;
  if (n === 0 || n > BPF_MAXINSNS) throw new CbpfCheckError(`length ${n} is not in 1..${BPF_MAXINSNS}`, -1);
  program.forEach((p, pc) => {
    const k = p.k >>> 0;
    if (!ALLOWED.has(p.code)) throw new CbpfCheckError(`unknown opcode 0x${p.code.toString(16)}`, pc);
    const cls = cClass(p.code);
    if (cls === ALU && (cOp(p.code) === COp.DIV || cOp(p.code) === COp.MOD) && (p.code & CSrc.X) === 0 && k === 0)
      throw new CbpfCheckError('division by the constant 0', pc);
    if (cls === ALU && (cOp(p.code) === COp.LSH || cOp(p.code) === COp.RSH) && (p.code & CSrc.X) === 0 && k >= 32)
      throw new CbpfCheckError(`shift by ${k} (must be < 32)`, pc);
    if (((cls === LD || cls === LDX) && cMode(p.code) === CMode.MEM) || cls === CClass.ST || cls === CClass.STX)
      if (k >= BPF_MEMWORDS) throw new CbpfCheckError(`scratch memory slot M[${k}] (only 0..15)`, pc);
    if (cls === LD && cMode(p.code) === CMode.ABS && k >= (SKF_AD_OFF >>> 0) && !ANCILLARY.has(k - (SKF_AD_OFF >>> 0)))
      throw new CbpfCheckError(`unknown ancillary load [${k | 0}]`, pc);
    if (cls === JMP) {
      if (cOp(p.code) === CJmp.JA) {
        if (k >= n - pc - 1) throw new CbpfCheckError(`jump to ${pc + 1 + k} is past the end`, pc);
      } else if (pc + p.jt + 1 >= n || pc + p.jf + 1 >= n) {
        throw new CbpfCheckError(`jump to ${pc + 1 + Math.max(p.jt, p.jf)} is past the end`, pc);
      }
    }
  });
  if (cClass(program[n - 1]!.code) !== CClass.RET) throw new CbpfCheckError('the last instruction is not a return', n - 1);
  checkMemoryInitialised(program);
}

/** Every M[k] read must follow a store to M[k] on all paths (check_load_and_stores). */
function checkMemoryInitialised(program: readonly CbpfInstruction[]): void {
  const n = program.length;
  const ALL = 0xffff;
  // Slots known written on entry to each instruction; start optimistic (all) and meet with AND.
  const masks = new Array<number>(n).fill(ALL);
  let mask = 0;
  for (let pc = 0; pc < n; pc++) {
    mask &= masks[pc]!;
    const p = program[pc]!;
    const cls = cClass(p.code);
    const k = p.k >>> 0;
    if ((cls === LD || cls === LDX) && cMode(p.code) === CMode.MEM && !(mask & (1 << k)))
      throw new CbpfCheckError(`M[${k}] is read before anything is stored in it`, pc);
    if (cls === CClass.ST || cls === CClass.STX) mask |= 1 << k;
    if (cls === JMP) {
      if (cOp(p.code) === CJmp.JA) {
        masks[pc + 1 + k]! &= mask;
        mask = ALL;
      } else {
        masks[pc + 1 + p.jt]! &= mask;
        masks[pc + 1 + p.jf]! &= mask;
        mask = ALL;
      }
    } else if (cls === CClass.RET) {
      mask = ALL;
    }
  }
}
