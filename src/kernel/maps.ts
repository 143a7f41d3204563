// BPF maps: MapSpec is plain data (what to create); BpfMap owns the fd of a created map and
// offers the element operations on raw bytes. Typed access is layered on top (codecs.ts).
import { Attr, BpfCmd, Errno, bpf, bpfRaw, closeFd, nrPossibleCpus, syscallError, bpfCmdName } from './sys.js';
import { track, untrack } from './cleanup.js';

import { MapType, mapTypeName, type MapSpec } from './map-spec.js';

export { MapType, mapTypeName } from './map-spec.js';
export type { MapSpec, MapTypeName } from './map-spec.js';

/** Flags of BPF_MAP_UPDATE_ELEM. */
export const UpdateFlags = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;
/** Map creation flags (map_flags). */
export const MapFlags = { NO_PREALLOC: 1 << 0, RDONLY_PROG: 1 << 7, WRONLY_PROG: 1 << 8, MMAPABLE: 1 << 10 } as const;

const ARRAY_LIKE = new Set<number>([MapType.ARRAY, MapType.PERCPU_ARRAY]);
const PER_CPU = new Set<number>([MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH]);


/** Specs for the common shapes, so callers do not have to remember the kernel's rules. */
export const mapSpecs = {
  hash: (name: string, keySize: number, valueSize: number, maxEntries: number): MapSpec => ({ name, type: MapType.HASH, keySize, valueSize, maxEntries }),
  array: (name: string, valueSize: number, maxEntries: number): MapSpec => ({ name, type: MapType.ARRAY, keySize: 4, valueSize, maxEntries }),
  percpuArray: (name: string, valueSize: number, maxEntries: number): MapSpec => ({ name, type: MapType.PERCPU_ARRAY, keySize: 4, valueSize, maxEntries }),
  percpuHash: (name: string, keySize: number, valueSize: number, maxEntries: number): MapSpec => ({ name, type: MapType.PERCPU_HASH, keySize, valueSize, maxEntries }),
  lruHash: (name: string, keySize: number, valueSize: number, maxEntries: number): MapSpec => ({ name, type: MapType.LRU_HASH, keySize, valueSize, maxEntries }),
  /** `size` bytes of ring: a power of two and a multiple of the page size. */
  ringbuf: (name: string, size: number): MapSpec => ({ name, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size }),
  /** One slot per possible CPU, filled with perf event fds by the perf buffer reader. */
  perfEventArray: (name: string): MapSpec => ({ name, type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: nrPossibleCpus() }),
  /** Stack ids -> arrays of `depth` u64 instruction pointers. */
  stackTrace: (name: string, depth: number, maxEntries: number): MapSpec => ({ name, type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * depth, maxEntries }),
};

/** The object name the kernel accepts: up to 15 bytes of [A-Za-z0-9_.]. */
export const objectName = (name: string): string => name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);

const roundUp8 = (n: number): number => (n + 7) & ~7;

/** A created map. Owns its fd: close() it (or rely on the exit cleanup). */
export class BpfMap {
  private _fd: number;
  /** Bytes the kernel reads/writes for one value: per-CPU maps hold round_up(valueSize, 8) per possible CPU. */
  readonly valueBytes: number;
  readonly perCpu: boolean;
  readonly cpus: number;

  private constructor(readonly spec: Readonly<MapSpec>, fd: number) {
    this._fd = fd;
    this.perCpu = PER_CPU.has(spec.type);
    this.cpus = this.perCpu ? nrPossibleCpus() : 1;
    this.valueBytes = this.perCpu ? roundUp8(spec.valueSize) * this.cpus : spec.valueSize;
    track(this);
  }

