// Userspace maps for the VM: hash, array, LRU hash and ring buffer (per-CPU variants behave as a
// single CPU). Every value lives in a region of the VM's memory, so map_lookup_elem hands the
// program a real pointer it can load from and store to, exactly as in the kernel. A program
// refers to a map by a small integer handle (what lddw carries in place of a kernel fd).
import type { Instruction } from '../isa/instruction.js';
import { LDDW, PseudoSrc } from '../isa/opcodes.js';
import { Region, VmMemory } from './memory.js';
import type { MapInfo, MapKind } from './verifier/maps-info.js';

export const BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;
/** Negative errno values returned to programs, as the kernel's helpers do. */
export const Errno = { ENOENT: -2n, E2BIG: -7n, EAGAIN: -11n, EFAULT: -14n, EEXIST: -17n, EINVAL: -22n } as const;

export interface MapSpec {
  name: string;
  kind: MapKind;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

const EMPTY_WORDS = new Int32Array(0);
/** Whether `key` equals the key's length in words from word `first` of `w`. */
function sameWords(key: Int32Array, w: Int32Array, first: number): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] !== w[first + i]) return false;
  return true;
}
/** Whether `key` equals the key-length bytes at `at` of `bytes`. */
function sameBytes(key: Uint8Array, bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < key.length; i++) if (key[i] !== bytes[at + i]) return false;
  return true;
}
const keyString = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
/** Keys of at most this many bytes are table keys as Numbers (exact: 6 bytes < 2^53), not strings. */
const NUMERIC_KEY_BYTES = 6;
/** The little-endian value of `size` bytes at `at`, for numeric keys. */
const keyNumber = (bytes: Uint8Array, at: number, size: number): number => {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[at + i];
  return v;
};

export abstract class VmMap implements MapInfo {
  readonly name: string;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  constructor(readonly handle: number, spec: MapSpec, protected readonly memory: VmMemory) {
    this.name = spec.name;
    this.kind = spec.kind;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
  }
  /** Address of the value for `key` (for programs), or 0. */
  abstract lookupAddress(key: Uint8Array): number;
  /** 0 or a negative errno. */
  abstract update(key: Uint8Array, value: Uint8Array, flags?: number): bigint;
  abstract delete(key: Uint8Array): bigint;
  abstract keys(): Uint8Array[];
  /**
   * Address-based variants for the helpers' 32-bit fast path: key and value are addresses the
   * caller has checked (readable for keySize / valueSize bytes); no copies, no BigInt.
   */
  lookupAt(keyAddr: number): number {
    return this.lookupAddress(this.memory.bytes.subarray(keyAddr, keyAddr + this.keySize));
  }
  updateAt(keyAddr: number, valueAddr: number, flags: number): number {
    const b = this.memory.bytes;
    return Number(this.update(b.slice(keyAddr, keyAddr + this.keySize), b.slice(valueAddr, valueAddr + this.valueSize), flags));
  }
  deleteAt(keyAddr: number): number {
    return Number(this.delete(this.memory.bytes.slice(keyAddr, keyAddr + this.keySize)));
  }
  /** A copy of the value for `key`, or undefined. */
  lookup(key: Uint8Array): Uint8Array | undefined {
    const addr = this.lookupAddress(key);
    return addr ? this.memory.bytes.slice(addr, addr + this.valueSize) : undefined;
  }
  entries(): [Uint8Array, Uint8Array][] {
    return this.keys().map((k) => [k, this.lookup(k)!]);
  }
  abstract close(): void;
}

/**
 * A 32-bit hash of a key (FNV-1a over its little-endian 32-bit words, then its tail bytes, with a
 * shift to mix high bits down). Long keys (strings, tuples) are table keys by this Number:
 * turning 128 key bytes into a JS string on every lookup cost more than the rest of a script's
 * event. hashWords gives the same value from word-aligned memory, a quarter of the reads.
 */
