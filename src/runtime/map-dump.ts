// Reading a script's @maps out of the kernel into output/value.ts MapDumps: per-CPU aggregates
// are combined here (sums added, min/max chosen among CPUs that set a value), histogram entries
// (one per key and bucket) are regrouped into one bucket array per key.
import type { BpfMap } from '../kernel/maps.js';
import { ScriptMap } from '../ir/maps.js';
import { Aggregate, MapDump, MapEntry, Value, MapValue } from '../output/value.js';
import { decodeValue, DecodeContext } from './decode.js';
import { keyText } from '../output/format-value.js';

const u64 = (b: Uint8Array, off: number): bigint => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);
const s64 = (b: Uint8Array, off: number): bigint => new DataView(b.buffer, b.byteOffset, b.byteLength).getBigInt64(off, true);

export function decodeKey(m: ScriptMap, key: Uint8Array, ctx: DecodeContext): Value[] {
  return m.keyTypes.map((t, i) => decodeValue(t, key, m.keyOffsets[i], ctx));
}

/** What dumpMap reads: a kernel BpfMap, or a VM map (one value per key, as one CPU). */
export type MapEntries = Pick<BpfMap, 'lookupAll' | 'splitPerCpu'>;

export function dumpMap(m: ScriptMap, map: MapEntries, ctx: DecodeContext): MapDump {
  const entries: MapEntry[] = [];
  const raw = map.lookupAll();
  if (m.kind === 'value') {
    for (const [k, v] of raw) entries.push({ key: decodeKey(m, k, ctx), value: decodeValue(m.valueType, v, 0, ctx, true) });
    return { name: m.name, kind: 'value', entries };
  }
  if (m.kind === 'hist' || m.kind === 'lhist') {
    const groups = new Map<string, { key: Value[]; buckets: bigint[] }>();
    for (const [k, v] of raw) {
      const key = decodeKey(m, k, ctx);
      const id = keyText(key);
      const g = groups.get(id) ?? groups.set(id, { key, buckets: [] }).get(id)!;
      const slot = Number(u64(k, m.keySize));
      while (g.buckets.length <= slot) g.buckets.push(0n);
      g.buckets[slot] += map.splitPerCpu(v).reduce((a, c) => a + u64(c, 0), 0n);
    }
    for (const g of groups.values()) {
      const value: Aggregate = m.kind === 'hist'
        ? { kind: 'hist', bits: Number(m.params[0] ?? 0n), buckets: g.buckets }
        : { kind: 'lhist', min: m.params[0], max: m.params[1], step: m.params[2], buckets: padTo(g.buckets, Number((m.params[1] - m.params[0]) / m.params[2]) + 2) };
      entries.push({ key: g.key, value });
    }
    return { name: m.name, kind: m.kind, entries };
  }
  for (const [k, v] of raw) {
    const cpus = map.splitPerCpu(v);
    entries.push({ key: decodeKey(m, k, ctx), value: combine(m, cpus) });
  }
  return { name: m.name, kind: m.kind as MapDump['kind'], entries };
}

function padTo(b: bigint[], n: number): bigint[] {
  while (b.length < n) b.push(0n);
  return b;
}

function combine(m: ScriptMap, cpus: Uint8Array[]): MapValue {
  const read = m.signed ? s64 : u64;
  switch (m.kind) {
    case 'count': return { kind: 'count', value: cpus.reduce((a, c) => a + u64(c, 0), 0n) };
    case 'sum': return { kind: 'sum', value: cpus.reduce((a, c) => a + read(c, 0), 0n), signed: m.signed };
    case 'avg': case 'stats':
      return { kind: m.kind, sum: cpus.reduce((a, c) => a + read(c, 0), 0n), count: cpus.reduce((a, c) => a + u64(c, 8), 0n), signed: m.signed };
    case 'min': case 'max': {
      let best: bigint | undefined;
      for (const c of cpus) {
        if (u64(c, 8) === 0n) continue;
        const v = read(c, 0);
        if (best === undefined || (m.kind === 'min' ? v < best : v > best)) best = v;
      }
      return { kind: m.kind, value: best ?? 0n, signed: m.signed };
    }
    default: return { kind: 'int', value: 0n, signed: false, bits: 64 };
  }
}