  /** BPF_MAP_CREATE. */
  static create(spec: MapSpec): BpfMap {
    const attr = new Attr()
      .u32(0, spec.type).u32(4, spec.keySize).u32(8, spec.valueSize).u32(12, spec.maxEntries)
      .u32(16, spec.flags ?? 0)
      .inlineString(28, objectName(spec.name), 16);
    const fd = bpf(BpfCmd.MAP_CREATE, attr, `${mapTypeName(spec.type)} map '${spec.name}'`);
    return new BpfMap(Object.freeze({ ...spec }), fd);
  }

  get fd(): number {
    if (this._fd < 0) throw new Error(`map '${this.spec.name}' is closed`);
    return this._fd;
  }
  get name(): string { return this.spec.name; }
  get closed(): boolean { return this._fd < 0; }

  private checkKey(key: Uint8Array): void {
    if (key.byteLength !== this.spec.keySize) throw new RangeError(`map '${this.name}': key is ${key.byteLength} bytes, expected ${this.spec.keySize}`);
  }

  /** BPF_MAP_LOOKUP_ELEM: the value (all CPUs concatenated for per-CPU maps), or undefined if absent. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const value = new Uint8Array(this.valueBytes);
    const attr = new Attr().u32(0, this.fd).ptr(8, key).ptr(16, value);
    const r = bpfRaw(BpfCmd.MAP_LOOKUP_ELEM, attr);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw syscallError(`${bpfCmdName(BpfCmd.MAP_LOOKUP_ELEM)} (map '${this.name}')`, -r);
    return value;
  }

  /** Per-CPU maps: one value per possible CPU (index = CPU id), or undefined if absent. */
  lookupPerCpu(key: Uint8Array): Uint8Array[] | undefined {
    const all = this.lookup(key);
    return all && this.splitPerCpu(all);
  }

  /** Split a per-CPU value buffer into its per-CPU values. */
  splitPerCpu(all: Uint8Array): Uint8Array[] {
    if (!this.perCpu) return [all];
    const stride = roundUp8(this.spec.valueSize);
    return Array.from({ length: this.cpus }, (_, c) => all.subarray(c * stride, c * stride + this.spec.valueSize));
  }

  /** BPF_MAP_UPDATE_ELEM. Per-CPU maps take one value per CPU, or the whole concatenated buffer. */
  update(key: Uint8Array, value: Uint8Array | Uint8Array[], flags: number = UpdateFlags.ANY): void {
    this.checkKey(key);
    let bytes: Uint8Array;
    if (Array.isArray(value)) {
      if (!this.perCpu) throw new TypeError(`map '${this.name}' is not per-CPU`);
      bytes = new Uint8Array(this.valueBytes);
      const stride = roundUp8(this.spec.valueSize);
      value.forEach((v, c) => bytes.set(v.subarray(0, this.spec.valueSize), c * stride));
    } else if (this.perCpu && value.byteLength === this.spec.valueSize) {
      // One value for every CPU.
      bytes = new Uint8Array(this.valueBytes);
      for (let c = 0; c < this.cpus; c++) bytes.set(value, c * roundUp8(this.spec.valueSize));
    } else {
      if (value.byteLength !== this.valueBytes) throw new RangeError(`map '${this.name}': value is ${value.byteLength} bytes, expected ${this.valueBytes}`);
      bytes = value;
    }
    const attr = new Attr().u32(0, this.fd).ptr(8, key).ptr(16, bytes).u64(24, flags);
    bpf(BpfCmd.MAP_UPDATE_ELEM, attr, `map '${this.name}'`);
  }

  /** BPF_MAP_DELETE_ELEM: true if the key was there. */
  delete(key: Uint8Array): boolean {
    this.checkKey(key);
    const attr = new Attr().u32(0, this.fd).ptr(8, key);
    const r = bpfRaw(BpfCmd.MAP_DELETE_ELEM, attr);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw syscallError(`${bpfCmdName(BpfCmd.MAP_DELETE_ELEM)} (map '${this.name}')`, -r);
    return true;
  }

