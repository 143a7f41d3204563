// Tristate numbers ("tnums", as the kernel verifier calls them): a 64-bit value of which some
// bits are known and some are not. `value` holds the known bits, `mask` marks the unknown ones
// (a bit is never set in both). They let bitwise operations keep exact knowledge the min/max
// ranges would lose: after `r &= 0xf0` the low four bits are known zero, which a range cannot say.
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

const U64 = (1n << 64n) - 1n;
const u64 = (v: bigint): bigint => v & U64;

export const tnumConst = (v: bigint): Tnum => ({ value: u64(v), mask: 0n });
export const TNUM_UNKNOWN: Tnum = { value: 0n, mask: U64 };

/** The smallest tnum containing every value in [min, max] (unsigned). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const chi = min ^ max;
  if (chi === 0n) return tnumConst(min);
  const bits = BigInt(chi.toString(2).length);
  if (bits > 63n) return TNUM_UNKNOWN;
  const delta = (1n << bits) - 1n;
  return { value: min & ~delta & U64, mask: delta };
}

export const tnumIsConst = (t: Tnum): boolean => t.mask === 0n;

export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = u64(a.mask + b.mask);
  const sv = u64(a.value + b.value);
  const sigma = u64(sm + sv);
  const chi = sigma ^ sv;
  const mu = chi | a.mask | b.mask;
  return { value: sv & ~mu & U64, mask: mu };
}

export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & ~mu & U64, mask: mu };
}

export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & ~v & U64 };
}

export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & ~v & U64 };
}

export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & ~mu & U64, mask: mu };
}

export const tnumLshift = (a: Tnum, k: bigint): Tnum => ({ value: u64(a.value << k), mask: u64(a.mask << k) });
export const tnumRshift = (a: Tnum, k: bigint): Tnum => ({ value: a.value >> k, mask: a.mask >> k });

/** Arithmetic shift right: the sign bit, known or not, is copied into the vacated bits. */
export function tnumArshift(a: Tnum, k: bigint): Tnum {
  const sv = BigInt.asIntN(64, a.value) >> k;
  const sm = BigInt.asIntN(64, a.mask) >> k;
  return { value: u64(sv), mask: u64(sm) };
}

/** Keep the low `bytes` bytes (zero-extension of a narrower value). */
export function tnumCast(a: Tnum, bytes: number): Tnum {
  const m = (1n << BigInt(bytes * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

/** Every value `b` can hold, `a` can hold too. */
export const tnumIn = (a: Tnum, b: Tnum): boolean =>
  (b.mask & ~a.mask & U64) === 0n && (b.value & ~a.mask & U64) === (a.value & ~a.mask & U64);

/** Both constraints at once (used when a comparison adds knowledge). */
export const tnumIntersect = (a: Tnum, b: Tnum): Tnum => {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & ~mu & U64, mask: mu };
};

/** Kernel print form: (0x0; 0xff). */
export const tnumString = (t: Tnum): string => `(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`;