export function hashBytes(b: Uint8Array, at: number, size: number): number {
  let h = 0x811c9dc5 ^ size;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    h = Math.imul(h ^ (b[at + i] | (b[at + i + 1] << 8) | (b[at + i + 2] << 16) | (b[at + i + 3] << 24)), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < size; i++) h = Math.imul(h ^ b[at + i], 0x01000193);
  return h >>> 0;
}
function hashWords(w: Int32Array, first: number, size: number): number {
  let h = 0x811c9dc5 ^ size;
  const n = size >> 2;
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ w[first + i], 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}
/** Word views need a little-endian machine (every platform Node runs on in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type HashEntry = { key: Uint8Array; words: Int32Array; region: Region };

/** Hash map; `lru` evicts the least recently used entry instead of failing when full. */
export class HashMap extends VmMap {
  /** Insertion order doubles as recency order for the LRU variant (re-inserted on use). */
  private readonly table = new Map<string | number, HashEntry>();
  /**
   * How keys become table keys: 'number', the key's value (keys of up to 6 bytes); 'hash', a
   * 32-bit hash of the bytes, with keys whose hash another key holds kept in `collided` by their
   * byte string; 'string', the byte string (LRU maps, whose recency order is one Map's order).
   */
  private readonly keying: 'number' | 'hash' | 'string';
  private readonly collided = new Map<string, HashEntry>();
  /** Keys of whole words compare and hash word by word when they lie word-aligned. */
  private readonly wordKeys: boolean;
  /**
   * `hashMask` keeps only some hash bits: tests pass a small one to make keys collide. A map is
   * correct with any mask, only slower.
   */
  constructor(handle: number, spec: MapSpec, memory: VmMemory, private readonly lru: boolean, private readonly hashMask = 0xffffffff) {
    super(handle, spec, memory);
    this.keying = spec.keySize <= NUMERIC_KEY_BYTES ? 'number' : lru ? 'string' : 'hash';
    this.wordKeys = LITTLE_ENDIAN && spec.keySize % 4 === 0;
  }
  private hash(bytes: Uint8Array, at: number): number {
    return (hashBytes(bytes, at, this.keySize) & this.hashMask) >>> 0;
  }
  /** The table key: small keys as a Number (hashing a string costs far more). */
  private keyOf(key: Uint8Array): string | number {
    return this.keying === 'number' ? keyNumber(key, 0, Math.min(key.length, this.keySize)) : keyString(key);
  }
  /** The entry for the key at `at` in `bytes`, for hashed keys. */
  private findHashed(bytes: Uint8Array, at: number): HashEntry | undefined {
    const e = this.table.get(this.hash(bytes, at));
    if (e && sameBytes(e.key, bytes, at)) return e;
    return this.collided.size > 0 ? this.collided.get(keyString(bytes.subarray(at, at + this.keySize))) : undefined;
  }
  /** The same for a key at address `addr` of VM memory: word by word when it is aligned. */
  private findHashedAt(addr: number): HashEntry | undefined {
    if (!this.wordKeys || (addr & 3) !== 0) return this.findHashed(this.memory.bytes, addr);
    const w = this.memory.words;
    const first = addr >> 2;
    const e = this.table.get((hashWords(w, first, this.keySize) & this.hashMask) >>> 0);
    if (e && sameWords(e.words, w, first)) return e;
    return this.collided.size > 0 ? this.collided.get(keyString(this.memory.bytes.subarray(addr, addr + this.keySize))) : undefined;
  }
  lookupAddress(key: Uint8Array): number {
    if (this.keying === 'hash') return this.findHashed(key, 0)?.region.start ?? 0;
    return this.lookupKey(this.keyOf(key));
  }
  private lookupKey(k: string | number): number {
    const e = this.table.get(k);
    if (!e) return 0;
    if (this.lru) { this.table.delete(k); this.table.set(k, e); }
    return e.region.start;
  }
  override lookupAt(keyAddr: number): number {
    if (this.keying === 'hash') return this.findHashedAt(keyAddr)?.region.start ?? 0;
    if (this.keying !== 'number') return super.lookupAt(keyAddr);
    return this.lookupKey(keyNumber(this.memory.bytes, keyAddr, this.keySize));
  }
  override updateAt(keyAddr: number, valueAddr: number, flags: number): number {
    if (this.keying !== 'string' && flags !== BPF_NOEXIST) {
      // An existing entry: copy the value in place (the common case of counters).
      const bytes = this.memory.bytes;
      const e = this.keying === 'hash' ? this.findHashedAt(keyAddr) : this.table.get(keyNumber(bytes, keyAddr, this.keySize));
      if (e) {
        if (flags > BPF_EXIST) return Number(Errno.EINVAL);
        bytes.copyWithin(e.region.start, valueAddr, valueAddr + this.valueSize);
        if (this.lru) { const k = keyNumber(bytes, keyAddr, this.keySize); this.table.delete(k); this.table.set(k, e); }
        return 0;
      }
    }
    return super.updateAt(keyAddr, valueAddr, flags);
  }
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): bigint {
    if (flags > BPF_EXIST) return Errno.EINVAL;
    if (this.keying === 'hash') return this.updateHashed(key, value, flags);
    const k = this.keyOf(key);
    const e = this.table.get(k);
    if (e && flags === BPF_NOEXIST) return Errno.EEXIST;
    if (!e && flags === BPF_EXIST) return Errno.ENOENT;
    if (e) {
      this.memory.write(e.region, value.subarray(0, this.valueSize));
      if (this.lru) { this.table.delete(k); this.table.set(k, e); }
      return 0n;
    }
    if (this.table.size >= this.maxEntries) {
      if (!this.lru) return Errno.E2BIG;
      const [oldest] = this.table.values();
      this.delete(oldest.key);
    }
    const region = this.memory.map(this.valueSize, 'map_value', true, `map '${this.name}' value`);
    this.memory.write(region, value.subarray(0, this.valueSize));
    this.table.set(k, { key: key.slice(0, this.keySize), words: EMPTY_WORDS, region });
    return 0n;
  }
  private updateHashed(key: Uint8Array, value: Uint8Array, flags: number): bigint {
    const e = this.findHashed(key, 0);
    if (e && flags === BPF_NOEXIST) return Errno.EEXIST;
    if (!e && flags === BPF_EXIST) return Errno.ENOENT;
    if (e) {
      this.memory.write(e.region, value.subarray(0, this.valueSize));
      return 0n;
    }
    if (this.table.size + this.collided.size >= this.maxEntries) return Errno.E2BIG;
    const region = this.memory.map(this.valueSize, 'map_value', true, `map '${this.name}' value`);
    this.memory.write(region, value.subarray(0, this.valueSize));
    const copy = key.slice(0, this.keySize);
    const entry = { key: copy, words: new Int32Array(copy.buffer, 0, this.keySize >> 2), region };
    const h = this.hash(key, 0);
    if (this.table.has(h)) this.collided.set(keyString(entry.key), entry);
    else this.table.set(h, entry);
    return 0n;
  }
  delete(key: Uint8Array): bigint {
    if (this.keying === 'hash') {
      const e = this.findHashed(key, 0);
      if (!e) return Errno.ENOENT;
      const h = this.hash(key, 0);
      if (this.table.get(h) === e) this.table.delete(h);
      else this.collided.delete(keyString(e.key));
      this.memory.unmap(e.region);
      return 0n;
    }
    const k = this.keyOf(key);
    const e = this.table.get(k);
    if (!e) return Errno.ENOENT;
    this.table.delete(k);
    this.memory.unmap(e.region);
    return 0n;
  }
  keys(): Uint8Array[] {
    return [...this.table.values(), ...this.collided.values()].map((e) => e.key.slice());
  }
  close(): void {
    for (const e of [...this.table.values(), ...this.collided.values()]) this.memory.unmap(e.region);
    this.table.clear();
    this.collided.clear();
  }
}

