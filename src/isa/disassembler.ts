// Two disassemblers:
//  - the conformance-suite text syntax that src/isa/assembler.ts reads back exactly
//    (assemble(disassemble(p)) encodes to the same bytes as p), and
//  - the kernel verifier-log syntax of kernel/bpf/disasm.c (`0: (bf) r6 = r1`,
//    `(85) call bpf_map_lookup_elem#1`, `(15) if r0 == 0x0 goto pc+3`), which is what users see
//    in verifier errors, so our own errors quote instructions the same way.
import { assemble } from './assembler.js';
import { helperName } from './helpers.js';
import { Instruction, slotOffsets } from './instruction.js';
import {
  AluOp, AtomicOp, CallSrc, Class, JmpOp, LDDW, Mode, PseudoSrc, Size, Source,
  opAlu, opClass, opMode, opSize, opSource,
} from './opcodes.js';

// ---------------------------------------------------------------------------------------------
// Conformance syntax

const ALU_NAMES: Record<number, string> = {
  [AluOp.ADD]: 'add', [AluOp.SUB]: 'sub', [AluOp.MUL]: 'mul', [AluOp.DIV]: 'div', [AluOp.OR]: 'or',
  [AluOp.AND]: 'and', [AluOp.LSH]: 'lsh', [AluOp.RSH]: 'rsh', [AluOp.MOD]: 'mod', [AluOp.XOR]: 'xor',
  [AluOp.MOV]: 'mov', [AluOp.ARSH]: 'arsh',
};
const JMP_NAMES: Record<number, string> = {
  [JmpOp.JEQ]: 'jeq', [JmpOp.JGT]: 'jgt', [JmpOp.JGE]: 'jge', [JmpOp.JSET]: 'jset', [JmpOp.JNE]: 'jne',
  [JmpOp.JSGT]: 'jsgt', [JmpOp.JSGE]: 'jsge', [JmpOp.JLT]: 'jlt', [JmpOp.JLE]: 'jle', [JmpOp.JSLT]: 'jslt',
  [JmpOp.JSLE]: 'jsle',
};
const SIZE_NAMES: Record<number, string> = { [Size.B]: 'b', [Size.H]: 'h', [Size.W]: 'w', [Size.DW]: 'dw' };
const ATOMIC_NAMES: Record<number, string> = {
  [AtomicOp.ADD]: 'add', [AtomicOp.OR]: 'or', [AtomicOp.AND]: 'and', [AtomicOp.XOR]: 'xor',
  [AtomicOp.XCHG]: 'xchg', [AtomicOp.CMPXCHG]: 'cmpxchg',
};
const PSEUDO_NAMES: Record<number, string> = {
  [PseudoSrc.MAP_FD]: 'map_fd', [PseudoSrc.MAP_VALUE]: 'map_value', [PseudoSrc.BTF_ID]: 'btf_id',
  [PseudoSrc.FUNC]: 'func', [PseudoSrc.MAP_IDX]: 'map_idx', [PseudoSrc.MAP_IDX_VALUE]: 'map_idx_value',
};

const reg = (n: number): string => `%r${n}`;
/** Small values in decimal, large ones in hex (as the suite writes them). */
const num = (v: number): string => (v > -65536 && v < 65536 ? String(v) : `0x${(v >>> 0).toString(16)}`);
const rel = (v: number): string => (v >= 0 ? `+${v}` : String(v));
const memop = (r: number, off: number): string => `[${reg(r)}${off === 0 ? '' : off > 0 ? `+${off}` : off}]`;

/** The raw form that always assembles back exactly. */
const rawInsn = (i: Instruction): string => `.insn 0x${i.code.toString(16).padStart(2, '0')}, ${i.dst}, ${i.src}, ${i.off}, ${i.imm | 0}`;

