// Codecs between raw map bytes (Uint8Array) and JavaScript values: u32/u64 (bigint)/structs.
// Kept separate from maps.ts so that output/ can decode map dumps without touching the kernel.
import type { BpfMap } from './maps.js';

export interface Codec<T> {
  /** Encoded size in bytes. */
  readonly size: number;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
function scalar<T>(size: number, set: (d: DataView, v: T) => void, get: (d: DataView) => T): Codec<T> {
  return {
    size,
    encode(v) { const b = new Uint8Array(size); set(dv(b), v); return b; },
    decode(b) { return get(dv(b)); },
  };
}

export const u8: Codec<number> = scalar(1, (d, v) => d.setUint8(0, v), (d) => d.getUint8(0));
export const u16: Codec<number> = scalar(2, (d, v) => d.setUint16(0, v, true), (d) => d.getUint16(0, true));
export const u32: Codec<number> = scalar(4, (d, v) => d.setUint32(0, v >>> 0, true), (d) => d.getUint32(0, true));
export const i32: Codec<number> = scalar(4, (d, v) => d.setInt32(0, v | 0, true), (d) => d.getInt32(0, true));
export const u64: Codec<bigint> = scalar(8, (d, v) => d.setBigUint64(0, BigInt.asUintN(64, v), true), (d) => d.getBigUint64(0, true));
export const i64: Codec<bigint> = scalar(8, (d, v) => d.setBigInt64(0, BigInt.asIntN(64, v), true), (d) => d.getBigInt64(0, true));

/** Raw bytes of a fixed size. */
export const bytes = (size: number): Codec<Uint8Array> => ({
  size,
  encode(v) { const b = new Uint8Array(size); b.set(v.subarray(0, size)); return b; },
  decode(b) { return b.slice(0, size); },
});

/** A NUL-padded string in `size` bytes (like char comm[16]). */
export const cstring = (size: number): Codec<string> => ({
  size,
  encode(v) { const b = new Uint8Array(size); b.set(Buffer.from(v, 'utf8').subarray(0, size)); return b; },
  decode(b) { const end = b.indexOf(0); return Buffer.from(b.subarray(0, end < 0 ? b.length : end)).toString('utf8'); },
});

export interface FieldSpec { name: string; codec: Codec<any>; offset?: number }
/**
 * A C struct: fields at explicit offsets, or laid out in order with natural alignment
 * (alignment = min(size, 8)) when offsets are omitted; total size padded to the largest alignment.
 */
export function struct<T extends Record<string, unknown>>(fields: FieldSpec[], totalSize?: number): Codec<T> {
  let at = 0, maxAlign = 1;
  const placed = fields.map((f) => {
    const align = Math.min(8, f.codec.size & -f.codec.size || 1);
    maxAlign = Math.max(maxAlign, align);
    const offset = f.offset ?? ((at + align - 1) & ~(align - 1));
    at = offset + f.codec.size;
    return { ...f, offset };
  });
  const size = totalSize ?? ((at + maxAlign - 1) & ~(maxAlign - 1));
  return {
    size,
    encode(v) {
      const b = new Uint8Array(size);
      for (const f of placed) b.set(f.codec.encode(v[f.name]), f.offset);
      return b;
    },
    decode(b) {
      const o: Record<string, unknown> = {};
      for (const f of placed) o[f.name] = f.codec.decode(b.subarray(f.offset, f.offset + f.codec.size));
      return o as T;
    },
  };
}

/** A map viewed through codecs: get/set/delete/entries on JavaScript values. */
export class TypedMap<K, V> {
  constructor(readonly map: BpfMap, readonly key: Codec<K>, readonly value: Codec<V>) {}
  get(k: K): V | undefined {
    const v = this.map.lookup(this.key.encode(k));
    return v && this.value.decode(v);
  }
  /** Per-CPU maps: one decoded value per possible CPU. */
  getPerCpu(k: K): V[] | undefined {
    return this.map.lookupPerCpu(this.key.encode(k))?.map((b) => this.value.decode(b));
  }
  set(k: K, v: V, flags?: number): void { this.map.update(this.key.encode(k), this.value.encode(v), flags); }
  delete(k: K): boolean { return this.map.delete(this.key.encode(k)); }
  *entries(): Generator<[K, V]> {
    for (const [k, v] of this.map.entries()) yield [this.key.decode(k), this.value.decode(v)];
  }
}

/** Sum a per-CPU u64 counter (the usual shape of a drop or event counter). */
export function sumPerCpuU64(map: BpfMap, key: Uint8Array): bigint {
  return (map.lookupPerCpu(key) ?? []).reduce((s, b) => s + u64.decode(b), 0n);
}

/** A stack-trace map value: the instruction pointers, innermost first, up to the first zero. */
export function stackAddresses(value: Uint8Array): bigint[] {
  const d = dv(value);
  const out: bigint[] = [];
  for (let at = 0; at + 8 <= value.byteLength; at += 8) {
    const ip = d.getBigUint64(at, true);
    if (ip === 0n) break;
    out.push(ip);
  }
  return out;
}