/** Array map: every element exists from the start (zeroed); u32 keys index it; no deletion. */
export class ArrayMap extends VmMap {
  private elements: Region[];
  constructor(handle: number, spec: MapSpec, memory: VmMemory) {
    super(handle, spec, memory);
    if (spec.keySize !== 4) throw new RangeError(`array map '${spec.name}' needs 4-byte keys`);
    // At a fixed stride, so value i is at base + i * stride (the JIT computes lookups inline).
    this.elements = memory.mapArray(spec.maxEntries, spec.valueSize, 'map_value', true, (i) => `map '${spec.name}' value [${i}]`);
  }
  /** Where the values lie (ArrayMapLayout), for the JIT; undefined once closed. */
  get layout(): { base: number; stride: number; count: number; valueSize: number; writable: boolean } | undefined {
    if (this.elements.length === 0) return undefined;
    return { base: this.elements[0].start, stride: VmMemory.strideOf(this.valueSize), count: this.elements.length, valueSize: this.valueSize, writable: true };
  }
  override lookupAt(keyAddr: number): number {
    const b = this.memory.bytes;
    const i = (b[keyAddr] | (b[keyAddr + 1] << 8) | (b[keyAddr + 2] << 16) | (b[keyAddr + 3] << 24)) >>> 0;
    return i < this.elements.length ? this.elements[i].start : 0;
  }
  private index(key: Uint8Array): number {
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }
  lookupAddress(key: Uint8Array): number {
    const i = this.index(key);
    return i < this.elements.length ? this.elements[i].start : 0;
  }
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): bigint {
    if (flags > BPF_EXIST) return Errno.EINVAL;
    const i = this.index(key);
    if (i >= this.elements.length) return Errno.E2BIG;
    if (flags === BPF_NOEXIST) return Errno.EEXIST;
    this.memory.write(this.elements[i], value.subarray(0, this.valueSize));
    return 0n;
  }
  delete(): bigint {
    return Errno.EINVAL;
  }
  keys(): Uint8Array[] {
    return this.elements.map((_, i) => { const k = new Uint8Array(4); new DataView(k.buffer).setUint32(0, i, true); return k; });
  }
  /** Address of element 0 (global data: lddw map value). */
  get base(): number {
    return this.elements[0]?.start ?? 0;
  }
  close(): void {
    for (const r of this.elements) this.memory.unmap(r);
    this.elements = [];
  }
}

