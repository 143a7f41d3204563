// Conditional jumps: what each branch learns. Comparing numbers narrows their ranges (and shows
// when a branch cannot be taken, which is what makes bounded loops terminate); comparing a
// maybe-null pointer with 0 resolves it on both branches; comparing a packet pointer with
// pkt_end proves how many packet bytes are readable.
import { Class, JmpOp, Source, opAlu, opClass, opSource } from '../../isa/opcodes.js';
import { Env } from './env.js';
import { VerifierState } from './state.js';
import { RegState, constScalar, isOrNull, isPacket, isPointer, nonNullKind, scalarReg } from './register.js';
import * as S from './scalar.js';
import { tnumIntersect } from './tnum.js';

type Cmp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sgt' | 'sge' | 'slt' | 'sle' | 'set';
const CMP: Record<number, Cmp> = {
  [JmpOp.JEQ]: 'eq', [JmpOp.JNE]: 'ne', [JmpOp.JGT]: 'gt', [JmpOp.JGE]: 'ge', [JmpOp.JLT]: 'lt', [JmpOp.JLE]: 'le',
  [JmpOp.JSGT]: 'sgt', [JmpOp.JSGE]: 'sge', [JmpOp.JSLT]: 'slt', [JmpOp.JSLE]: 'sle', [JmpOp.JSET]: 'set',
};
const NEGATE: Record<Cmp, Cmp> = { eq: 'ne', ne: 'eq', gt: 'le', ge: 'lt', lt: 'ge', le: 'gt', sgt: 'sle', sge: 'slt', slt: 'sge', sle: 'sgt', set: 'set' };
const SWAP: Record<Cmp, Cmp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge', sgt: 'slt', sge: 'sle', slt: 'sgt', sle: 'sge', set: 'set' };

export const cmpOf = (code: number): Cmp | undefined => CMP[opAlu(code)];

/** Narrow a and b assuming `a CMP b` holds; undefined if it cannot hold. */
function refine(a: S.Bounds, cmp: Cmp, b: S.Bounds): [S.Bounds, S.Bounds] | undefined {
  const mx = (x: bigint, y: bigint): bigint => (x > y ? x : y);
  const mn = (x: bigint, y: bigint): bigint => (x < y ? x : y);
  let ra = { ...a }, rb = { ...b };
  switch (cmp) {
    case 'eq': {
      const t = tnumIntersect(a.tnum, b.tnum);
      if (((a.tnum.value ^ b.tnum.value) & ~(a.tnum.mask | b.tnum.mask) & S.U64_MAX) !== 0n) return undefined;
      const r = { umin: mx(a.umin, b.umin), umax: mn(a.umax, b.umax), smin: mx(a.smin, b.smin), smax: mn(a.smax, b.smax), tnum: t };
      ra = r; rb = { ...r };
      break;
    }
    case 'ne':
      if (S.isConst(a) && S.isConst(b) && a.tnum.value === b.tnum.value) return undefined;
      if (S.isConst(b)) ra = excludeEnds(a, b.tnum.value);
      if (S.isConst(a)) rb = excludeEnds(b, a.tnum.value);
      break;
    case 'gt':
      ra.umin = mx(a.umin, b.umin + 1n); rb.umax = mn(b.umax, a.umax - 1n); break;
    case 'ge':
      ra.umin = mx(a.umin, b.umin); rb.umax = mn(b.umax, a.umax); break;
    case 'sgt':
      ra.smin = mx(a.smin, b.smin + 1n); rb.smax = mn(b.smax, a.smax - 1n); break;
    case 'sge':
      ra.smin = mx(a.smin, b.smin); rb.smax = mn(b.smax, a.smax); break;
    case 'lt': case 'le': case 'slt': case 'sle': {
      const r = refine(b, SWAP[cmp], a);
      return r && [r[1], r[0]];
    }
    case 'set':
      if (S.isConst(a) && S.isConst(b) && (a.tnum.value & b.tnum.value) === 0n) return undefined;
      if (S.isConst(b) && (a.tnum.value & b.tnum.value) === 0n && (a.tnum.mask & b.tnum.value) === 0n) return undefined;
      break;
  }
  if (S.impossible(ra) || S.impossible(rb)) return undefined;
  ra = S.normalize(ra); rb = S.normalize(rb);
  if (S.impossible(ra) || S.impossible(rb)) return undefined;
  return [ra, rb];
}

/** `a` is known not to equal v: if v is an end of a's range, the range shrinks. */
function excludeEnds(a: S.Bounds, v: bigint): S.Bounds {
  const r = { ...a };
  if (r.umin === v && r.umin < r.umax) r.umin++;
  if (r.umax === v && r.umin < r.umax) r.umax--;
  const sv = BigInt.asIntN(64, v);
  if (r.smin === sv && r.smin < r.smax) r.smin++;
  if (r.smax === sv && r.smin < r.smax) r.smax--;
  return r;
}

/** A branch to explore: its state (undefined if the branch is impossible). */
export interface BranchOutcome { taken?: VerifierState; fallthrough?: VerifierState }

