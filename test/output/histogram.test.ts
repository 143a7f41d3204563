// hist()/lhist() rows against output captured from bpftrace 0.17 (`bpftrace -e 'BEGIN { @h =
// hist(...); ... exit(); }'`), and the current release's k-bit buckets against its JSON test
// data (tests/runtime/outputs/hist_2args.json).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barLength, histBuckets, histogramRows, lhistBuckets, log2Slot } from '../../src/output/histogram.js';
import type { HistAggregate, LhistAggregate } from '../../src/output/value.js';
import { jsonMapValue } from '../../src/output/json.js';

function hist(values: number[], bits = 0): HistAggregate {
  const buckets: bigint[] = [];
  for (const v of values) {
    const s = log2Slot(BigInt(v), bits);
    while (buckets.length <= s) buckets.push(0n);
    buckets[s]! += 1n;
  }
  return { kind: 'hist', bits, buckets };
}

function lhist(values: number[], min: number, max: number, step: number): LhistAggregate {
  const n = (max - min) / step;
  const buckets = new Array<bigint>(n + 2).fill(0n);
  for (const v of values) {
    const i = v < min ? 0 : v >= max ? n + 1 : Math.floor((v - min) / step) + 1;
    buckets[i]! += 1n;
  }
  return { kind: 'lhist', min: BigInt(min), max: BigInt(max), step: BigInt(step), buckets };
}

test('log2 slots: negatives, 0, 1, then powers of two', () => {
  assert.deepEqual([-5, -1, 0, 1, 2, 3, 4, 7, 8, 1023, 1024].map((v) => log2Slot(BigInt(v))), [0, 0, 1, 2, 3, 3, 4, 4, 5, 11, 12]);
  assert.equal(log2Slot(2n ** 63n - 1n), 64);
});

test('every value falls inside the bucket its slot is labelled with (k = 0..5)', () => {
  for (let k = 0; k <= 5; k++) {
    for (let v = 0; v < 5000; v += 1 + Math.floor(v / 64)) {
      const [b] = histBuckets(hist([v], k));
      assert.ok(b, `k=${k} v=${v}`);
      assert.ok(b.lower!.value <= BigInt(v) && BigInt(v) < b.upper!.value, `k=${k} v=${v}: [${b.lower!.value}, ${b.upper!.value})`);
    }
  }
});

test('hist rows match bpftrace: negative, [0], [1], ranges, trimmed ends', () => {
  const expected =
    '(..., 0)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
    '[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
    '[1]                    0 |                                                    |\n' +
    '[2, 4)                 0 |                                                    |\n' +
    '[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n';
  assert.equal(histogramRows(histBuckets(hist([-1, -100, 0, 4]))), expected);
});

test('hist labels use K/M/G suffixes', () => {
  const rows = histogramRows(histBuckets(hist([1024, 1500, 1048576, 3145728, 1073741824, 2000000000])));
  const labels = rows.split('\n').filter(Boolean).map((r) => r.slice(0, 16).trim());
  assert.deepEqual(labels.slice(0, 2), ['[1K, 2K)', '[2K, 4K)']);
  assert.ok(labels.includes('[512K, 1M)'));
  assert.ok(labels.includes('[2M, 4M)'));
  assert.equal(labels.at(-1), '[1G, 2G)');
});

test('bar length is truncated single-precision arithmetic (bpftrace 0.17 capture)', () => {
  const rows = histogramRows(histBuckets(hist([...Array(100).fill(10), ...Array(33).fill(40), ...Array(7).fill(300), 2000])));
  assert.equal(
    rows,
    '[8, 16)              100 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
      '[16, 32)               0 |                                                    |\n' +
      '[32, 64)              33 |@@@@@@@@@@@@@@@@@                                   |\n' +
      '[64, 128)              0 |                                                    |\n' +
      '[128, 256)             0 |                                                    |\n' +
      '[256, 512)             7 |@@@                                                 |\n' +
      '[512, 1K)              0 |                                                    |\n' +
      '[1K, 2K)               1 |                                                    |\n',
  );
  assert.equal(barLength(1n, 2n), 26);
  assert.equal(barLength(0n, 0n), 0);
});

test('lhist rows: below min, above max (bpftrace 0.17 capture), step-1 single values (current release)', () => {
  assert.equal(
    histogramRows(lhistBuckets(lhist([-5, 25, 50, 1000], 0, 50, 10))),
    '(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '[0, 10)                0 |                                                    |\n' +
      '[10, 20)               0 |                                                    |\n' +
      '[20, 30)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n' +
      '[30, 40)               0 |                                                    |\n' +
      '[40, 50)               0 |                                                    |\n' +
      '[50, ...)              2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n',
  );
  assert.equal(
    histogramRows(lhistBuckets(lhist([3, 3, 6], 0, 10, 1))),
    '[3]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
      '[4]                    0 |                                                    |\n' +
      '[5]                    0 |                                                    |\n' +
      '[6]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n',
  );
  const kilo = histogramRows(lhistBuckets(lhist([1000, 5000, 3000], 0, 8192, 1024)));
  assert.deepEqual(kilo.split('\n').filter(Boolean).map((r) => r.slice(0, 16).trim()), ['[0, 1K)', '[1K, 2K)', '[2K, 3K)', '[3K, 4K)', '[4K, 5K)']);
});

test('all-zero histogram prints no rows', () => {
  assert.equal(histogramRows(histBuckets({ kind: 'hist', bits: 0, buckets: [0n, 0n, 0n] })), '');
});

test('hist(n, 3) buckets equal the current release (tests/runtime/outputs/hist_2args.json)', () => {
  const values = Array.from({ length: 1024 }, (_, i) => i);
  const got = JSON.parse(jsonMapValue(hist(values, 3))) as { min: number; max: number; count: number }[];
  assert.equal(got.length, 64);
  assert.deepEqual(got.slice(14, 18), [
    { min: 14, max: 14, count: 1 },
    { min: 15, max: 15, count: 1 },
    { min: 16, max: 17, count: 2 },
    { min: 18, max: 19, count: 2 },
  ]);
  assert.deepEqual(got.at(-1), { min: 960, max: 1023, count: 64 });
});
