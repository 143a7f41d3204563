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
