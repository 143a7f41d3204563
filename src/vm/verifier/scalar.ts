// What the verifier knows about a number: unsigned and signed 64-bit ranges plus a tnum of known
// bits, kept consistent with each other after every operation (like the kernel's
// __reg_deduce_bounds). Pointers reuse the same record for their variable offset.
import { Tnum, TNUM_UNKNOWN, tnumAdd, tnumAnd, tnumArshift, tnumCast, tnumConst, tnumIn, tnumIntersect, tnumIsConst, tnumLshift, tnumOr, tnumRange, tnumRshift, tnumSub, tnumXor } from './tnum.js';

export const U64_MAX = (1n << 64n) - 1n;
export const S64_MAX = (1n << 63n) - 1n;
export const S64_MIN = -(1n << 63n);
export const U32_MAX = 0xffffffffn;

export interface Bounds {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  tnum: Tnum;
}

export const constBounds = (v: bigint): Bounds => {
  const u = BigInt.asUintN(64, v);
  const s = BigInt.asIntN(64, v);
  return { umin: u, umax: u, smin: s, smax: s, tnum: tnumConst(u) };
};
export const unknownBounds = (): Bounds => ({ umin: 0n, umax: U64_MAX, smin: S64_MIN, smax: S64_MAX, tnum: TNUM_UNKNOWN });
export const rangeBounds = (umin: bigint, umax: bigint): Bounds =>
  normalize({ umin, umax, smin: S64_MIN, smax: S64_MAX, tnum: tnumRange(umin, umax) });

export const isConst = (b: Bounds): boolean => tnumIsConst(b.tnum);
export const constValue = (b: Bounds): bigint => b.tnum.value;

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** Make the four ranges and the tnum agree as tightly as each allows. */
export function normalize(b: Bounds): Bounds {
  let { umin, umax, smin, smax, tnum } = b;
  // From the tnum: the known bits bound the value.
  umin = max(umin, tnum.value);
  umax = min(umax, tnum.value | tnum.mask);
  const sMask = 1n << 63n;
  if ((tnum.mask & sMask) === 0n) {
    // Sign bit known: the signed range is the unsigned range of the same bits.
    const neg = (tnum.value & sMask) !== 0n;
    const lo = BigInt.asIntN(64, tnum.value | (neg ? 0n : 0n));
    const hi = BigInt.asIntN(64, tnum.value | tnum.mask);
    smin = max(smin, lo);
    smax = min(smax, hi);
  }
  // Unsigned range on one side of the sign boundary: it is also a signed range.
  if ((umin >> 63n) === (umax >> 63n)) {
    smin = max(smin, BigInt.asIntN(64, umin));
    smax = min(smax, BigInt.asIntN(64, umax));
  }
  // Signed range on one side of zero: it is also an unsigned range.
  if ((smin >= 0n) === (smax >= 0n) && smin <= smax) {
    umin = max(umin, BigInt.asUintN(64, smin));
    umax = min(umax, BigInt.asUintN(64, smax));
  }
  if (umin <= umax) tnum = tnumIntersect(tnum, tnumRange(umin, umax));
  return { umin, umax, smin, smax, tnum };
}

/** Bounds that cannot be satisfied: the path is dead. */
export const impossible = (b: Bounds): boolean => b.umin > b.umax || b.smin > b.smax;

/** `a` allows every value `b` allows (state pruning). */
export const boundsWithin = (a: Bounds, b: Bounds): boolean =>
  a.umin <= b.umin && a.umax >= b.umax && a.smin <= b.smin && a.smax >= b.smax && tnumIn(a.tnum, b.tnum);

export const boundsEqual = (a: Bounds, b: Bounds): boolean =>
  a.umin === b.umin && a.umax === b.umax && a.smin === b.smin && a.smax === b.smax &&
  a.tnum.value === b.tnum.value && a.tnum.mask === b.tnum.mask;

/** Truncate to the low `bytes` bytes, zero-extended (32-bit ALU results, narrow loads). */
export function truncate(b: Bounds, bytes: number): Bounds {
  const m = (1n << BigInt(bytes * 8)) - 1n;
  if (b.umax <= m) return b;
  if (isConst(b)) return constBounds(b.tnum.value & m);
  return normalize({ umin: 0n, umax: m, smin: 0n, smax: m, tnum: tnumCast(b.tnum, bytes) });
}

