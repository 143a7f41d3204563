// Aggregate values for output tests, built the way the runtime builds them.
import { log2Slot } from '../../src/output/histogram.js';
import type { HistAggregate } from '../../src/output/value.js';

/** A hist() of `values`, bucketed by the same log2 slots the kernel program uses. */
export function hist(values: number[]): HistAggregate {
  const buckets: bigint[] = [];
  for (const v of values) {
    const s = log2Slot(BigInt(v));
    while (buckets.length <= s) buckets.push(0n);
    buckets[s]! += 1n;
  }
  return { kind: 'hist', bits: 0, buckets };
}