export function branch(env: Env, st: VerifierState, readReg: (n: number) => RegState): BranchOutcome {
  const insn = env.insn;
  const cmp = cmpOf(insn.code);
  if (!cmp) env.fail(`unknown opcode ${insn.code.toString(16).padStart(2, '0')}`);
  const is32 = opClass(insn.code) === Class.JMP32;
  const useReg = opSource(insn.code) === Source.X;
  const a = readReg(insn.dst);
  const b = useReg ? readReg(insn.src) : constScalar(is32 ? BigInt(insn.imm >>> 0) : BigInt(insn.imm | 0));

  // Maybe-null pointer against 0: each branch knows which it is.
  if (!is32 && (cmp === 'eq' || cmp === 'ne') && ((isOrNull(a) && isZero(b)) || (isOrNull(b) && isZero(a)))) {
    const p = isOrNull(a) ? a : b;
    const nullState = st.clone();
    const ptrState = st;
    markNull(nullState, p.id, true);
    markNull(ptrState, p.id, false);
    return cmp === 'eq' ? { taken: nullState, fallthrough: ptrState } : { taken: ptrState, fallthrough: nullState };
  }
  // Map values and memory objects are never at address 0 (the kernel's reg_not_null: other
  // pointer kinds are not assumed non-null, so both branches of their tests are explored).
  const notNull = (r: RegState): boolean => r.kind === 'map_value' || r.kind === 'mem' || r.kind === 'ringbuf_mem';
  if (!is32 && (cmp === 'eq' || cmp === 'ne') && ((notNull(a) && isZero(b)) || (notNull(b) && isZero(a)))) {
    return cmp === 'eq' ? { fallthrough: st } : { taken: st };
  }
  // Packet pointer against pkt_end.
  if (!is32 && ((isPacket(a) && b.kind === 'pkt_end') || (a.kind === 'pkt_end' && isPacket(b)))) {
    const pkt = isPacket(a) ? a : b;
    // Normalise to "pkt CMP end".
    const c = isPacket(a) ? cmp : SWAP[cmp];
    const taken = st.clone();
    const fall = st;
    // pkt < end or pkt <= end on one branch, pkt >= end / pkt > end on the other.
    const rangeWhen = (c2: Cmp): number | undefined => (c2 === 'lt' ? pkt.off + 1 : c2 === 'le' ? pkt.off : undefined);
    const tr = rangeWhen(c), fr = rangeWhen(NEGATE[c]);
    if (tr !== undefined) markPacketRange(taken, pkt, tr);
    if (fr !== undefined) markPacketRange(fall, pkt, fr);
    return { taken, fallthrough: fall };
  }
  if (isPointer(a) || isPointer(b)) return { taken: st.clone(), fallthrough: st };

  let ab = a.b, bb = b.b;
  if (is32) {
    // 32-bit comparisons narrow only when both values already fit in 32 bits (then they agree
    // with the 64-bit ones); otherwise evaluate constants exactly or learn nothing.
    const fits = (x: S.Bounds): boolean => x.umax <= S.U32_MAX;
    if (!(fits(ab) && fits(bb))) {
      if (S.isConst(ab) && S.isConst(bb)) {
        ab = S.truncate(ab, 4); bb = S.truncate(bb, 4);
        const res = evalConst32(cmp, ab.tnum.value, bb.tnum.value);
        return res ? { taken: st } : { fallthrough: st };
      }
      return { taken: st.clone(), fallthrough: st };
    }
    if (cmp.startsWith('s') && cmp !== 'set' && !(ab.umax <= 0x7fffffffn && bb.umax <= 0x7fffffffn)) {
      if (S.isConst(ab) && S.isConst(bb)) return evalConst32(cmp, ab.tnum.value, bb.tnum.value) ? { taken: st } : { fallthrough: st };
      return { taken: st.clone(), fallthrough: st };
    }
  }
  if (cmp === 'set') {
    const mayBeSet = refine(ab, 'set', bb) !== undefined;
    const alwaysSet = S.isConst(bb) && (ab.tnum.value & bb.tnum.value) !== 0n;
    if (mayBeSet && !alwaysSet) return { taken: st.clone(), fallthrough: st };
    return mayBeSet ? { taken: st } : { fallthrough: st };
  }
  const t = refine(ab, cmp, bb);
  const f = refine(ab, NEGATE[cmp], bb);
  const out: BranchOutcome = {};
  if (t && f) {
    out.taken = st.clone();
    out.fallthrough = st;
  } else if (t) out.taken = st;
  else if (f) out.fallthrough = st;
  // JSET's negation is not a plain comparison: keep the unrefined state on the false branch.
  const apply = (s: VerifierState | undefined, r: [S.Bounds, S.Bounds] | undefined): void => {
    if (!s || !r) return;
    s.regs[insn.dst] = scalarReg(r[0]);
    if (useReg) s.regs[insn.src] = scalarReg(r[1]);
  };
  apply(out.taken, t);
  apply(out.fallthrough, f);
  return out;
}

function evalConst32(cmp: Cmp, x: bigint, y: bigint): boolean {
  const sx = BigInt.asIntN(32, x), sy = BigInt.asIntN(32, y);
  switch (cmp) {
    case 'eq': return x === y; case 'ne': return x !== y;
    case 'gt': return x > y; case 'ge': return x >= y; case 'lt': return x < y; case 'le': return x <= y;
    case 'sgt': return sx > sy; case 'sge': return sx >= sy; case 'slt': return sx < sy; case 'sle': return sx <= sy;
    case 'set': return (x & y) !== 0n;
  }
}

const isZero = (r: RegState): boolean => r.kind === 'scalar' && S.isConst(r.b) && r.b.tnum.value === 0n;

function markNull(st: VerifierState, id: number, isNull: boolean): void {
  st.mapRegs((r) => {
    if (!isOrNull(r) || r.id !== id) return r;
    return isNull ? constScalar(0n) : { ...r, kind: nonNullKind(r.kind), id: 0 };
  });
  // A reservation that turned out null holds nothing to release.
  if (isNull) st.refs = st.refs.filter((ref) => ref.id !== id);
}

function markPacketRange(st: VerifierState, pkt: RegState, range: number): void {
  if (pkt.off < 0 || range <= 0) return;
  st.mapRegs((r) => (isPacket(r) && r.kind === pkt.kind && r.id === pkt.id && r.range < range ? { ...r, range } : r));
}
