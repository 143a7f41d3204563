// hist() and lhist(): the slot function, bucket labels and the text rows, as bpftrace prints
// them. Only the bucket *counts* come from the engine; everything else here is derived.
//
// Text row layout (bpftrace): the label left-aligned in 16 columns, the count right-aligned in
// 8, then " |", a bar of '@' left-aligned in 52 columns, and "|". Leading and trailing empty
// buckets are not printed; empty buckets between non-empty ones are.

import type { HistAggregate, LhistAggregate } from './value.js';

/** Width of the '@' bar at full scale. */
export const BAR_WIDTH = 52;

/**
 * bpftrace's log2 slot for value `v` with 2^k sub-buckets per power of two. Slot 0 holds
 * negative values; slots 1..2^(k+1) hold the single values 0..2^(k+1)-1; above that each power
 * of two [2^p, 2^(p+1)) is split into 2^k equal slots. The compiler must compute the same slot
 * in BPF (it can test against this function).
 */
export function log2Slot(v: bigint, k = 0): number {
  if (v < 0n) return 0;
  const n = 1n << BigInt(k);
  if (v < 2n * n) return Number(v) + 1;
  const p = BigInt(v.toString(2).length - 1); // floor(log2 v), >= k+1
  const sub = (v >> (p - BigInt(k))) - n; // which of the 2^k slots inside [2^p, 2^(p+1))
  return Number(((p - BigInt(k) + 1n) << BigInt(k)) + sub + 1n);
}

/** A bucket bound as bpftrace carries it: a number, or a suffixed label ("1K") with its value. */
export interface Bound {
  readonly value: bigint;
  /** Present when printed with a K/M/G... suffix; such bounds never collapse to `[n]`. */
  readonly symbol?: string;
}

/** One printable bucket: `lower` undefined means (..., upper); `upper` undefined means [lower, ...). */
export interface Bucket {
  readonly lower?: Bound;
  readonly upper?: Bound;
  readonly count: bigint;
}

const SUFFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** The exclusive upper bound of log2 slot `index` (index >= 2^k), suffixed by powers of 1024. */
function log2UpperBound(index: number, k: number): Bound {
  const n = 1 << k;
  const interval = index & (n - 1);
  let power = (index >> k) - 1;
  const value = (1n << BigInt(power)) * BigInt(n + interval);
  const decade = Math.floor(power / 10);
  power -= 10 * decade;
  const shown = (1n << BigInt(power)) * BigInt(n + interval);
  return { value, symbol: `${shown}${SUFFIXES[decade]}` };
}

/** Index range [first, last] of non-zero counts, or undefined when all are zero. */
function nonZeroRange(counts: readonly bigint[]): [number, number] | undefined {
  let first = -1;
  let last = -1;
  counts.forEach((c, i) => {
    if (c > 0n) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return first < 0 ? undefined : [first, last];
}

/** Upper bound (label) of a log2 slot: small slots are plain numbers, the rest suffixed. */
function log2Label(index: number, k: number): Bound {
  if (index === 0) return { value: 0n };
  if (index <= 2 << k) return { value: BigInt(index) };
  return log2UpperBound(index, k);
}

/** The printable buckets of a log2 histogram, counts divided by `div` (print()'s third arg). */
export function histBuckets(h: HistAggregate, div = 1n): Bucket[] {
  const range = nonZeroRange(h.buckets);
  if (!range) return [];
  const [first, last] = range;
  const out: Bucket[] = [];
  for (let i = first; i <= last; i++) {
    out.push({
      lower: i === 0 ? undefined : log2Label(i - 1, h.bits),
      upper: log2Label(i, h.bits),
      count: (h.buckets[i] ?? 0n) / (div === 0n ? 1n : div),
    });
  }
  return out;
}

/** lhist bounds are plain numbers unless the step is a multiple of 1024 (then K/M suffixes). */
function linearBound(v: bigint, step: bigint): Bound {
  if (step % 1024n !== 0n) return { value: v };
  const mega = 1024n * 1024n;
  let symbol: string;
  if (v === 0n) symbol = '0';
  else if (v % mega === 0n) symbol = `${v / mega}M`;
  else if (v % 1024n === 0n) symbol = `${v / 1024n}K`;
  else symbol = `${v}`;
  return { value: v, symbol };
}

/** The printable buckets of a linear histogram (print()'s div does not apply, as in bpftrace). */
export function lhistBuckets(h: LhistAggregate): Bucket[] {
  const range = nonZeroRange(h.buckets);
  if (!range) return [];
  const [first, last] = range;
  const out: Bucket[] = [];
  for (let i = first; i <= last; i++) {
    const upperValue = h.min + BigInt(i) * h.step;
    out.push({
      lower: i === 0 ? undefined : linearBound(h.min + BigInt(i - 1) * h.step, h.step),
      upper: upperValue <= h.max ? linearBound(upperValue, h.step) : undefined,
      count: h.buckets[i] ?? 0n,
    });
  }
  return out;
}

function boundText(b: Bound): string {
  return b.symbol ?? b.value.toString();
}

/** `[0]`, `[2, 4)`, `(..., 0)`, `[100, ...)`: a single value collapses when bounds are adjacent plain numbers. */
export function bucketLabel(b: Bucket): string {
  if (!b.lower) return `(..., ${b.upper ? boundText(b.upper) : '...'})`;
  if (!b.upper) return `[${boundText(b.lower)}, ...)`;
  if (b.lower.symbol === undefined && b.upper.symbol === undefined && b.lower.value + 1n === b.upper.value) {
    return `[${boundText(b.lower)}]`;
  }
  return `[${boundText(b.lower)}, ${boundText(b.upper)})`;
}

/**
 * Bar length for `count` of `max`: bpftrace computes it in single-precision float and
 * truncates, so emulate float32 to get the same column on rounding edges.
 */
export function barLength(count: bigint, max: bigint): number {
  if (max === 0n) return 0;
  const ratio = Math.fround(Math.fround(Number(count)) / Math.fround(Number(max)));
  return Math.trunc(Math.fround(ratio * BAR_WIDTH));
}

/** The text rows of a histogram, each ending in "\n". */
export function histogramRows(buckets: readonly Bucket[]): string {
  let max = 0n;
  for (const b of buckets) if (b.count > max) max = b.count;
  let out = '';
  for (const b of buckets) {
    const bar = '@'.repeat(barLength(b.count, max));
    out += `${bucketLabel(b).padEnd(16)}${b.count.toString().padStart(8)} |${bar.padEnd(BAR_WIDTH)}|\n`;
  }
  return out;
}

/** Buckets of either histogram kind. */
export function bucketsOf(h: HistAggregate | LhistAggregate, div = 1n): Bucket[] {
  return h.kind === 'hist' ? histBuckets(h, div) : lhistBuckets(h);
}
