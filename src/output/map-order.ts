// The order bpftrace prints a map's entries in, and print(@m, top, div)'s selection.
//
// bpftrace (current release, types_format.cpp): count/sum/integer maps ascending by value;
// min/max ascending by value compared as unsigned 64-bit; avg/stats ascending by average;
// hist/lhist ascending by the total of all buckets; every other map by key (key components in
// order, integers signed, strings bytewise). `top` keeps the last `top` entries of that order
// (the largest). bpftrace's value sorts are not stable, so ties come out in hash-table order;
// we break ties by key to be deterministic (oracle scripts avoid ties).

import type { Aggregate, MapDump, MapEntry, MapValue, Value } from './value.js';

function compareBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareString(a: string, b: string): number {
  // Bytewise, as bpftrace compares the NUL-padded key buffers.
  const ea = Buffer.from(a, 'utf8');
  const eb = Buffer.from(b, 'utf8');
  return Buffer.compare(ea, eb);
}

/** Key component order: integers as signed 64-bit, strings bytewise, tuples element-wise. */
export function compareValue(a: Value, b: Value): number {
  if (a.kind === 'int' && b.kind === 'int') return compareBig(BigInt.asIntN(64, a.value), BigInt.asIntN(64, b.value));
  if (a.kind === 'string' && b.kind === 'string') return compareString(a.value, b.value);
  if (a.kind === 'bool' && b.kind === 'bool') return Number(a.value) - Number(b.value);
  if (a.kind === 'tuple' && b.kind === 'tuple') return compareKeys(a.elements, b.elements);
  if (a.kind === 'symbol' && b.kind === 'symbol') return compareBig(a.frame.address, b.frame.address);
  return 0; // bpftrace leaves other key types in table order
}

export function compareKeys(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareValue(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Integer division truncating toward zero, as C++ does; div 0 means 1. */
export function divide(v: bigint, div: bigint): bigint {
  return div === 0n ? v : v / div;
}

/** The average bpftrace prints for avg/stats: integer division, 0 when there is no sample. */
export function average(sum: bigint, count: bigint, signed: boolean): bigint {
  if (count === 0n) return 0n;
  return signed ? BigInt.asIntN(64, sum) / count : BigInt.asUintN(64, sum) / count;
}

function histTotal(v: Aggregate): bigint {
  if (v.kind !== 'hist' && v.kind !== 'lhist') return 0n;
  return v.buckets.reduce((s, c) => s + c, 0n);
}

/** The number a map entry is ordered by, or undefined when the map is ordered by key. */
function sortNumber(v: MapValue): bigint | undefined {
  switch (v.kind) {
    case 'count':
      return v.value;
    case 'sum':
      return v.signed ? BigInt.asIntN(64, v.value) : BigInt.asUintN(64, v.value);
    case 'min':
    case 'max':
      return BigInt.asUintN(64, v.value);
    case 'avg':
    case 'stats':
      return average(v.sum, v.count, v.signed);
    case 'hist':
    case 'lhist':
      return histTotal(v);
    case 'int':
      return v.value;
    default:
      return undefined;
  }
}

/** Entries in print order, after `top` (0 = all). */
export function orderEntries(dump: MapDump, top = 0): MapEntry[] {
  const entries = [...dump.entries].sort((a, b) => compareKeys(a.key, b.key));
  const byValue = entries.length > 0 && entries.every((e) => sortNumber(e.value) !== undefined);
  if (byValue) entries.sort((a, b) => compareBig(sortNumber(a.value)!, sortNumber(b.value)!));
  if (top > 0 && entries.length > top) return entries.slice(entries.length - top);
  return entries;
}

/** Maps print at exit in name order. */
export function orderMaps(maps: readonly MapDump[]): MapDump[] {
  return [...maps].sort((a, b) => compareString(a.name, b.name));
}