export function add(a: Bounds, b: Bounds): Bounds {
  const r = unknownBounds();
  r.tnum = tnumAdd(a.tnum, b.tnum);
  if (a.umax + b.umax <= U64_MAX) { r.umin = a.umin + b.umin; r.umax = a.umax + b.umax; }
  const smin = a.smin + b.smin, smax = a.smax + b.smax;
  if (smin >= S64_MIN && smax <= S64_MAX) { r.smin = smin; r.smax = smax; }
  return normalize(r);
}

export function sub(a: Bounds, b: Bounds): Bounds {
  const r = unknownBounds();
  r.tnum = tnumSub(a.tnum, b.tnum);
  if (a.umin >= b.umax) { r.umin = a.umin - b.umax; r.umax = a.umax - b.umin; }
  const smin = a.smin - b.smax, smax = a.smax - b.smin;
  if (smin >= S64_MIN && smax <= S64_MAX) { r.smin = smin; r.smax = smax; }
  return normalize(r);
}

export function mul(a: Bounds, b: Bounds): Bounds {
  if (isConst(a) && isConst(b)) return constBounds(a.tnum.value * b.tnum.value);
  if (a.umax <= U32_MAX && b.umax <= U32_MAX) return rangeBounds(a.umin * b.umin, a.umax * b.umax);
  return unknownBounds();
}

export function and(a: Bounds, b: Bounds): Bounds {
  const t = tnumAnd(a.tnum, b.tnum);
  return normalize({ umin: t.value, umax: min(a.umax, b.umax), smin: S64_MIN, smax: S64_MAX, tnum: t });
}

export function or(a: Bounds, b: Bounds): Bounds {
  const t = tnumOr(a.tnum, b.tnum);
  return normalize({ umin: max(a.umin, b.umin), umax: t.value | t.mask, smin: S64_MIN, smax: S64_MAX, tnum: t });
}

export function xor(a: Bounds, b: Bounds): Bounds {
  const t = tnumXor(a.tnum, b.tnum);
  return normalize({ umin: t.value, umax: t.value | t.mask, smin: S64_MIN, smax: S64_MAX, tnum: t });
}

/** Shifts by a known amount keep knowledge; by an unknown amount they lose it. */
export function lsh(a: Bounds, b: Bounds, width: bigint): Bounds {
  if (!isConst(b)) return width === 64n ? unknownBounds() : rangeBounds(0n, U32_MAX);
  const k = b.tnum.value % width;
  const t = tnumLshift(a.tnum, k);
  const r = unknownBounds();
  r.tnum = t;
  if ((a.umax << k) <= U64_MAX) { r.umin = a.umin << k; r.umax = a.umax << k; }
  return normalize(r);
}

export function rsh(a: Bounds, b: Bounds, width: bigint): Bounds {
  if (!isConst(b)) return rangeBounds(0n, a.umax);
  const k = b.tnum.value % width;
  return normalize({ umin: a.umin >> k, umax: a.umax >> k, smin: S64_MIN, smax: S64_MAX, tnum: tnumRshift(a.tnum, k) });
}

export function arsh(a: Bounds, b: Bounds): Bounds {
  if (!isConst(b)) return unknownBounds();
  const k = b.tnum.value % 64n;
  return normalize({ umin: 0n, umax: U64_MAX, smin: a.smin >> k, smax: a.smax >> k, tnum: tnumArshift(a.tnum, k) });
}

/** RFC 9669 unsigned division: x / 0 = 0. */
export function udiv(a: Bounds, b: Bounds): Bounds {
  if (isConst(a) && isConst(b)) return constBounds(b.tnum.value === 0n ? 0n : a.tnum.value / b.tnum.value);
  if (b.umin > 0n) return rangeBounds(a.umin / b.umax, a.umax / b.umin);
  return rangeBounds(0n, a.umax);
}

/** RFC 9669 unsigned modulo: x % 0 = x. */
export function umod(a: Bounds, b: Bounds): Bounds {
  if (isConst(a) && isConst(b)) return constBounds(b.tnum.value === 0n ? a.tnum.value : a.tnum.value % b.tnum.value);
  if (b.umin > 0n) return rangeBounds(0n, min(a.umax, b.umax - 1n));
  return rangeBounds(0n, a.umax);
}
