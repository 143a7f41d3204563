// Instruction text in the kernel verifier log's syntax (`1: (61) r0 = *(u32 *)(r2 +0)`), so a
// rejection names its instruction the way `bpftool prog load` would.
// STUB: the interpreter helper owns the real disassembler (src/isa/disassembler.ts); this
// minimal formatter stands in until it is committed, then this file becomes a re-export.
import { Instruction } from '../../isa/instruction.js';
import { AluOp, Class, JmpOp, LDDW, Mode, Size, Source, opAlu, opClass, opMode, opSize, opSource } from '../../isa/opcodes.js';
import { helperName } from '../../isa/helpers.js';

const ALU_SYM: Record<number, string> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=',
  [AluOp.AND]: '&=', [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=',
  [AluOp.MOV]: '=', [AluOp.ARSH]: 's>>=',
};
const JMP_SYM: Record<number, string> = {
  [JmpOp.JEQ]: '==', [JmpOp.JGT]: '>', [JmpOp.JGE]: '>=', [JmpOp.JSET]: '&', [JmpOp.JNE]: '!=',
  [JmpOp.JSGT]: 's>', [JmpOp.JSGE]: 's>=', [JmpOp.JLT]: '<', [JmpOp.JLE]: '<=', [JmpOp.JSLT]: 's<', [JmpOp.JSLE]: 's<=',
};
const SIZE_NAME: Record<number, string> = { [Size.B]: 'u8', [Size.H]: 'u16', [Size.W]: 'u32', [Size.DW]: 'u64' };

const hex = (v: number | bigint): string => `0x${BigInt.asUintN(typeof v === 'bigint' ? 64 : 32, BigInt(v)).toString(16)}`;
const offStr = (off: number): string => (off < 0 ? `-${-off}` : `+${off}`);

export function kernelSyntax(insn: Instruction): string {
  const cls = opClass(insn.code);
  const { dst, src, off, imm } = insn;
  if (cls === Class.ALU || cls === Class.ALU64) {
    const r = cls === Class.ALU64 ? 'r' : 'w';
    const op = opAlu(insn.code);
    if (op === AluOp.NEG) return `${r}${dst} = -${r}${dst}`;
    if (op === AluOp.END) {
      const kind = cls === Class.ALU64 ? 'bswap' : opSource(insn.code) === Source.X ? 'be' : 'le';
      return `r${dst} = ${kind}${imm} r${dst}`;
    }
    let sym = ALU_SYM[op] ?? `(alu ${op})`;
    if ((op === AluOp.DIV || op === AluOp.MOD) && off === 1) sym = `s${sym}`;
    const rhs = opSource(insn.code) === Source.X ? `${r}${src}` : `${imm}`;
    if (op === AluOp.MOV && off && opSource(insn.code) === Source.X) return `${r}${dst} = (s${off})${r}${src}`;
    return `${r}${dst} ${sym} ${rhs}`;
  }
  if (insn.code === LDDW) return `r${dst} = ${insn.src === 1 ? `map[fd:${imm}]` : hex(insn.imm64 ?? BigInt(imm >>> 0))}`;
  const size = SIZE_NAME[opSize(insn.code)];
  if (cls === Class.LDX) return `r${dst} = *(${opMode(insn.code) === Mode.MEMSX ? size.replace('u', 's') : size} *)(r${src} ${offStr(off)})`;
  if (cls === Class.ST) return `*(${size} *)(r${dst} ${offStr(off)}) = ${imm}`;
  if (cls === Class.STX) {
    if (opMode(insn.code) === Mode.ATOMIC) {
      const w = size === 'u64' ? '64' : '';
      const ops: Record<number, string> = { 0x00: 'add', 0x40: 'or', 0x50: 'and', 0xa0: 'xor' };
      if (imm === 0xe1) return `r${src} = atomic${w}_xchg((${size} *)(r${dst} ${offStr(off)}), r${src})`;
      if (imm === 0xf1) return `r0 = atomic${w}_cmpxchg((${size} *)(r${dst} ${offStr(off)}), r0, r${src})`;
      const name = ops[imm & ~1] ?? `op${imm}`;
      if (imm & 1) return `r${src} = atomic${w}_fetch_${name}((${size} *)(r${dst} ${offStr(off)}), r${src})`;
      return `lock *(${size} *)(r${dst} ${offStr(off)}) ${ALU_SYM[imm] ?? '?='} r${src}`;
    }
    return `*(${size} *)(r${dst} ${offStr(off)}) = r${src}`;
  }
  if (cls === Class.LD) return `r0 = *(${size} *)skb[${opMode(insn.code) === Mode.IND ? `r${src} + ` : ''}${imm}]`;
  if (cls === Class.JMP || cls === Class.JMP32) {
    const op = opAlu(insn.code);
    if (op === JmpOp.EXIT) return 'exit';
    if (op === JmpOp.CALL) {
      if (insn.src === 1) return `call pc${offStr(imm)}`;
      const name = helperName(imm);
      return `call ${name ? `bpf_${name}` : 'unknown'}#${imm}`;
    }
    if (op === JmpOp.JA) return `goto pc${offStr(cls === Class.JMP32 ? imm : off)}`;
    const r = cls === Class.JMP ? 'r' : 'w';
    const rhs = opSource(insn.code) === Source.X ? `${r}${src}` : hex(imm);
    return `if ${r}${dst} ${JMP_SYM[op] ?? '?'} ${rhs} goto pc${offStr(off)}`;
  }
  return `(unknown ${hex(insn.code)})`;
}

/** `pc: (code) text`, the form of a verifier log line. */
export const logLine = (pc: number, insn: Instruction): string =>
  `${pc}: (${insn.code.toString(16).padStart(2, '0')}) ${kernelSyntax(insn)}`;
