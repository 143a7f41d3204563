import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VmMemory, GUARD, MemoryFault } from '../../src/vm/memory.js';

test('regions are mapped above the guard, checked, and faults say why', () => {
  const m = new VmMemory(1);
  const a = m.map(100, 'stack', true, 'stack');
  const b = m.map(8, 'ctx', false, 'context');
  assert.ok(a.start >= GUARD);
  assert.equal(m.check(a.start + 92, 8, true), a);
  assert.throws(() => m.check(a.start + 96, 8, false), /runs past the end of stack/);
  assert.throws(() => m.check(b.start, 4, true), /context is read-only/);
  assert.throws(() => m.check(0, 8, false), MemoryFault);
  m.unmap(a);
  assert.throws(() => m.check(a.start, 1, false), /outside every mapped region/);
});

test('memory grows when regions exceed it, and views follow the growth', () => {
  const m = new VmMemory(1);
  const big = m.map(200_000, 'heap', true);
  m.bytes[big.start + 199_999] = 7;
  assert.equal(m.read(big, 199_999, 1)[0], 7);
});

test('an overrun past one region faults rather than landing in the next one', () => {
  const m = new VmMemory(1);
  const a = m.map(32, 'map_value', true, 'value a');
  const b = m.map(32, 'map_value', true, 'value b');
  assert.ok(b.start - (a.start + a.size) >= 64, 'a gap separates neighbours');
  for (let off = a.size; off < b.start - a.start; off += 8) assert.throws(() => m.check(a.start + off, 8, false), MemoryFault);
});

test('mapArray: regions at a fixed stride, each its own region; the lookup cache forgets unmapped ones', () => {
  const m = new VmMemory();
  const rs = m.mapArray(3, 12, 'map_value', true, (i) => `v${i}`);
  const stride = VmMemory.strideOf(12);
  rs.forEach((r, i) => { assert.equal(r.start, rs[0].start + i * stride); assert.equal(r.size, 12); assert.equal(r.name, `v${i}`); });
  // Running past one value faults instead of reaching the next.
  assert.throws(() => m.check(rs[0].start + 8, 8, false), /runs past the end of v0/);
  assert.equal(m.check(rs[1].start + 4, 8, true), rs[1]);
  m.unmap(rs[1]);
  // The last region found was rs[1]: the cache must not hand it out after the unmap.
  assert.throws(() => m.check(rs[1].start + 4, 8, true), /outside every mapped region/);
  assert.equal(m.find(rs[2].start, 12), rs[2]);
  // Zero-length lookups at a region's end are not inside it (cached or not).
  assert.equal(m.find(rs[2].start + 12, 0), undefined);
});
