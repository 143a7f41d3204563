// Userspace maps: their own semantics (flags, capacity, LRU eviction, ring-buffer accounting),
// and programs using them through the helpers on the interpreter after passing the verifier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgramBuilder, R0, R1, R2, R3, R4, R10, bindMaps } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { VmMemory } from '../../src/vm/memory.js';
import { VmMaps, Errno, BPF_NOEXIST, BPF_EXIST, RingBuffer, HashMap, hashBytes } from '../../src/vm/maps.js';
import { registerMapHelpers } from '../../src/vm/helpers-maps.js';
import { registerProbeReadHelpers } from '../../src/vm/helpers-probe-read.js';
import { defaultHelpers } from '../../src/vm/helpers.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { verify, recordContext } from '../../src/vm/verifier/index.js';

const u32 = (v: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; };
const u64 = (v: bigint): Uint8Array => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, v, true); return b; };
const readU64 = (b: Uint8Array): bigint => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);

test('hash map: flags, capacity, delete', () => {
  const maps = new VmMaps(new VmMemory());
  const m = maps.create({ name: 'h', kind: 'hash', keySize: 4, valueSize: 8, maxEntries: 2 });
  assert.equal(m.update(u32(1), u64(10n)), 0n);
  assert.equal(m.update(u32(1), u64(11n), BPF_NOEXIST), Errno.EEXIST);
  assert.equal(m.update(u32(2), u64(20n), BPF_EXIST), Errno.ENOENT);
  assert.equal(m.update(u32(2), u64(20n)), 0n);
  assert.equal(m.update(u32(3), u64(30n)), Errno.E2BIG);
  assert.equal(readU64(m.lookup(u32(1))!), 10n);
  assert.equal(m.delete(u32(1)), 0n);
  assert.equal(m.delete(u32(1)), Errno.ENOENT);
  assert.equal(m.lookup(u32(1)), undefined);
  assert.equal(m.keys().length, 1);
});

test('LRU hash evicts the least recently used entry', () => {
  const maps = new VmMaps(new VmMemory());
  const m = maps.create({ name: 'l', kind: 'lru_hash', keySize: 4, valueSize: 8, maxEntries: 2 });
  m.update(u32(1), u64(1n));
  m.update(u32(2), u64(2n));
  m.lookupAddress(u32(1)); // 1 is now the most recent
  m.update(u32(3), u64(3n));
  assert.deepEqual(m.keys().map((k) => k[0]).sort(), [1, 3]);
});

test('array map: elements exist from the start, no deletion, index bound', () => {
  const maps = new VmMaps(new VmMemory());
  const m = maps.create({ name: 'a', kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 3 });
  assert.equal(readU64(m.lookup(u32(2))!), 0n);
  assert.equal(m.lookup(u32(3)), undefined);
  assert.equal(m.update(u32(3), u64(1n)), Errno.E2BIG);
  assert.equal(m.delete(u32(0)), Errno.EINVAL);
});

test('ring buffer: capacity counts 8-byte headers, discard frees, records arrive in order', () => {
  const maps = new VmMaps(new VmMemory());
  const rb = maps.create({ name: 'rb', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 64 }) as RingBuffer;
  const a = rb.reserve(8);
  const b = rb.reserve(16);
  assert.ok(a && b);
  assert.equal(rb.reserve(24), 0, 'full: 16 + 24 + 32 > 64');
  rb.commit(b, true);
  assert.equal(rb.output(new Uint8Array([9])), 0n);
  rb.commit(a, false);
  assert.deepEqual(rb.consume().map((r) => r.length), [1, 8]);
  assert.equal(rb.dropped, 1);
});

