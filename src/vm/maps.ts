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

const keyString = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');

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

/** Hash map; `lru` evicts the least recently used entry instead of failing when full. */
export class HashMap extends VmMap {
  /** Insertion order doubles as recency order for the LRU variant (re-inserted on use). */
  private readonly table = new Map<string, { key: Uint8Array; region: Region }>();
  constructor(handle: number, spec: MapSpec, memory: VmMemory, private readonly lru: boolean) {
    super(handle, spec, memory);
  }
  lookupAddress(key: Uint8Array): number {
    const k = keyString(key);
    const e = this.table.get(k);
    if (!e) return 0;
    if (this.lru) { this.table.delete(k); this.table.set(k, e); }
    return e.region.start;
  }
  update(key: Uint8Array, value: Uint8Array, flags = BPF_ANY): bigint {
    if (flags > BPF_EXIST) return Errno.EINVAL;
    const k = keyString(key);
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
      const [oldest] = this.table.keys();
      this.delete(Buffer.from(oldest, 'latin1'));
    }
    const region = this.memory.map(this.valueSize, 'map_value', true, `map '${this.name}' value`);
    this.memory.write(region, value.subarray(0, this.valueSize));
    this.table.set(k, { key: key.slice(0, this.keySize), region });
    return 0n;
  }
  delete(key: Uint8Array): bigint {
    const k = keyString(key);
    const e = this.table.get(k);
    if (!e) return Errno.ENOENT;
    this.table.delete(k);
    this.memory.unmap(e.region);
    return 0n;
  }
  keys(): Uint8Array[] {
    return [...this.table.values()].map((e) => e.key.slice());
  }
  close(): void {
    for (const e of this.table.values()) this.memory.unmap(e.region);
    this.table.clear();
  }
}

/** Array map: every element exists from the start (zeroed); u32 keys index it; no deletion. */
export class ArrayMap extends VmMap {
  private readonly elements: Region[] = [];
  constructor(handle: number, spec: MapSpec, memory: VmMemory) {
    super(handle, spec, memory);
    if (spec.keySize !== 4) throw new RangeError(`array map '${spec.name}' needs 4-byte keys`);
    for (let i = 0; i < spec.maxEntries; i++) this.elements.push(memory.map(spec.valueSize, 'map_value', true, `map '${spec.name}' value [${i}]`));
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
    this.elements.length = 0;
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
