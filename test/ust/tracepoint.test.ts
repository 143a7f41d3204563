// tracepoint(): filters attach, run on the JIT and on the interpreter with the same verdicts,
// listeners see exactly the matching events, and bad filters are refused before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracepoint, FilterError } from '../../src/ust/index.js';

type Http = { status: number; path: string; latency_us: bigint };
const schema = { status: 'u32', path: 'string', latency_us: 'u64' } as const;

const events: Http[] = [
  { status: 200, path: '/api/a', latency_us: 10n },
  { status: 500, path: '/api/b', latency_us: 99n },
  { status: 503, path: '/static/x', latency_us: 1n },
  { status: 502, path: '/api/', latency_us: 5n },
  { status: 404, path: '/api/c', latency_us: 7n },
];

for (const engine of ['js', 'wasm', 'interpreter'] as const) {
  test(`filter on the ${engine}: emit returns the verdict and listeners see matches only`, () => {
    const tp = tracepoint<Http>('http:request', schema);
    const seen: string[] = [];
    tp.on((e) => seen.push(e.path));
    const attached = tp.attachFilter('status >= 500 && path == "/api/*"', { engine });
    assert.equal(attached.engine, engine);
    assert.ok(attached.verified.safeAccesses.size > 0);
    assert.deepEqual(events.map((e) => tp.emit(e)), [false, true, false, true, false]);
    assert.deepEqual(seen, ['/api/b', '/api/']);
    tp.detachFilter();
    assert.equal(tp.emit(events[0]), true, 'no filter: everything passes');
    assert.deepEqual(seen, ['/api/b', '/api/', '/api/a']);
  });
}

test('a filter can be replaced, and only the fields it reads are written', () => {
  const tp = tracepoint<Http>('http:request', schema);
  tp.attachFilter('latency_us > 50');
  assert.deepEqual(tp.filter?.compiled.fields, ['latency_us']);
  assert.deepEqual(events.map((e) => tp.emit(e)), [false, true, false, false, false]);
  tp.attachFilter('status == 404');
  assert.deepEqual(events.map((e) => tp.emit(e)), [false, false, false, false, true]);
  tp.detachFilter();
});

test('bad filters throw a FilterError with a caret, and leave the previous filter in place', () => {
  const tp = tracepoint<Http>('http:request', schema);
  tp.attachFilter('status == 200');
  assert.throws(() => tp.attachFilter('stauts == 200'), (e: unknown) => e instanceof FilterError && /unknown field 'stauts'/.test(e.message) && e.render().includes('^~~~~~'));
  assert.equal(tp.emit(events[0]), true);
  assert.equal(tp.emit(events[1]), false);
  tp.detachFilter();
});

test('tracepoint names are provider:event', () => {
  assert.throws(() => tracepoint('nocolon', schema), /provider:event/);
});
