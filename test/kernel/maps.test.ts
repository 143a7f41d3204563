import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { BpfMap, MapType, mapSpecs, UpdateFlags } from '../../src/kernel/maps.js';
import { TypedMap, u32, u64, struct, cstring } from '../../src/kernel/codecs.js';
import { nrPossibleCpus, BpfSyscallError } from '../../src/kernel/sys.js';

test('hash map: update, lookup, delete, iterate, batch lookup agree', needs(), () => {
  const map = BpfMap.create(mapSpecs.hash('bpfkit_h', 4, 8, 1024));
  try {
    const t = new TypedMap(map, u32, u64);
    for (let i = 0; i < 700; i++) t.set(i, BigInt(i) * 3n + (1n << 40n));
    assert.equal(t.get(5), 15n + (1n << 40n));
    assert.equal(t.get(9999), undefined);
    assert.equal(t.delete(5), true);
    assert.equal(t.delete(5), false);
    const iterated = new Map([...t.entries()]);
    assert.equal(iterated.size, 699);
    const batched = map.lookupAll(64).map(([k, v]) => [u32.decode(k), u64.decode(v)] as const);
    assert.equal(batched.length, 699);
    for (const [k, v] of batched) assert.equal(iterated.get(k), v);
    assert.throws(() => t.set(1, 0n, UpdateFlags.NOEXIST), (e: unknown) => e instanceof BpfSyscallError && e.code === 'EEXIST');
  } finally {
    map.close();
  }
});

test('array map with a struct codec; out-of-range lookup is absent', needs(), () => {
  type Rec = { pid: number; count: bigint; comm: string };
  const rec = struct<Rec>([{ name: 'pid', codec: u32 }, { name: 'count', codec: u64 }, { name: 'comm', codec: cstring(16) }]);
  assert.equal(rec.size, 32);
  const map = BpfMap.create(mapSpecs.array('bpfkit_a', rec.size, 4));
  try {
    const t = new TypedMap(map, u32, rec);
    t.set(2, { pid: 42, count: 7n, comm: 'node' });
    assert.deepEqual(t.get(2), { pid: 42, count: 7n, comm: 'node' });
    assert.deepEqual(t.get(0), { pid: 0, count: 0n, comm: '' });
    assert.equal(t.get(4), undefined);
    assert.equal([...map.keys()].length, 4);
  } finally {
    map.close();
  }
});

test('per-CPU maps hold one value per possible CPU', needs(), () => {
  const cpus = nrPossibleCpus();
  for (const spec of [mapSpecs.percpuArray('bpfkit_pa', 4, 2), mapSpecs.percpuHash('bpfkit_ph', 4, 4, 8), { ...mapSpecs.lruHash('bpfkit_lp', 4, 4, 8), type: MapType.LRU_PERCPU_HASH }]) {
    const map = BpfMap.create(spec);
    try {
      assert.equal(map.valueBytes, 8 * cpus, 'value size 4 is rounded to 8 per CPU');
      const values = Array.from({ length: cpus }, (_, c) => u32.encode(100 + c));
      map.update(u32.encode(1), values);
      const back = map.lookupPerCpu(u32.encode(1))!.map((b) => u32.decode(b));
      assert.deepEqual(back, values.map((_, c) => 100 + c));
    } finally {
      map.close();
    }
  }
});

test('LRU hash evicts instead of failing when full', needs(), () => {
  const map = BpfMap.create(mapSpecs.lruHash('bpfkit_lru', 4, 4, 64));
  try {
    for (let i = 0; i < 1000; i++) map.update(u32.encode(i), u32.encode(i));
    const n = [...map.keys()].length;
    assert.ok(n > 0 && n <= 64 * 2, `LRU holds a bounded number of keys (${n})`);
    assert.ok(map.lookup(u32.encode(999)), 'the newest key is present');
  } finally {
    map.close();
  }
  const full = BpfMap.create(mapSpecs.hash('bpfkit_full', 4, 4, 2));
  try {
    full.update(u32.encode(1), u32.encode(1));
    full.update(u32.encode(2), u32.encode(2));
    assert.throws(() => full.update(u32.encode(3), u32.encode(3)), (e: unknown) => e instanceof BpfSyscallError && e.code === 'E2BIG');
  } finally {
    full.close();
  }
});

test('ring buffer, perf event array and stack trace maps can be created', needs(), () => {
  for (const spec of [mapSpecs.ringbuf('bpfkit_rb', 1 << 16), mapSpecs.perfEventArray('bpfkit_pe'), mapSpecs.stackTrace('bpfkit_st', 127, 128)]) {
    const map = BpfMap.create(spec);
    assert.ok(map.fd > 0);
    map.close();
    assert.equal(map.closed, true);
  }
  assert.throws(() => BpfMap.create(mapSpecs.ringbuf('bpfkit_rb', 1000)), (e: unknown) => e instanceof BpfSyscallError && e.code === 'EINVAL' && /BPF_MAP_CREATE/.test(e.message));
});

test('clear(): hash maps lose their keys, arrays are zeroed', needs(), () => {
  const h = BpfMap.create(mapSpecs.hash('bpfkit_ch', 4, 4, 16));
  const a = BpfMap.create(mapSpecs.array('bpfkit_ca', 4, 3));
  try {
    for (let i = 0; i < 5; i++) h.update(u32.encode(i), u32.encode(i));
    a.update(u32.encode(1), u32.encode(9));
    assert.equal(h.clear(), 5);
    assert.equal([...h.keys()].length, 0);
    assert.equal(a.clear(), 3);
    assert.equal(u32.decode(a.lookup(u32.encode(1))!), 0);
  } finally {
    h.close();
    a.close();
  }
});
