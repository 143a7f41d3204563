// The typed intermediate representation between the bpftrace AST and eBPF instructions.
// It is eBPF with an unbounded supply of virtual registers (ply's model): lowering never has to
// think about which of r6-r9 is free, and register allocation (regalloc.ts) decides afterwards,
// spilling to the stack when more values are live than registers exist. Helper calls name their
// arguments explicitly, so the allocator knows r1-r5 are clobbered and never hands them out.
import type { SourceLocation } from '../isa/instruction.js';
import type { AluName, AtomicName, JmpName, SizeName } from '../isa/builder.js';

/** A virtual register. `pointer` says what the verifier will see in it (for -d listings only). */
export interface VReg {
  readonly id: number;
  readonly hint?: string;
}

/** An operand that is either a virtual register or a 32-bit signed immediate. */
export type Operand = VReg | number;

/** A memory base: a virtual register holding a pointer, or the frame pointer. */
export type Base = VReg | 'fp';

/** An argument of a helper call, placed in r1..r5 just before the call. */
export type CallArg =
  | VReg
  | { imm: number | bigint }
  | { fp: number } /** the address fp+off of a stack buffer */
  | { map: string } /** a map reference, bound to an fd at load time */
  | { func: string } /** the address of a subprogram (its entry label), for callback helpers */;

export type IrInsn = { loc?: SourceLocation } & (
  | { op: 'alu'; wide: boolean; alu: AluName; dst: VReg; src: Operand; /** signed div/mod (ISA v4) */ signed?: boolean }
  | { op: 'neg'; dst: VReg }
  /** Reverse the low `bits` bytes of dst, zeroing the rest (bswap()). */
  | { op: 'bswap'; dst: VReg; bits: 16 | 32 | 64 }
  /** dst = the program's context argument (r1 at entry); must be the first instruction. */
  | { op: 'ctx'; dst: VReg; /** argument register 2..5 of a subprogram (default 1: the context) */ arg?: number }
  | { op: 'const'; dst: VReg; value: bigint }
  /** The map's fd (for helpers), or with `value` a pointer that far into an array map's first value. */
  | { op: 'ldmap'; dst: VReg; map: string; value?: number }
  | { op: 'lea'; dst: VReg; off: number } /** dst = fp + off */
  | { op: 'ldx'; size: SizeName; signed?: boolean; dst: VReg; base: Base; off: number }
  | { op: 'stx'; size: SizeName; base: Base; off: number; src: VReg }
  | { op: 'st'; size: SizeName; base: Base; off: number; imm: number }
  | { op: 'atomic'; size: 'w' | 'dw'; aop: AtomicName; base: VReg; off: number; src: VReg }
  | { op: 'jmp'; cond: JmpName; wide: boolean; a: VReg; b: Operand; target: string }
  | { op: 'ja'; target: string }
  | { op: 'label'; name: string }
  | { op: 'call'; helper: number; args: CallArg[]; dst?: VReg }
  | { op: 'exit'; value: Operand }
  /** Loop markers: values defined before `begin` and used inside stay live until `end`. */
  | { op: 'loop'; edge: 'begin' | 'end'; id: number }
);

export const isVReg = (x: unknown): x is VReg =>
  typeof x === 'object' && x !== null && typeof (x as VReg).id === 'number' && !('imm' in x);

/** Virtual registers an instruction reads. */
export function uses(insn: IrInsn): VReg[] {
  const out: VReg[] = [];
  const add = (x: unknown): void => { if (isVReg(x)) out.push(x); };
  switch (insn.op) {
    case 'alu': add(insn.dst); add(insn.src); break;
    case 'neg': case 'bswap': add(insn.dst); break;
    case 'ldx': add(insn.base); break;
    case 'stx': add(insn.base); add(insn.src); break;
    case 'st': add(insn.base); break;
    case 'atomic': add(insn.base); add(insn.src); if (insn.aop.startsWith('fetch') || insn.aop === 'xchg') { /* src is also written */ } break;
    case 'jmp': add(insn.a); add(insn.b); break;
    case 'call': insn.args.forEach(add); break;
    case 'exit': add(insn.value); break;
    default: break;
  }
  return out;
}

