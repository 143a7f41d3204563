// Map and ring-buffer helpers of the VM (bpf_map_lookup_elem & co.), registered into an engine's
// HelperRegistry. They read keys and values through the checked VM memory and return what the
// kernel's return: a value address or 0, 0 or a negative errno.
import type { HelperContext, HelperRegistry } from './helpers.js';
import { Errno, RingBuffer, VmMaps } from './maps.js';

const bytesAt = (ctx: HelperContext, addr: bigint, size: number): Uint8Array => {
  const a = Number(addr);
  ctx.memory.check(a, size, false);
  return ctx.memory.bytes.subarray(a, a + size);
};

export function registerMapHelpers(registry: HelperRegistry, maps: VmMaps): HelperRegistry {
  const mapOf = (h: bigint) => {
    const m = maps.get(Number(h));
    if (!m) throw new RangeError(`helper called with a handle that is no map (${h})`);
    return m;
  };
  const ringOf = (h: bigint): RingBuffer => {
    const m = mapOf(h);
    if (!(m instanceof RingBuffer)) throw new RangeError(`map '${m.name}' is not a ring buffer`);
    return m;
  };
  /** Ring buffer owning a reservation (searched: submit gets only the record's address). */
  const commit = (addr: bigint, discard: boolean): bigint => {
    for (let h = 1; ; h++) {
      const m = maps.get(h);
      if (!m) break;
      if (m instanceof RingBuffer && m.commit(Number(addr), discard)) return 0n;
    }
    throw new RangeError(`ringbuf_${discard ? 'discard' : 'submit'} of 0x${addr.toString(16)}, which is no reservation`);
  };
  registry.register('map_lookup_elem', (ctx, m, key) => {
    const map = mapOf(m);
    return BigInt(map.lookupAddress(bytesAt(ctx, key, map.keySize)));
  });
  registry.register('map_update_elem', (ctx, m, key, value, flags) => {
    const map = mapOf(m);
    return map.update(bytesAt(ctx, key, map.keySize).slice(), bytesAt(ctx, value, map.valueSize).slice(), Number(flags));
  });
  registry.register('map_delete_elem', (ctx, m, key) => {
    const map = mapOf(m);
    return map.delete(bytesAt(ctx, key, map.keySize).slice());
  });
  // The per-CPU lookup: one CPU, so cpu 0 is the only valid one.
  registry.register('map_lookup_percpu_elem', (ctx, m, key, cpu) => {
    if (cpu !== 0n) return 0n;
    const map = mapOf(m);
    return BigInt(map.lookupAddress(bytesAt(ctx, key, map.keySize)));
  });
  registry.register('ringbuf_output', (ctx, m, data, size) => ringOf(m).output(bytesAt(ctx, data, Number(size))));
  registry.register('ringbuf_reserve', (_ctx, m, size) => BigInt(ringOf(m).reserve(Number(size))));
  registry.register('ringbuf_submit', (_ctx, addr) => { commit(addr, false); return 0n; });
  registry.register('ringbuf_discard', (_ctx, addr) => { commit(addr, true); return 0n; });
  void Errno;
  return registry;
}