/** One instruction in conformance syntax; jump targets as `+N`/`-N` unless `target` names them. */
export function formatInstruction(insn: Instruction, target?: string): string {
  const text = mnemonicForm(insn, target);
  if (text === undefined) return rawInsn(insn);
  if (target !== undefined) return text;
  // Fields the mnemonic form does not carry (e.g. a non-zero imm on a register ALU op) would be
  // lost; fall back to the raw form whenever the text does not assemble to the same instruction.
  try {
    const [back] = assemble(text);
    if (back && sameInstruction(back, insn)) return text;
  } catch {
    /* fall through */
  }
  return rawInsn(insn);
}

function sameInstruction(a: Instruction, b: Instruction): boolean {
  if (a.code !== b.code || a.dst !== b.dst || a.src !== b.src || a.off !== b.off || (a.imm | 0) !== (b.imm | 0)) return false;
  if (a.code === LDDW) return BigInt.asUintN(64, a.imm64 ?? 0n) === BigInt.asUintN(64, b.imm64 ?? BigInt(b.imm >>> 0)) && a.ref === b.ref;
  return true;
}

function mnemonicForm(i: Instruction, target?: string): string | undefined {
  const cls = opClass(i.code);
  const x = opSource(i.code) === Source.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const s32 = cls === Class.ALU ? '32' : '';
      const op = opAlu(i.code);
      if (op === AluOp.NEG) return `neg${s32} ${reg(i.dst)}`;
      if (op === AluOp.END) {
        const kind = cls === Class.ALU64 ? 'bswap' : x ? 'be' : 'le';
        return `${kind}${i.imm} ${reg(i.dst)}`;
      }
      if (op === AluOp.MOV && x && (i.off === 8 || i.off === 16 || i.off === 32)) {
        return `movsx${i.off}${cls === Class.ALU ? '32' : '64'} ${reg(i.dst)}, ${reg(i.src)}`;
      }
      let name = ALU_NAMES[op];
      if (name === undefined) return undefined;
      if ((op === AluOp.DIV || op === AluOp.MOD) && i.off === 1) name = `s${name}`;
      return `${name}${s32} ${reg(i.dst)}, ${x ? reg(i.src) : num(i.imm)}`;
    }
    case Class.JMP:
    case Class.JMP32: {
      const op = opAlu(i.code);
      const s32 = cls === Class.JMP32 ? '32' : '';
      if (op === JmpOp.EXIT) return 'exit';
      if (op === JmpOp.JA) return cls === Class.JMP ? `ja ${target ?? rel(i.off)}` : `ja32 ${target ?? rel(i.imm)}`;
      if (op === JmpOp.CALL) {
        if (x) return `call ${reg(i.dst)}`;
        if (i.src === CallSrc.LOCAL) return `call local ${target ?? rel(i.imm)}`;
        if (i.src === CallSrc.KFUNC) return `call kfunc ${i.imm}`;
        return `call ${i.imm}`;
      }
      const name = JMP_NAMES[op];
      if (name === undefined) return undefined;
      return `${name}${s32} ${reg(i.dst)}, ${x ? reg(i.src) : num(i.imm)}, ${target ?? rel(i.off)}`;
    }
    case Class.LDX: {
      const sx = opMode(i.code) === Mode.MEMSX ? 's' : '';
      return `ldx${sx}${SIZE_NAMES[opSize(i.code)]} ${reg(i.dst)}, ${memop(i.src, i.off)}`;
    }
    case Class.ST:
      return `st${SIZE_NAMES[opSize(i.code)]} ${memop(i.dst, i.off)}, ${num(i.imm)}`;
    case Class.STX: {
      if (opMode(i.code) === Mode.ATOMIC) {
        const fetch = (i.imm & AtomicOp.FETCH) !== 0 && i.imm !== AtomicOp.XCHG && i.imm !== AtomicOp.CMPXCHG;
        const name = ATOMIC_NAMES[fetch ? i.imm & ~AtomicOp.FETCH : i.imm];
        if (name === undefined) return undefined;
        const s32 = opSize(i.code) === Size.W ? '32' : '';
        return `lock ${fetch ? 'fetch ' : ''}${name}${s32} ${memop(i.dst, i.off)}, ${reg(i.src)}`;
      }
      return `stx${SIZE_NAMES[opSize(i.code)]} ${memop(i.dst, i.off)}, ${reg(i.src)}`;
    }
    case Class.LD: {
      if (i.code === LDDW) {
        const v = BigInt.asUintN(64, i.imm64 ?? BigInt(i.imm >>> 0));
        if (i.src === 0) return `lddw ${reg(i.dst)}, 0x${v.toString(16)}`;
        const kind = PSEUDO_NAMES[i.src];
        if (kind === undefined) return undefined;
        const arg = i.ref ?? String(i.imm | 0);
        const hi = Number(BigInt.asIntN(32, v >> 32n));
        return `lddw ${reg(i.dst)}, ${kind}(${arg}${hi !== 0 ? `, ${hi}` : ''})`;
      }
      const mode = opMode(i.code);
      if (mode === Mode.ABS) return `ldabs${SIZE_NAMES[opSize(i.code)]} ${num(i.imm)}`;
      if (mode === Mode.IND) return `ldind${SIZE_NAMES[opSize(i.code)]} ${reg(i.src)}, ${num(i.imm)}`;
      return undefined;
    }
  }
  return undefined;
}

