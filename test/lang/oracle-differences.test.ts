// The 0.17 -> current rewrites in oracle/differences.ts, on captured 0.17 output: each rewrite
// does exactly its one documented job and leaves everything else alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparable, DIFFERENCES, fromBpftrace017, toBpftrace017Source } from './oracle/differences.js';

test('attach lines and trailing blank lines are dropped on both sides', () => {
  assert.equal(comparable('Attaching 2 probes...\nhi\n\n\n'), 'hi\n');
  assert.equal(comparable('Attached 1 probe\nhi\n'), 'hi\n');
  assert.equal(comparable('{"type": "attached_probes", "data": {"probes": 1}}\n{"type": "printf", "data": "x"}\n'), '{"type": "printf", "data": "x"}\n');
  assert.equal(comparable('a\n\nb\n'), 'a\n\nb\n', 'inner blank lines are compared');
});

test('histogram headers lose the trailing space; [n, n+1) rows become [n] with the same width', () => {
  const captured = '@l: \n[3, 4)                 2 |@@@@|\n[4, 6)                 1 |@@|\n@x: 5\n';
  assert.equal(fromBpftrace017(captured, 'text'), '@l:\n[3]                    2 |@@@@|\n[4, 6)                 1 |@@|\n@x: 5\n');
  assert.equal(fromBpftrace017('[1K, 2K)               1 |@|\n', 'text'), '[1K, 2K)               1 |@|\n');
});

test('json: blank lines go, histogram arrays lose their spaces, nothing else changes', () => {
  const captured = '\n\n{"type": "hist", "data": {"@h": [{"min": 2, "max": 3, "count": 1}, {"min": 4, "max": 7, "count": 0}]}}\n{"type": "map", "data": {"@m": {"a": 1, "b": 2}}}\n';
  assert.equal(
    fromBpftrace017(captured, 'json'),
    '{"type": "hist", "data": {"@h": [{"min": 2, "max": 3, "count": 1},{"min": 4, "max": 7, "count": 0}]}}\n{"type": "map", "data": {"@m": {"a": 1, "b": 2}}}\n',
  );
});

test('source rewrite only touches args.field', () => {
  assert.equal(toBpftrace017Source('@[args.count] = sum(args.ret); $args.x; args'), '@[args->count] = sum(args->ret); $args.x; args');
});

test('every difference is documented with a handling', () => {
  const ids = new Set(DIFFERENCES.map((d) => d.id));
  assert.equal(ids.size, DIFFERENCES.length);
  for (const d of DIFFERENCES) assert.ok(d.what.length > 40, d.id);
});
