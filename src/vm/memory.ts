// The userspace runtime's address space: ONE linear WebAssembly.Memory shared by the interpreter
// and the WebAssembly JIT, so a pointer means the same thing to both engines. A pointer held in an
// eBPF register is simply a byte offset into this memory. Everything a program may touch (its
// stack frames, the input/context, packet data, map values, ring-buffer space) is a Region mapped
// here; any access outside a mapped region is an error, never a read of someone else's bytes.
// The first GUARD bytes are never mapped, so NULL and small integers used as pointers fault.

export type RegionKind = 'stack' | 'ctx' | 'packet' | 'map_value' | 'map_key' | 'ringbuf' | 'heap';

export interface Region {
  readonly kind: RegionKind;
  /** First address (offset in the linear memory). */
  readonly start: number;
  readonly size: number;
  readonly writable: boolean;
  /** Who mapped it, for messages ("stack", "map 'counts' value", ...). */
  readonly name: string;
}

const PAGE = 65536;
export const GUARD = PAGE;
const ALIGN = 16;
/**
 * Unmapped bytes left after every region, so that a pointer run past the end of one object
 * faults instead of landing silently inside its neighbour.
 */
export const REGION_GAP = 64;

export class MemoryFault extends Error {
  constructor(message: string, readonly address: number, readonly length: number, readonly write: boolean) {
    super(message);
    this.name = 'MemoryFault';
  }
}

export class VmMemory {
  readonly memory: WebAssembly.Memory;
  private _bytes: Uint8Array;
  private _view: DataView;
  private _words: Int32Array;
  /** Mapped regions sorted by start. */
  private readonly regions: Region[] = [];
  /** Address of the next fresh allocation (bump allocator; freed ranges are reused by size). */
  private top = GUARD;
  private readonly freeList: { start: number; size: number }[] = [];

  constructor(initialPages = 4, readonly maxPages = 16384) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: maxPages });
    this._bytes = new Uint8Array(this.memory.buffer);
    this._view = new DataView(this.memory.buffer);
    this._words = new Int32Array(this.memory.buffer);
  }

  /**
   * Current byte view (re-fetched after growth). Growing detaches the old buffer, which then has
   * byteLength 0: testing that is far cheaper than fetching memory.buffer, an accessor that showed
   * in profiles of helper-heavy scripts.
   */
  get bytes(): Uint8Array {
    if (this._bytes.byteLength === 0) this.refresh();
    return this._bytes;
  }
  get view(): DataView {
    if (this._view.byteLength === 0) this.refresh();
    return this._view;
  }
  /** The memory as little-endian 32-bit words (word i is at address 4i), for aligned bulk reads. */
  get words(): Int32Array {
    if (this._words.byteLength === 0) this.refresh();
    return this._words;
  }
  private refresh(): void {
    this._bytes = new Uint8Array(this.memory.buffer);
    this._view = new DataView(this.memory.buffer);
    this._words = new Int32Array(this.memory.buffer);
  }

  /** Map a zero-filled region of `size` bytes and return it. */
  map(size: number, kind: RegionKind, writable: boolean, name: string = kind): Region {
    return this.mapArray(1, size, kind, writable, () => name)[0];
  }

  /**
   * Map `count` zero-filled regions of `size` bytes each at a fixed stride (size rounded up plus
   * the gap), i.e. region i starts at regions[0].start + i * stride: an array map's values, whose
   * lookup the JIT can then compute instead of calling out. Each is still its own region (an
   * access running past one faults).
   */
  mapArray(count: number, size: number, kind: RegionKind, writable: boolean, name: (i: number) => string): Region[] {
    const stride = Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN) + REGION_GAP;
    const rounded = stride * count;
    let start: number;
    const reuse = this.freeList.findIndex((f) => f.size >= rounded);
    if (reuse >= 0) {
      start = this.freeList[reuse].start;
      this.freeList.splice(reuse, 1);
    } else {
      start = this.top;
      this.top += rounded;
      const needPages = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
      if (needPages > 0) this.memory.grow(needPages);
    }
    this.bytes.fill(0, start, start + rounded - REGION_GAP);
    const made: Region[] = [];
    for (let i = 0; i < count; i++) made.push({ kind, start: start + i * stride, size, writable, name: name(i) });
    const at = this.regions.findIndex((r) => r.start > start);
    // Not splice(at, 0, ...made): an array of a million values would overflow the argument list.
    const tail = at < 0 ? [] : this.regions.splice(at);
    for (const r of made) this.regions.push(r);
    for (const r of tail) this.regions.push(r);
    return made;
  }

  /** The stride mapArray() uses for `size`-byte regions. */
  static strideOf(size: number): number {
    return Math.max(ALIGN, Math.ceil(size / ALIGN) * ALIGN) + REGION_GAP;
  }

  /**
   * How many regions have been unmapped so far: engines that cache a region's bounds (the JIT)
   * compare it before and after calling out to helpers, which may unmap.
   */
  unmapped = 0;

  /** Unmap a region; its addresses fault from now on and its space may be reused. */
  unmap(region: Region): void {
    const i = this.regions.indexOf(region);
    if (i < 0) return;
    this.regions.splice(i, 1);
    this.unmapped++;
    this.last = undefined;
    this.freeList.push({ start: region.start, size: Math.max(ALIGN, Math.ceil(region.size / ALIGN) * ALIGN) + REGION_GAP });
  }

  /** Copy bytes into a region (at `offset` inside it). */
  write(region: Region, data: Uint8Array, offset = 0): void {
    if (offset + data.length > region.size) throw new RangeError(`write of ${data.length} bytes at +${offset} overflows ${region.name} (${region.size} bytes)`);
    this.bytes.set(data, region.start + offset);
  }

  /** A copy of `length` bytes of a region. */
  read(region: Region, offset = 0, length = region.size - offset): Uint8Array {
    return this.bytes.slice(region.start + offset, region.start + offset + length);
  }

  /** The region find() returned last (helpers tend to hit the same one: the stack, a map value). */
  private last: Region | undefined;

  /** The region containing [address, address+length), or undefined. */
  find(address: number, length: number): Region | undefined {
    const l = this.last;
    if (l !== undefined && address >= l.start && address < l.start + l.size && address + length <= l.start + l.size) return l;
    const r = this.search(address, length);
    if (r) this.last = r;
    return r;
  }

  private search(address: number, length: number): Region | undefined {
    const rs = this.regions;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid];
      if (address < r.start) hi = mid - 1;
      else if (address >= r.start + r.size) lo = mid + 1;
      else return address + length <= r.start + r.size ? r : undefined;
    }
    return undefined;
  }

  /** Check an access and return its region, or throw a MemoryFault that says what was wrong. */
  check(address: number, length: number, write: boolean): Region {
    const r = this.find(address, length);
    if (r && (!write || r.writable)) return r;
    const what = write ? 'write' : 'read';
    if (r) throw new MemoryFault(`${what} of ${length} bytes at 0x${address.toString(16)}: ${r.name} is read-only`, address, length, write);
    const near = this.find(address, 1);
    const detail = near ? `runs past the end of ${near.name} (${near.size} bytes at 0x${near.start.toString(16)})` : 'is outside every mapped region';
    throw new MemoryFault(`${what} of ${length} bytes at 0x${address.toString(16)} ${detail}`, address, length, write);
  }

  /** All mapped regions (for the JIT's bounds tables and for debugging). */
  mapped(): readonly Region[] {
    return this.regions;
  }
}
