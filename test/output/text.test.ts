// Text map printing against stdout captured from bpftrace 0.17 for the same data (after the
// documented 0.17 -> current rewrites in test/lang/oracle/differences.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitText, mapText, printValueText, attachedProbesText, catErrorText } from '../../src/output/text.js';
import { hist } from '../support/aggregates.js';
import { fromBpftrace017 } from '../lang/oracle/differences.js';
import { avg, count, int, max, min, stats, str, sum, tuple, type MapDump } from '../../src/output/value.js';

const k = (...parts: (number | string)[]) => parts.map((p) => (typeof p === 'number' ? int(p) : str(p)));

test('exit dump: maps by name, values ascending, avg/stats followed by a blank line', () => {
  // bpftrace -e 'BEGIN { @z = 1; @a[3] = 5; ... exit(); }' (0.17, RLIMIT line on stderr)
  const captured017 =
    '\n\n@a[2]: 5\n@a[1]: 7\n@b[a]: z\n@b[x]: q\n@c[2]: 1\n@c[1]: 2\n@h[2]: \n' +
    '[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n@h[1]: \n' +
    '[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n' +
    '@neg[1]: -5\n@neg[2]: 3\n@s[2]: count 1, average 1, total 1\n@s[1]: count 1, average 5, total 5\n\n' +
    '@t[1]: (2, b)\n@t[2]: (1, c)\n@v[2]: 3\n@v[1]: 9\n\n@z: 1\n';
  const maps: MapDump[] = [
    { name: '@z', kind: 'value', entries: [{ key: [], value: int(1) }] },
    { name: '@a', kind: 'value', entries: [{ key: k(1), value: int(7) }, { key: k(2), value: int(5) }] },
    { name: '@b', kind: 'value', entries: [{ key: k('x'), value: str('q') }, { key: k('a'), value: str('z') }] },
    { name: '@c', kind: 'count', entries: [{ key: k(1), value: count(2) }, { key: k(2), value: count(1) }] },
    { name: '@h', kind: 'hist', entries: [{ key: k(1), value: hist([5, 5]) }, { key: k(2), value: hist([5]) }] },
    { name: '@s', kind: 'stats', entries: [{ key: k(1), value: stats(5, 1) }, { key: k(2), value: stats(1, 1) }] },
    { name: '@v', kind: 'avg', entries: [{ key: k(1), value: avg(9, 1) }, { key: k(2), value: avg(3, 1) }] },
    { name: '@neg', kind: 'value', entries: [{ key: k(2), value: int(3) }, { key: k(1), value: int(-5) }] },
    { name: '@t', kind: 'value', entries: [{ key: k(2), value: tuple(int(1), str('c')) }, { key: k(1), value: tuple(int(2), str('b')) }] },
  ];
  assert.equal(exitText(maps), fromBpftrace017(captured017, 'text'));
});

test('multi-component keys print joined by ", "; stats average is integer division', () => {
  const m: MapDump = { name: '@m', kind: 'sum', entries: [
    { key: k(2, 'a'), value: sum(30) }, { key: k(1, 'a'), value: sum(10) }, { key: k(1, 'b'), value: sum(20) },
  ] };
  assert.equal(mapText(m), '@m[1, a]: 10\n@m[1, b]: 20\n@m[2, a]: 30\n');
  const s: MapDump = { name: '@s', kind: 'stats', entries: [{ key: [], value: stats(75, 3) }] };
  assert.equal(mapText(s), '@s: count 3, average 25, total 75\n\n');
  assert.equal(mapText({ name: '@a', kind: 'avg', entries: [{ key: [], value: avg(63, 3) }] }), '@a: 21\n\n');
  assert.equal(mapText({ name: '@a', kind: 'avg', entries: [{ key: [], value: avg(-7, 2) }] }), '@a: -3\n\n');
});

test('print(@m, top, div) keeps the largest entries and divides (bpftrace 0.17 capture)', () => {
  const m: MapDump = { name: '@m', kind: 'value', entries: [
    { key: k('a'), value: int(1) }, { key: k('b'), value: int(5) }, { key: k('c'), value: int(3) }, { key: k('d'), value: int(9) }, { key: k('e'), value: int(7) },
  ] };
  assert.equal(mapText(m, { top: 2 }), '@m[e]: 7\n@m[d]: 9\n');
  const d: MapDump = { name: '@m', kind: 'value', entries: [{ key: k('a'), value: int(1000) }, { key: k('b'), value: int(5000) }, { key: k('c'), value: int(3000) }] };
  assert.equal(mapText(d, { top: 2, div: 1000n }), '@m[c]: 3\n@m[b]: 5\n');
});

test('non-integer values sort by key (integers signed), min/max by value', () => {
  const m: MapDump = { name: '@m', kind: 'value', entries: [{ key: k(30), value: str('c') }, { key: k(-2), value: str('a') }, { key: k(7), value: str('b') }] };
  assert.equal(mapText(m), '@m[-2]: a\n@m[7]: b\n@m[30]: c\n');
  const mm: MapDump = { name: '@x', kind: 'max', entries: [{ key: k('b'), value: max(30) }, { key: k('a'), value: max(5) }] };
  assert.equal(mapText(mm), '@x[a]: 5\n@x[b]: 30\n');
  assert.equal(mapText({ name: '@n', kind: 'min', entries: [{ key: [], value: min(-5) }] }), '@n: -5\n');
});

test('hist maps: header without trailing space, rows, blank line per entry; empty maps print nothing', () => {
  const h: MapDump = { name: '@h', kind: 'hist', entries: [{ key: k('big'), value: hist([5000, 6000, 100]) }, { key: k('small'), value: hist([3]) }] };
  assert.match(mapText(h), /^@h\[small\]:\n\[2, 4\) +1 \|@{52}\|\n\n@h\[big\]:\n/);
  assert.equal(mapText({ name: '@e', kind: 'count', entries: [] }), '');
  assert.equal(exitText([]), '\n\n');
});

test('print() of values and the attach message', () => {
  assert.equal(printValueText(tuple(int(1), str('two'))), '(1, two)\n');
  assert.equal(printValueText(tuple(tuple(int(1), int(2)), str('x'))), '((1, 2), x)\n');
  assert.equal(attachedProbesText(1), 'Attached 1 probe\n');
  assert.equal(attachedProbesText(3), 'Attached 3 probes\n');
});

test('stacks: bpftrace and perf modes (bpftrace 0.17 capture, addresses elided)', async () => {
  const { valueText } = await import('../../src/output/format-value.js');
  const frames = [
    { address: 0xffffffff81000010n, symbol: 'perf_syscall_enter+397' },
    { address: 0xffffffff81000020n, symbol: 'syscall_trace_enter+384' },
  ];
  assert.equal(valueText({ kind: 'stack', which: 'kstack', mode: 'bpftrace', frames }), '\n        perf_syscall_enter+397\n        syscall_trace_enter+384\n');
  assert.equal(valueText({ kind: 'stack', which: 'kstack', mode: 'perf', frames }), '\n\tffffffff81000010 perf_syscall_enter+397\n\tffffffff81000020 syscall_trace_enter+384\n');
  assert.equal(valueText({ kind: 'stack', which: 'ustack', mode: 'bpftrace', frames: [{ address: 0x401000n }] }), '\n        0x401000\n');
});

test('cat() of a file it cannot open: bpftrace\'s ERROR line', () => {
  assert.equal(catErrorText('/nope', 'No such file or directory'), "ERROR: failed to open file '/nope': No such file or directory\n");
});
