// -f json lines against bpftrace: 0.17 captures (rewritten per differences.ts) and the current
// release's own expectations (tests/runtime/json-output in github.com/bpftrace/bpftrace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitJson, jsonInteger, jsonString, mapJson, messageJson, printValueJson } from '../../src/output/json.js';
import { hist } from '../support/aggregates.js';
import { avg, count, int, stats, str, tuple, type MapDump } from '../../src/output/value.js';

test('maps: scalar, keyed, multi-key keys without spaces, in name order', () => {
  const maps: MapDump[] = [
    { name: '@str', kind: 'value', entries: [{ key: [], value: str('a b') }] },
    { name: '@scalar', kind: 'value', entries: [{ key: [], value: int(5) }] },
    { name: '@m', kind: 'value', entries: [{ key: [str('key2')], value: int(3) }, { key: [str('key1')], value: int(2) }] },
    { name: '@multi', kind: 'value', entries: [{ key: [int(1), str('a')], value: int(7) }] },
  ];
  assert.equal(
    exitJson(maps),
    '{"type": "map", "data": {"@m": {"key1": 2, "key2": 3}}}\n' +
      '{"type": "map", "data": {"@multi": {"1,a": 7}}}\n' +
      '{"type": "map", "data": {"@scalar": 5}}\n' +
      '{"type": "map", "data": {"@str": "a b"}}\n',
  );
});

test('hist and lhist: unspaced bucket arrays, open ends without min/max', () => {
  assert.equal(
    mapJson({ name: '@k', kind: 'hist', entries: [{ key: [str('x')], value: hist([-1]) }] }),
    '{"type": "hist", "data": {"@k": {"x": [{"max": -1, "count": 1}]}}}\n',
  );
  const l: MapDump = { name: '@l', kind: 'lhist', entries: [{ key: [], value: { kind: 'lhist', min: 0n, max: 30n, step: 10n, buckets: [0n, 1n, 0n, 0n, 1n] } }] };
  assert.equal(
    mapJson(l),
    '{"type": "hist", "data": {"@l": [{"min": 0, "max": 9, "count": 1},{"min": 10, "max": 19, "count": 0},{"min": 20, "max": 29, "count": 0},{"min": 30, "count": 1}]}}\n',
  );
  assert.equal(mapJson({ name: '@hist', kind: 'hist', entries: [{ key: [], value: { kind: 'hist', bits: 0, buckets: [0n, 0n] } }] }), '{"type": "hist", "data": {"@hist": []}}\n');
});

test('print(@, top) of hist maps and print(@, top, div) of avg maps (current release tests)', () => {
  const h: MapDump = { name: '@', kind: 'hist', entries: [{ key: [int(1)], value: hist([10]) }, { key: [int(2)], value: hist([20, 20]) }, { key: [int(3)], value: hist([30, 30, 30]) }] };
  assert.equal(mapJson(h, { top: 2 }), '{"type": "hist", "data": {"@": {"2": [{"min": 16, "max": 31, "count": 2}], "3": [{"min": 16, "max": 31, "count": 3}]}}}\n');
  const a: MapDump = { name: '@', kind: 'avg', entries: ['a', 'b', 'c', 'd'].map((s, i) => ({ key: [str(s)], value: avg((i + 1) * 10, 1) })) };
  assert.equal(mapJson(a, { top: 2, div: 10n }), '{"type": "stats", "data": {"@": {"c": 3, "d": 4}}}\n');
  assert.equal(mapJson(a, { top: 10, div: 10n }), '{"type": "stats", "data": {"@": {"a": 1, "b": 2, "c": 3, "d": 4}}}\n');
});

test('stats and avg', () => {
  assert.equal(mapJson({ name: '@s', kind: 'stats', entries: [{ key: [], value: stats(12, 2) }] }), '{"type": "stats", "data": {"@s": {"count": 2, "average": 6, "total": 12}}}\n');
  assert.equal(mapJson({ name: '@a', kind: 'avg', entries: [{ key: [], value: avg(12, 2) }] }), '{"type": "stats", "data": {"@a": 6}}\n');
  assert.equal(
    mapJson({ name: '@stats', kind: 'stats', entries: [{ key: [str('zsh')], value: stats(10, 1) }, { key: [str('curl')], value: stats(2, 1) }] }),
    '{"type": "stats", "data": {"@stats": {"curl": {"count": 1, "average": 2, "total": 2}, "zsh": {"count": 1, "average": 10, "total": 10}}}}\n',
  );
});

test('tuples, values and strings', () => {
  assert.equal(mapJson({ name: '@', kind: 'value', entries: [{ key: [], value: tuple(int(1), int(2), str('string'), tuple(int(4), int(5))) }] }), '{"type": "map", "data": {"@": [1,2,"string",[4,5]]}}\n');
  assert.equal(printValueJson(tuple(int(1), int(2), str('string'))), '{"type": "value", "data": [1,2,"string"]}\n');
  assert.equal(printValueJson(int(5)), '{"type": "value", "data": 5}\n');
  assert.equal(messageJson('printf', 'test \r \n \t \\ " bar'), '{"type": "printf", "data": "test \\r \\n \\t \\\\ \\" bar"}\n');
  assert.equal(jsonString('ctl[\u0001]'), '"ctl[\\u0001]"');
  assert.equal(mapJson({ name: '@c', kind: 'count', entries: [{ key: [int(1), str('a')], value: count(1) }] }), '{"type": "map", "data": {"@c": {"1,a": 1}}}\n');
});

test('integers a double cannot hold are strings', () => {
  assert.equal(jsonInteger(2n ** 53n), '9007199254740992');
  assert.equal(jsonInteger(2n ** 64n - 1n), '"18446744073709551615"');
  assert.equal(jsonInteger(-(2n ** 63n)), '-9223372036854775808');
});