test('a verified program counts events per key in a hash map and reports through a ring buffer', () => {
  const memory = new VmMemory();
  const maps = new VmMaps(memory);
  const counts = maps.create({ name: 'counts', kind: 'hash', keySize: 4, valueSize: 8, maxEntries: 16 });
  const events = maps.create({ name: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }) as RingBuffer;
  const b = new ProgramBuilder();
  // key = first u32 of the record; value = lookup ?: insert 0; *value += 1; ringbuf_output(key)
  b.ldx('w', R2, R1, 0).stx('w', R10, -4, R2).st('dw', R10, -16, 0)
    .ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jne', R0, 0, 'have')
    .ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).mov64(R3, R10).add64(R3, -16).mov64(R4, 0).call(Helper.map_update_elem)
    .ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out')
    .label('have').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .ldMap(R1, 'events').mov64(R2, R10).add64(R2, -4).mov64(R3, 4).mov64(R4, 0).call(Helper.ringbuf_output)
    .label('out').mov64(R0, 0).exit();
  const program = bindMaps(b.build(), maps.handleOf);
  const verified = verify(program, { context: recordContext(8), maps: maps.info });
  assert.ok(verified.safeAccesses.size >= 3);
  const helpers = registerProbeReadHelpers(registerMapHelpers(defaultHelpers(), maps));
  const vm = new Interpreter(program, { memory, helpers, resolvePseudo: maps.resolvePseudo });
  for (const k of [7, 7, 9, 7]) vm.run(new Uint8Array([k, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(readU64(counts.lookup(u32(7))!), 3n);
  assert.equal(readU64(counts.lookup(u32(9))!), 1n);
  assert.deepEqual(events.consume().map((r) => r[0]), [7, 7, 9, 7]);
});

test('probe_read copies mapped memory and faults to -EFAULT with a zeroed buffer elsewhere', () => {
  const memory = new VmMemory();
  const b = new ProgramBuilder();
  // r0 = probe_read_kernel(fp-8, 8, ctx) + probe_read_kernel(fp-16, 8, 16) (unmapped) + fp-16 value
  b.mov64(R3, R1).mov64(R1, R10).add64(R1, -8).mov64(R2, 8).call(Helper.probe_read_kernel)
    .mov64(R1, R10).add64(R1, -16).mov64(R2, 8).mov64(R3, 16).call(Helper.probe_read_kernel)
    .ldx('dw', R1, R10, -8).ldx('dw', R2, R10, -16).add64(R0, R1).add64(R0, R2).exit();
  const program = b.build();
  verify(program, { context: recordContext(8) });
  const vm = new Interpreter(program, { memory, helpers: registerProbeReadHelpers(defaultHelpers()) });
  assert.equal(BigInt.asIntN(64, vm.run(u64(100n))), 100n - 14n);
});

test('hash map with long keys: hashed keys stay exact through collisions, at aligned and unaligned addresses', () => {
  // Keys of 16 and 18 bytes (whole words, and not), 300 of them, in a map whose hash keeps only
  // 2 bits: nearly every key collides. Every operation is checked against a JS Map of the bytes.
  for (const [keySize, where] of [[16, 'front'], [16, 'back'], [18, 'front'], [18, 'back']] as const) {
    const memory = new VmMemory();
    const map = new HashMap(1, { name: 'long', kind: 'hash', keySize, valueSize: 8, maxEntries: 1000 }, memory, false, 0x3);
    const scratch = memory.map(64, 'stack', true, 'scratch');
    const reference = new Map<string, number>();
    // The keys differ only in their first two bytes, or only in their last two (the other bytes
    // are zero), so a comparison that skips either end of a key is caught.
    const keys = Array.from({ length: 300 }, (_, i) => {
      const k = new Uint8Array(keySize);
      const at = where === 'front' ? 0 : keySize - 2;
      k[at] = i & 0xff;
      k[at + 1] = (i >> 8) + 1;
      return k;
    });
    const value = (n: number): Uint8Array => new Uint8Array(new BigUint64Array([BigInt(n)]).buffer);
    keys.forEach((k, i) => {
      assert.equal(map.update(k, value(i)), 0n);
      reference.set(Buffer.from(k).toString('hex'), i);
    });
    // Delete every third key, then look every key up through memory at offsets 0..3 (aligned:
    // compared word by word; unaligned: byte by byte).
    keys.forEach((k, i) => { if (i % 3 === 0) { assert.equal(map.delete(k), 0n); reference.delete(Buffer.from(k).toString('hex')); } });
    keys.forEach((k, i) => {
      for (let offset = 0; offset < 4; offset++) {
        const at = scratch.start + offset;
        memory.bytes.set(k, at);
        const addr = map.lookupAt(at);
        const want = reference.get(Buffer.from(k).toString('hex'));
        if (want === undefined) assert.equal(addr, 0, `deleted key ${i} found`);
        else assert.equal(memory.view.getBigUint64(addr, true), BigInt(want), `key ${i} at offset ${offset}`);
      }
    });
    assert.equal(map.keys().length, reference.size);
    assert.equal(map.update(keys[1], value(7), BPF_NOEXIST), Errno.EEXIST);
    assert.equal(map.update(keys[0], value(7), BPF_EXIST), Errno.ENOENT);
    map.close();
  }
  // The word path hashes as the byte path does.
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 37);
  assert.equal(hashBytes(bytes, 4, 16), hashBytes(bytes.slice(4), 0, 16));
});