  /** BPF_MAP_GET_NEXT_KEY: the key after `key` (the first key when `key` is undefined), or undefined at the end. */
  nextKey(key?: Uint8Array): Uint8Array | undefined {
    if (key) this.checkKey(key);
    const next = new Uint8Array(this.spec.keySize);
    const attr = new Attr().u32(0, this.fd).ptr(8, key ?? null).ptr(16, next);
    const r = bpfRaw(BpfCmd.MAP_GET_NEXT_KEY, attr);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw syscallError(`${bpfCmdName(BpfCmd.MAP_GET_NEXT_KEY)} (map '${this.name}')`, -r);
    return next;
  }

  /** Every key, by get_next_key. */
  *keys(): Generator<Uint8Array> {
    for (let k = this.nextKey(); k; k = this.nextKey(k)) yield k;
  }

  /** Every [key, value] by get_next_key + lookup (entries deleted meanwhile are skipped). */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const k of this.keys()) {
      const v = this.lookup(k);
      if (v) yield [k, v];
    }
  }

  /**
   * All entries with BPF_MAP_LOOKUP_BATCH (one syscall per `chunk` entries) where the map type
   * supports it, else by iteration. Values are per-CPU concatenated for per-CPU maps.
   */
  lookupAll(chunk = 256): [Uint8Array, Uint8Array][] {
    const out: [Uint8Array, Uint8Array][] = [];
    const ks = this.spec.keySize;
    // The batch cursor is opaque: hash maps store a bucket index (u32), arrays the last key.
    const tokenSize = Math.max(ks, 8);
    let inBatch: Uint8Array | null = null;
    for (;;) {
      const outBatch = new Uint8Array(tokenSize);
      const keys = new Uint8Array(ks * chunk);
      const values = new Uint8Array(this.valueBytes * chunk);
      const attr = new Attr().ptr(0, inBatch).ptr(8, outBatch).ptr(16, keys).ptr(24, values)
        .u32(32, chunk).u32(36, this.fd);
      const r = bpfRaw(BpfCmd.MAP_LOOKUP_BATCH, attr);
      const n = attr.getU32(32);
      if (r < 0 && r !== -Errno.ENOENT) {
        if (inBatch === null && (r === -Errno.EINVAL || r === -Errno.ENOTSUP || r === -(Errno.ENOTSUPP ?? 524) || r === -524)) {
          return [...this.entries()];
        }
        if (r === -Errno.ENOSPC) { chunk *= 2; continue; } // a bucket larger than the chunk
        throw syscallError(`${bpfCmdName(BpfCmd.MAP_LOOKUP_BATCH)} (map '${this.name}')`, -r);
      }
      for (let i = 0; i < n; i++) {
        out.push([keys.slice(i * ks, (i + 1) * ks), values.slice(i * this.valueBytes, (i + 1) * this.valueBytes)]);
      }
      if (r === -Errno.ENOENT) return out;
      inBatch = outBatch;
    }
  }

  /**
   * Remove every entry (bpftrace's clear()); arrays cannot lose entries, so their values are
   * zeroed instead. Returns the number of keys touched.
   */
  clear(): number {
    const keys = [...this.keys()];
    if (ARRAY_LIKE.has(this.spec.type)) {
      const zero = new Uint8Array(this.valueBytes);
      for (const k of keys) this.update(k, zero);
    } else {
      for (const k of keys) this.delete(k);
    }
    return keys.length;
  }

  close(): void {
    if (this._fd < 0) return;
    closeFd(this._fd);
    this._fd = -1;
    untrack(this);
  }
}

/** Bind `ldMap` references of a program to maps by name (for Program.load). */
export type MapSet = ReadonlyMap<string, BpfMap> | Readonly<Record<string, BpfMap>>;
export function mapByName(maps: MapSet, name: string): BpfMap | undefined {
  return maps instanceof Map ? maps.get(name) : (maps as Record<string, BpfMap>)[name];
}