export interface DisassembleOptions {
  /** Name jump and call targets with labels (`L12:`) instead of relative offsets. */
  labels?: boolean;
}

/** A whole program in conformance syntax, one instruction per line. */
export function disassemble(program: readonly Instruction[], options: DisassembleOptions = {}): string {
  const pcs = slotOffsets(program);
  const end = pcs.length ? pcs[pcs.length - 1] + (program[program.length - 1].code === LDDW ? 2 : 1) : 0;
  const starts = new Set([...pcs, end]);
  const targetOf = (insn: Instruction, pc: number): number | undefined => {
    const cls = opClass(insn.code);
    if (cls !== Class.JMP && cls !== Class.JMP32) return undefined;
    const op = opAlu(insn.code);
    if (op === JmpOp.EXIT) return undefined;
    if (op === JmpOp.CALL) return insn.src === CallSrc.LOCAL && opSource(insn.code) === Source.K ? pc + 1 + insn.imm : undefined;
    if (op === JmpOp.JA && cls === Class.JMP32) return pc + 1 + insn.imm;
    return pc + 1 + insn.off;
  };
  const labels = new Map<number, string>();
  if (options.labels) {
    program.forEach((insn, k) => {
      const t = targetOf(insn, pcs[k]);
      // Only canonical instructions get labels; a raw `.insn` keeps its numeric fields.
      if (t !== undefined && starts.has(t) && mnemonicForm(insn) === formatInstruction(insn)) labels.set(t, `L${t}`);
    });
  }
  const lines: string[] = [];
  program.forEach((insn, k) => {
    const label = labels.get(pcs[k]);
    if (label) lines.push(`${label}:`);
    const t = targetOf(insn, pcs[k]);
    const name = t !== undefined ? labels.get(t) : undefined;
    lines.push(name !== undefined ? formatInstruction(insn, name) : formatInstruction(insn));
  });
  const endLabel = labels.get(end);
  if (endLabel) lines.push(`${endLabel}:`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

// ---------------------------------------------------------------------------------------------
// Kernel verifier-log syntax

const K_ALU: Record<number, string> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=',
  [AluOp.AND]: '&=', [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=',
  [AluOp.MOV]: '=', [AluOp.ARSH]: 's>>=',
};
const K_JMP: Record<number, string> = {
  [JmpOp.JEQ]: '==', [JmpOp.JGT]: '>', [JmpOp.JLT]: '<', [JmpOp.JGE]: '>=', [JmpOp.JLE]: '<=',
  [JmpOp.JSET]: '&', [JmpOp.JNE]: '!=', [JmpOp.JSGT]: 's>', [JmpOp.JSLT]: 's<', [JmpOp.JSGE]: 's>=',
  [JmpOp.JSLE]: 's<=',
};
const K_SIZE: Record<number, string> = { [Size.W]: 'u32', [Size.H]: 'u16', [Size.B]: 'u8', [Size.DW]: 'u64' };
const K_SSIZE: Record<number, string> = { [Size.W]: 's32', [Size.H]: 's16', [Size.B]: 's8' };
const K_CLASS = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'];

const hex2 = (code: number): string => code.toString(16).padStart(2, '0');
const signedOff = (off: number): string => (off >= 0 ? `+${off}` : String(off));

export interface KernelFormatOptions {
  /** Name of a helper id (default: the kernel's `bpf_<name>`). */
  helperName?: (id: number) => string | undefined;
}

/** One instruction as the kernel verifier log prints it, without the leading `N: `. */
export function formatKernel(i: Instruction, options: KernelFormatOptions = {}): string {
  return `(${hex2(i.code)}) ${kernelBody(i, options)}`;
}

function kernelBody(i: Instruction, options: KernelFormatOptions): string {
  const cls = opClass(i.code);
  const x = opSource(i.code) === Source.X;
  switch (cls) {
    case Class.ALU:
    case Class.ALU64: {
      const r = cls === Class.ALU ? 'w' : 'r';
      const op = opAlu(i.code);
      if (op === AluOp.END) {
        return cls === Class.ALU64 ? `r${i.dst} = bswap${i.imm} r${i.dst}` : `r${i.dst} = ${x ? 'be' : 'le'}${i.imm} r${i.dst}`;
      }
      if (op === AluOp.NEG) return `${r}${i.dst} = -${r}${i.dst}`;
      let sym = K_ALU[op];
      if (sym === undefined) return `BUG_alu_${hex2(i.code)}`;
      if ((op === AluOp.DIV || op === AluOp.MOD) && i.off === 1) sym = `s${sym}`;
      if (x) {
        const sx = op === AluOp.MOV && (i.off === 8 || i.off === 16 || i.off === 32) ? `(s${i.off})` : '';
        return `${r}${i.dst} ${sym} ${sx}${r}${i.src}`;
      }
      return `${r}${i.dst} ${sym} ${i.imm | 0}`;
    }
    case Class.STX: {
      const mode = opMode(i.code);
      const sz = K_SIZE[opSize(i.code)];
      const at = `(r${i.dst} ${signedOff(i.off)})`;
      if (mode === Mode.MEM) return `*(${sz} *)${at} = r${i.src}`;
      if (mode !== Mode.ATOMIC) return `BUG_${hex2(i.code)}`;
      const w = opSize(i.code) === Size.DW ? '64' : '';
      const base = i.imm & ~AtomicOp.FETCH;
      if ([AtomicOp.ADD, AtomicOp.AND, AtomicOp.OR, AtomicOp.XOR].includes(i.imm as 0)) {
        return `lock *(${sz} *)${at} ${K_ALU[i.imm]} r${i.src}`;
      }
      if ((i.imm & AtomicOp.FETCH) && [AtomicOp.ADD, AtomicOp.AND, AtomicOp.OR, AtomicOp.XOR].includes(base as 0)) {
        return `r${i.src} = atomic${w}_fetch_${ATOMIC_NAMES[base]}((${sz} *)${at}, r${i.src})`;
      }
      if (i.imm === AtomicOp.CMPXCHG) return `r0 = atomic${w}_cmpxchg((${sz} *)${at}, r0, r${i.src})`;
      if (i.imm === AtomicOp.XCHG) return `r${i.src} = atomic${w}_xchg((${sz} *)${at}, r${i.src})`;
      return `BUG_${hex2(i.code)}`;
    }
    case Class.ST:
      if (opMode(i.code) !== Mode.MEM) return `BUG_st_${hex2(i.code)}`;
      return `*(${K_SIZE[opSize(i.code)]} *)(r${i.dst} ${signedOff(i.off)}) = ${i.imm | 0}`;
    case Class.LDX: {
      const mode = opMode(i.code);
      if (mode !== Mode.MEM && mode !== Mode.MEMSX) return `BUG_ldx_${hex2(i.code)}`;
      const sz = mode === Mode.MEM ? K_SIZE[opSize(i.code)] : K_SSIZE[opSize(i.code)] ?? 'BUG';
      return `r${i.dst} = *(${sz} *)(r${i.src} ${signedOff(i.off)})`;
    }
    case Class.LD: {
      const mode = opMode(i.code);
      const sz = K_SIZE[opSize(i.code)];
      if (mode === Mode.ABS) return `r0 = *(${sz} *)skb[${i.imm | 0}]`;
      if (mode === Mode.IND) return `r0 = *(${sz} *)skb[r${i.src} + ${i.imm | 0}]`;
      if (i.code === LDDW) {
        const v = BigInt.asUintN(64, i.imm64 ?? BigInt(i.imm >>> 0));
        // bpftool's rendering of map references; the raw verifier log would print the pointer.
        const map = i.ref !== undefined ? i.ref : `${i.src === PseudoSrc.MAP_IDX || i.src === PseudoSrc.MAP_IDX_VALUE ? 'idx' : 'fd'}:${i.imm | 0}`;
        if (i.src === PseudoSrc.MAP_FD || i.src === PseudoSrc.MAP_IDX) return `r${i.dst} = map[${map}]`;
        if (i.src === PseudoSrc.MAP_VALUE || i.src === PseudoSrc.MAP_IDX_VALUE) return `r${i.dst} = map[${map}][0]+${Number(v >> 32n)}`;
        return `r${i.dst} = 0x${v.toString(16)}`;
      }
      return `BUG_ld_${hex2(i.code)}`;
    }
    case Class.JMP:
    case Class.JMP32: {
      const op = opAlu(i.code);
      const r = cls === Class.JMP32 ? 'w' : 'r';
      if (op === JmpOp.CALL) {
        if (x) return `callx r${i.dst}`;
        if (i.src === CallSrc.LOCAL) return `call pc${signedOff(i.imm)}`;
        if (i.src === CallSrc.KFUNC) return `call kernel-function#${i.imm}`;
        const custom = options.helperName?.(i.imm);
        const known = helperName(i.imm);
        return `call ${custom ?? (known && i.imm > 0 ? `bpf_${known}` : 'unknown')}#${i.imm}`;
      }
      if (i.code === (Class.JMP | JmpOp.JA)) return `goto pc${signedOff(i.off)}`;
      if (i.code === (Class.JMP32 | JmpOp.JA)) return `gotol pc${signedOff(i.imm)}`;
      if (i.code === (Class.JMP | JmpOp.EXIT)) return 'exit';
      const sym = K_JMP[op];
      if (sym === undefined) return K_CLASS[cls];
      if (x) return `if ${r}${i.dst} ${sym} ${r}${i.src} goto pc${signedOff(i.off)}`;
      return `if ${r}${i.dst} ${sym} 0x${(i.imm >>> 0).toString(16)} goto pc${signedOff(i.off)}`;
    }
  }
  return K_CLASS[cls];
}

/** A program as the verifier log lists it: `PC: (CODE) TEXT` per instruction, PC in slots. */
export function disassembleKernel(program: readonly Instruction[], options: KernelFormatOptions = {}): string {
  const pcs = slotOffsets(program);
  return program.map((insn, k) => `${pcs[k]}: ${formatKernel(insn, options)}`).join('\n') + (program.length ? '\n' : '');
}