/** Virtual registers an instruction writes. */
export function defs(insn: IrInsn): VReg[] {
  switch (insn.op) {
    case 'alu': case 'neg': case 'bswap': case 'ctx': case 'const': case 'ldmap': case 'lea': case 'ldx': return [insn.dst];
    case 'atomic': return insn.aop.startsWith('fetch') || insn.aop === 'xchg' ? [insn.src] : [];
    case 'call': return insn.dst ? [insn.dst] : [];
    default: return [];
  }
}

/** One eBPF program in IR form, before register allocation. */
export interface IrFunction {
  name: string;
  insns: IrInsn[];
  /** Number of virtual registers handed out. */
  vregCount: number;
  /** Bytes of stack the lowering used for buffers (spill slots come after). */
  stackUsed: number;
}

/** Render IR for `bpfkit -d`. */
export function formatIr(fn: IrFunction): string {
  const v = (x: unknown): string => (isVReg(x) ? `%${x.id}${x.hint ? `.${x.hint}` : ''}` : x === 'fp' ? 'fp' : String(x));
  const lines = [`function ${fn.name} (stack ${fn.stackUsed} bytes):`];
  for (const i of fn.insns) {
    let s: string;
    switch (i.op) {
      case 'alu': s = `${v(i.dst)} ${i.signed ? 's' : ''}${i.alu}${i.wide ? '' : '32'}= ${v(i.src)}`; break;
      case 'neg': s = `${v(i.dst)} = -${v(i.dst)}`; break;
      case 'bswap': s = `${v(i.dst)} = bswap${i.bits}(${v(i.dst)})`; break;
      case 'ctx': s = `${v(i.dst)} = ${i.arg ? `arg${i.arg}` : 'ctx'}`; break;
      case 'const': s = `${v(i.dst)} = ${i.value}`; break;
      case 'ldmap': s = i.value === undefined ? `${v(i.dst)} = map ${i.map}` : `${v(i.dst)} = &map ${i.map}[0]+${i.value}`; break;
      case 'lea': s = `${v(i.dst)} = fp${i.off}`; break;
      case 'ldx': s = `${v(i.dst)} = *(${i.signed ? 's' : 'u'}${i.size} *)(${v(i.base)}${i.off >= 0 ? '+' : ''}${i.off})`; break;
      case 'stx': s = `*(${i.size} *)(${v(i.base)}${i.off >= 0 ? '+' : ''}${i.off}) = ${v(i.src)}`; break;
      case 'st': s = `*(${i.size} *)(${v(i.base)}${i.off >= 0 ? '+' : ''}${i.off}) = ${i.imm}`; break;
      case 'atomic': s = `atomic_${i.aop}((${i.size} *)(${v(i.base)}+${i.off}), ${v(i.src)})`; break;
      case 'jmp': s = `if ${v(i.a)} ${i.cond}${i.wide ? '' : '32'} ${v(i.b)} goto ${i.target}`; break;
      case 'ja': s = `goto ${i.target}`; break;
      case 'label': lines.push(`${i.name}:`); continue;
      case 'call': s = `${i.dst ? `${v(i.dst)} = ` : ''}call ${i.helper}(${i.args.map((a) => (isVReg(a) ? v(a) : 'imm' in a ? String(a.imm) : 'fp' in a ? `fp${a.fp}` : 'func' in a ? `func ${a.func}` : `map ${a.map}`)).join(', ')})`; break;
      case 'exit': s = `exit ${v(i.value)}`; break;
      case 'loop': s = `; loop ${i.id} ${i.edge}`; break;
    }
    lines.push(`  ${s}${i.loc ? `\t; ${i.loc.line}:${i.loc.column}${i.loc.text ? ` ${i.loc.text}` : ''}` : ''}`);
  }
  return lines.join('\n');
}