/**
 * Ring buffer: programs reserve records (regions of the VM memory), fill and submit or discard
 * them, or copy a record in with ringbuf_output. Submitted records wait for the reader in order.
 * The capacity (maxEntries bytes) counts each record with the kernel's 8-byte header, rounded up
 * to 8, so a full buffer drops records as the kernel's does.
 */
export class RingBuffer extends VmMap {
  private readonly pending = new Map<number, Region>();
  private readonly ready: Uint8Array[] = [];
  private used = 0;
  /** Records refused because the buffer was full. */
  dropped = 0;
  private listener: ((record: Uint8Array) => void) | undefined;
  constructor(handle: number, spec: MapSpec, memory: VmMemory) {
    super(handle, { ...spec, keySize: 0, valueSize: 0 }, memory);
  }
  private static cost(size: number): number {
    return 8 + Math.ceil(size / 8) * 8;
  }
  /** Address of a fresh record of `size` bytes, or 0 when full. */
  reserve(size: number): number {
    if (size <= 0 || this.used + RingBuffer.cost(size) > this.maxEntries) { this.dropped++; return 0; }
    const region = this.memory.map(size, 'ringbuf', true, `ring buffer '${this.name}' record`);
    this.used += RingBuffer.cost(size);
    this.pending.set(region.start, region);
    return region.start;
  }
  /** Submit (or discard) a reserved record. False if `addr` is no reservation. */
  commit(addr: number, discard: boolean): boolean {
    const region = this.pending.get(addr);
    if (!region) return false;
    this.pending.delete(addr);
    const data = this.memory.read(region);
    this.memory.unmap(region);
    if (discard) this.used -= RingBuffer.cost(region.size);
    else this.deliver(data);
    return true;
  }
  output(data: Uint8Array): bigint {
    if (this.used + RingBuffer.cost(data.length) > this.maxEntries) { this.dropped++; return Errno.EAGAIN; }
    this.used += RingBuffer.cost(data.length);
    this.deliver(data.slice());
    return 0n;
  }
  private deliver(data: Uint8Array): void {
    if (this.listener) {
      this.used -= RingBuffer.cost(data.length);
      this.listener(data);
    } else this.ready.push(data);
  }
  /** Take every submitted record, oldest first. */
  consume(): Uint8Array[] {
    const out = this.ready.splice(0);
    for (const r of out) this.used -= RingBuffer.cost(r.length);
    return out;
  }
  /** Deliver records to `fn` as they are submitted (and now, for those waiting). */
  onRecord(fn: ((record: Uint8Array) => void) | undefined): void {
    this.listener = fn;
    if (fn) for (const r of this.consume()) fn(r);
  }
  lookupAddress(): number { return 0; }
  update(): bigint { return Errno.EINVAL; }
  delete(): bigint { return Errno.EINVAL; }
  keys(): Uint8Array[] { return []; }
  close(): void {
    for (const r of this.pending.values()) this.memory.unmap(r);
    this.pending.clear();
    this.ready.length = 0;
  }
}

