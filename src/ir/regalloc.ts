// Linear-scan register allocation (Poletto & Sarkar) of virtual registers onto r6-r9.
// Only the callee-saved registers are handed out, so values survive helper calls without saves;
// r0-r5 stay free as scratch for the emitter (call arguments, reloading spilled operands).
// When more than four values are live at once, the one whose interval ends last is spilled to an
// 8-byte stack slot: that frees a register for the longest time, the classic heuristic.
import { defs, IrFunction, uses, VReg } from './ir.js';
import { StackFrame } from './stack.js';

/** Where a virtual register lives: a physical register number, or an fp-relative stack slot. */
export type Location = { reg: number } | { spill: number };

export interface Allocation {
  locations: Map<number, Location>;
  /** Number of virtual registers that had to be spilled (shown by -d). */
  spilled: number;
}

export const ALLOCATABLE = [6, 7, 8, 9] as const;

interface Interval { vreg: VReg; start: number; end: number }

/** Live intervals in instruction order, extended across loops they are used in. */
export function liveIntervals(fn: IrFunction): Interval[] {
  const byId = new Map<number, Interval>();
  const usePositions = new Map<number, number[]>();
  fn.insns.forEach((insn, pos) => {
    for (const v of [...uses(insn), ...defs(insn)]) {
      const iv = byId.get(v.id);
      if (iv) { iv.start = Math.min(iv.start, pos); iv.end = Math.max(iv.end, pos); } else byId.set(v.id, { vreg: v, start: pos, end: pos });
    }
    for (const v of uses(insn)) (usePositions.get(v.id) ?? usePositions.set(v.id, []).get(v.id)!).push(pos);
  });
  // A value defined before a loop and read inside it is read again on the next iteration, so it
  // must stay live to the loop's end (the back edge), not just to its last textual use.
  const loops: { begin: number; end: number }[] = [];
  const open = new Map<number, number>();
  fn.insns.forEach((insn, pos) => {
    if (insn.op !== 'loop') return;
    if (insn.edge === 'begin') open.set(insn.id, pos);
    else loops.push({ begin: open.get(insn.id) ?? 0, end: pos });
  });
  for (let changed = true; changed;) {
    changed = false;
    for (const loop of loops) {
      for (const iv of byId.values()) {
        if (iv.start < loop.begin && iv.end > loop.begin && iv.end < loop.end) {
          iv.end = loop.end;
          changed = true;
        }
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.start - b.start || a.vreg.id - b.vreg.id);
}

export function allocateRegisters(fn: IrFunction, frame: StackFrame, registers: readonly number[] = ALLOCATABLE): Allocation {
  const locations = new Map<number, Location>();
  frame.sealBuffers();
  const free = [...registers];
  let active: (Interval & { reg: number })[] = [];
  let spilled = 0;
  // r0 also holds short-lived values that no helper call (or exit, or cmpxchg) clobbers while
  // they live: typically a helper's result tested and used right away, which then needs no move.
  const useR0 = registers === ALLOCATABLE;
  const clobbersR0 = fn.insns.map((i) => i.op === 'call' || i.op === 'exit' || (i.op === 'atomic' && i.aop === 'cmpxchg'));
  const r0Safe = (iv: Interval): boolean => {
    for (let p = iv.start + 1; p < iv.end; p++) if (clobbersR0[p]) return false;
    return true;
  };
  let r0FreeAfter = -1;
  const spill = (iv: Interval): void => {
    locations.set(iv.vreg.id, { spill: frame.alloc(8, undefined, 'spilled register') });
    spilled++;
  };
  const intervals = liveIntervals(fn);
  for (const iv of intervals) {
    // Expire intervals that ended before this one starts. An interval ending exactly where this
    // one starts is still read by that instruction, so it is kept (no sharing within one insn).
    active = active.filter((a) => {
      if (a.end < iv.start) { free.push(a.reg); return false; }
      return true;
    });
    if (useR0 && r0FreeAfter < iv.start && r0Safe(iv)) {
      locations.set(iv.vreg.id, { reg: 0 });
      r0FreeAfter = iv.end;
      continue;
    }
    if (free.length > 0) {
      const reg = free.shift()!;
      locations.set(iv.vreg.id, { reg });
      active.push({ ...iv, reg });
      continue;
    }
    const victim = active.reduce((m, a) => (a.end > m.end ? a : m), active[0]);
    if (victim && victim.end > iv.end) {
      locations.set(iv.vreg.id, { reg: victim.reg });
      spill(victim);
      active = active.filter((a) => a !== victim);
      active.push({ ...iv, reg: victim.reg });
    } else {
      spill(iv);
    }
  }
  if (useR0 && spilled === 0) placeInArgumentRegisters(fn, intervals, locations);
  return { locations, spilled };
}

/**
 * With nothing spilled the emitter needs no scratch registers outside helper calls, so values
 * that live between calls can sit in r1-r5 and skip a move: a function argument used before any
 * call stays where it arrived, and a value computed right before the call that takes it (and
 * used nowhere else) is computed straight into its argument register.
 */
function placeInArgumentRegisters(fn: IrFunction, intervals: Interval[], locations: Map<number, Location>): void {
  const isCall = fn.insns.map((i) => i.op === 'call');
  const callWithin = (a: number, b: number): boolean => {
    for (let p = a; p <= b; p++) if (isCall[p]) return true;
    return false;
  };
  const taken = new Set<number>();
  for (const iv of intervals) {
    const def = fn.insns[iv.start];
    if (def.op === 'ctx' && !callWithin(iv.start, iv.end)) {
      const reg = def.arg ?? 1;
      if (!taken.has(reg)) { locations.set(iv.vreg.id, { reg }); taken.add(reg); }
    }
  }
  for (const iv of intervals) {
    const def = fn.insns[iv.start], next = fn.insns[iv.start + 1];
    if (iv.end !== iv.start + 1 || next?.op !== 'call' || def.op === 'ctx' || def.op === 'call') continue;
    if (!defs(def).some((v) => v.id === iv.vreg.id)) continue;
    const at = next.args.findIndex((a) => isVRegArg(a) && a.id === iv.vreg.id);
    if (at < 0 || next.args.filter((a) => isVRegArg(a) && a.id === iv.vreg.id).length !== 1) continue;
    // The definition must not read a value living in that argument register.
    if (uses(def).some((u) => { const l = locations.get(u.id); return !!l && 'reg' in l && l.reg === at + 1; })) continue;
    locations.set(iv.vreg.id, { reg: at + 1 });
  }
}

const isVRegArg = (a: unknown): a is VReg => typeof a === 'object' && a !== null && typeof (a as VReg).id === 'number' && !('imm' in a);
