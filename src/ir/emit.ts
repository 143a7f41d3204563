// IR -> eBPF instructions, after register allocation. Spilled operands are reloaded into scratch
// registers (r1/r2, never allocated) around each instruction; helper arguments are moved into
// r1-r5 right before the call. Every instruction keeps the script location of the IR it came from.
import { ProgramBuilder, R0, R1, R10, R2, Reg } from '../isa/builder.js';
import type { Instruction } from '../isa/instruction.js';
import { CallArg, IrFunction, isVReg, Operand, VReg, Base } from './ir.js';
import { Allocation, Location } from './regalloc.js';

export class EmitError extends Error {}

export function emitProgram(fn: IrFunction, alloc: Allocation): Instruction[] {
  const b = new ProgramBuilder();
  emitFunction(b, fn, alloc);
  return b.build();
}

/**
 * Append `fn` to `b`. Subprograms go into the same builder after the main function, their labels
 * prefixed (`prefix.label`) since every function numbers its labels from zero.
 */
export function emitFunction(b: ProgramBuilder, fn: IrFunction, alloc: Allocation, prefix = ''): void {
  const lbl = (name: string): string => prefix + name;
  const where = (v: VReg): Location => {
    const l = alloc.locations.get(v.id);
    if (!l) throw new EmitError(`virtual register %${v.id} has no location`);
    return l;
  };
  /** The register holding `v`, reloading a spilled value into `scratch`. */
  const read = (v: VReg, scratch: Reg): Reg => {
    const l = where(v);
    if ('reg' in l) return new Reg(l.reg);
    b.ldx('dw', scratch, R10, l.spill);
    return scratch;
  };
  /** The register to compute `v` into; call `commit` after to store a spilled value back. */
  const write = (v: VReg, scratch: Reg): { reg: Reg; commit: () => void } => {
    const l = where(v);
    if ('reg' in l) return { reg: new Reg(l.reg), commit: () => {} };
    return { reg: scratch, commit: () => { b.stx('dw', R10, l.spill, scratch); } };
  };
  const operand = (o: Operand, scratch: Reg): Reg | number => (isVReg(o) ? read(o, scratch) : o);
  const base = (o: Base, scratch: Reg): Reg => (o === 'fp' ? R10 : read(o, scratch));
  const loadConst = (dst: Reg, value: bigint): void => {
    const s = BigInt.asIntN(64, value);
    if (s >= -(2n ** 31n) && s < 2n ** 31n) b.mov64(dst, Number(s));
    else b.lddw(dst, value);
  };
  const placeArg = (a: CallArg, dst: Reg): void => {
    if (isVReg(a)) {
      const l = where(a);
      if ('reg' in l) { if (l.reg !== dst.n) b.mov64(dst, new Reg(l.reg)); }
      else b.ldx('dw', dst, R10, l.spill);
    } else if ('imm' in a) loadConst(dst, BigInt(a.imm));
    else if ('fp' in a) { b.mov64(dst, R10); b.add64(dst, a.fp); }
    else if ('func' in a) b.ldFunc(dst, a.func);
    else b.ldMap(dst, a.map);
  };

  for (const insn of fn.insns) {
    b.at(insn.loc);
    switch (insn.op) {
      case 'ctx': {
        // Subprogram arguments other than r1 are read before anything else runs; R0 is the free
        // scratch then (r2 may itself be an argument still to read).
        const w = write(insn.dst, insn.arg ? R0 : R2);
        if (w.reg.n !== (insn.arg ?? 1)) b.mov64(w.reg, new Reg(insn.arg ?? 1));
        w.commit();
        break;
      }
      case 'alu': {
        const w = write(insn.dst, R2);
        const l = where(insn.dst);
        if ('spill' in l && insn.alu !== 'mov') b.ldx('dw', R2, R10, l.spill);
        const src = operand(insn.src, R1);
        // A move between values the allocator put in the same register is no instruction.
        if (insn.alu === 'mov' && insn.wide && typeof src !== 'number' && src.n === w.reg.n) { w.commit(); break; }
        if (insn.signed && insn.alu === 'div') b.sdiv64(w.reg, src);
        else if (insn.signed && insn.alu === 'mod') b.smod64(w.reg, src);
        else if (insn.wide) b.alu64(insn.alu, w.reg, src); else b.alu32(insn.alu, w.reg, src);
        w.commit();
        break;
      }
      case 'neg': { const w = write(insn.dst, R2); const r = read(insn.dst, R2); if (r.n !== w.reg.n) b.mov64(w.reg, r); b.neg64(w.reg); w.commit(); break; }
      // to-big-endian is a swap on the little-endian hosts BPF runs on, and loads on kernels older
      // than the v4 unconditional bswap (6.6).
      case 'bswap': { const w = write(insn.dst, R2); const r = read(insn.dst, R2); if (r.n !== w.reg.n) b.mov64(w.reg, r); b.endian('be', w.reg, insn.bits); w.commit(); break; }
      case 'const': { const w = write(insn.dst, R2); loadConst(w.reg, insn.value); w.commit(); break; }
      case 'ldmap': {
        const w = write(insn.dst, R2);
        if (insn.value === undefined) b.ldMap(w.reg, insn.map); else b.ldMapValue(w.reg, insn.map, insn.value);
        w.commit();
        break;
      }
      case 'lea': { const w = write(insn.dst, R2); b.mov64(w.reg, R10); b.add64(w.reg, insn.off); w.commit(); break; }
      case 'ldx': {
        const src = base(insn.base, R1);
        const w = write(insn.dst, R2);
        if (insn.signed && insn.size !== 'dw') b.ldxs(insn.size, w.reg, src, insn.off); else b.ldx(insn.size, w.reg, src, insn.off);
        w.commit();
        break;
      }
      case 'stx': b.stx(insn.size, base(insn.base, R1), insn.off, read(insn.src, R2)); break;
      case 'st': b.st(insn.size, base(insn.base, R1), insn.off, insn.imm); break;
      case 'atomic': {
        const fetches = insn.aop.startsWith('fetch') || insn.aop === 'xchg';
        const w = fetches ? write(insn.src, R2) : undefined;
        const src = read(insn.src, R2);
        b.atomic(insn.size, insn.aop, base(insn.base, R1), insn.off, src);
        w?.commit();
        break;
      }
      case 'jmp': {
        const a = read(insn.a, R1);
        const o = operand(insn.b, R2);
        if (insn.wide) b.jmp(insn.cond, a, o, lbl(insn.target)); else b.jmp32(insn.cond, a, o, lbl(insn.target));
        break;
      }
      case 'ja': b.ja(lbl(insn.target)); break;
      case 'label': b.label(lbl(insn.name)); break;
      case 'call': {
        if (insn.args.length > 5) throw new EmitError('a helper takes at most 5 arguments');
        insn.args.forEach((a, i) => placeArg(a, new Reg(i + 1)));
        b.call(insn.helper);
        if (insn.dst) { const w = write(insn.dst, R0); if (w.reg.n !== R0.n) b.mov64(w.reg, R0); w.commit(); }
        break;
      }
      case 'exit': {
        const v = insn.value;
        if (isVReg(v)) { const r = read(v, R0); if (r.n !== R0.n) b.mov64(R0, r); } else b.mov64(R0, v);
        b.exit();
        break;
      }
      case 'loop': break;
    }
  }
}