/** The maps of one VM address space, by handle; what the verifier and the engines consult. */
export class VmMaps {
  private readonly byHandle = new Map<number, VmMap>();
  private readonly byName = new Map<string, VmMap>();
  private nextHandle = 1;
  constructor(readonly memory: VmMemory) {}

  create(spec: MapSpec): VmMap {
    if (this.byName.has(spec.name)) throw new RangeError(`map '${spec.name}' exists`);
    if (spec.maxEntries <= 0) throw new RangeError(`map '${spec.name}': max_entries must be positive`);
    const h = this.nextHandle++;
    let map: VmMap;
    switch (spec.kind) {
      case 'hash': case 'percpu_hash': map = new HashMap(h, spec, this.memory, false); break;
      case 'lru_hash': case 'lru_percpu_hash': map = new HashMap(h, spec, this.memory, true); break;
      case 'array': case 'percpu_array': map = new ArrayMap(h, spec, this.memory); break;
      case 'ringbuf': map = new RingBuffer(h, spec, this.memory); break;
    }
    this.byHandle.set(h, map);
    this.byName.set(spec.name, map);
    return map;
  }
  get(handle: number): VmMap | undefined {
    return this.byHandle.get(handle);
  }
  named(name: string): VmMap | undefined {
    return this.byName.get(name);
  }
  /** The verifier's view (VerifierOptions.maps). */
  readonly info = (handle: number): MapInfo | undefined => this.byHandle.get(handle);
  /** Handle for a builder's late-bound map name (bindMaps' fdOf). */
  readonly handleOf = (name: string): number => {
    const m = this.byName.get(name);
    if (!m) throw new RangeError(`no map named '${name}'`);
    return m.handle;
  };
  /** EngineOptions.resolvePseudo: lddw of a map is its handle; of a map value, the address. */
  readonly resolvePseudo = (insn: Instruction): bigint => {
    if (insn.code !== LDDW) throw new RangeError('not an lddw');
    const map = this.byHandle.get(insn.imm);
    if (!map) throw new RangeError(`lddw refers to no map (handle ${insn.imm})`);
    if (insn.src === PseudoSrc.MAP_FD) return BigInt(map.handle);
    if (insn.src === PseudoSrc.MAP_VALUE && map instanceof ArrayMap) return BigInt(map.base) + ((insn.imm64 ?? 0n) >> 32n);
    throw new RangeError(`unsupported lddw pseudo source ${insn.src}`);
  };
  close(): void {
    for (const m of this.byHandle.values()) m.close();
    this.byHandle.clear();
    this.byName.clear();
  }
}
