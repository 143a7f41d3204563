// BPF ring buffer consumer (BPF_MAP_TYPE_RINGBUF), read in place.
//
// Layout (kernel/bpf/ringbuf.c): page 0 is the consumer page (consumer_pos, u64, writable by us);
// page 1 is the producer page (producer_pos, read-only); then the data area of `size` bytes,
// mapped twice in a row by the kernel so that a record never wraps for the reader. Each record
// starts with an 8-byte header { u32 len (bit 31 BUSY, bit 30 DISCARD); u32 pg_off } and is
// padded to 8 bytes. We hand the callback a Uint8Array view straight into the mapping (no copy),
// valid only during the callback, then advance consumer_pos so the producer can reuse the space.
//
// Drops: the kernel does not count records bpf_ringbuf_output() could not place; the BPF program
// must count them (bpfkit's code generator keeps a per-CPU counter; see codecs.sumPerCpuU64).
import { BpfMap, MapType } from '../maps.js';
import { Mapping, PROT_READ, PROT_WRITE, mmap, pageSize, watchReadable, FdWatch } from '../sys.js';
import { track, untrack } from '../cleanup.js';
import { sumPerCpuU64 } from '../codecs.js';

export interface RingBufOptions {
  /**
   * Where the BPF program counts records bpf_ringbuf_output() could not place: a per-CPU array
   * of u64 (or a plain array) and the key. Makes `lost` exact.
   */
  dropCounter?: { map: BpfMap; key: Uint8Array };
}

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const HDR = 8;

export type RecordCallback = (data: Uint8Array) => void;

export class RingBufReader {
  private consumer: Mapping;
  private producer: Mapping;
  private consumerPos: BigUint64Array;
  private producerPos: BigUint64Array;
  private data: Uint8Array;
  private dataView: DataView;
  private readonly mask: number;
  private watch: FdWatch | undefined;
  private closedFlag = false;
  /** Records delivered so far. */
  received = 0;

  constructor(readonly map: BpfMap, private readonly onRecord: RecordCallback, private readonly options: RingBufOptions = {}) {
    if (map.spec.type !== MapType.RINGBUF) throw new TypeError(`map '${map.name}' is not a ring buffer`);
    const page = pageSize();
    const size = map.spec.maxEntries;
    this.mask = size - 1;
    this.consumer = mmap(map.fd, page, PROT_READ | PROT_WRITE, 0, `mmap(ring buffer '${map.name}' consumer page)`);
    try {
      this.producer = mmap(map.fd, page + 2 * size, PROT_READ, page, `mmap(ring buffer '${map.name}' data)`);
    } catch (e) {
      this.consumer.unmap();
      throw e;
    }
    this.consumerPos = new BigUint64Array(this.consumer.buffer, 0, 1);
    this.producerPos = new BigUint64Array(this.producer.buffer, 0, 1);
    this.data = new Uint8Array(this.producer.buffer, page, 2 * size);
    this.dataView = new DataView(this.producer.buffer, page, 2 * size);
    track(this);
  }

  /** Deliver records from Node's event loop as they arrive. */
  start(): this {
    if (!this.watch && !this.closedFlag) this.watch = watchReadable(this.map.fd, () => this.poll());
    return this;
  }

  /** Do not keep the process alive just for this reader. */
  unref(): this { this.watch?.unref(); return this; }

  /** Consume every complete record now; returns how many were delivered. */
  poll(): number {
    let n = 0;
    // Positions are byte counters that only grow; they stay exact as Numbers up to 2^53.
    let cons = Number(Atomics.load(this.consumerPos, 0));
    let prod = Number(Atomics.load(this.producerPos, 0));
    while (cons < prod && !this.closedFlag) {
      const at = cons & this.mask;
      const len = this.dataView.getUint32(at, true);
      if (len & BUSY) break; // still being written: the next wakeup brings us back
      const size = len & 0x3fffffff; // without the BUSY and DISCARD bits
      cons += (size + HDR + 7) & ~7;
      if (!(len & DISCARD)) {
        n++;
        this.received++;
        this.onRecord(this.data.subarray(at + HDR, at + HDR + size));
        if (this.closedFlag) break; // the callback closed us: the mapping is gone
      }
      Atomics.store(this.consumerPos, 0, BigInt(cons));
      if (cons >= prod) prod = Number(Atomics.load(this.producerPos, 0));
    }
    return n;
  }

  /** Records the program reported as dropped (needs options.dropCounter; 0n without it). */
  get lost(): bigint {
    const c = this.options.dropCounter;
    if (!c) return 0n;
    if (c.map.perCpu) return sumPerCpuU64(c.map, c.key);
    const v = c.map.lookup(c.key);
    return v ? new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true) : 0n;
  }

  get closed(): boolean { return this.closedFlag; }
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.watch?.close();
    this.watch = undefined;
    this.consumer.unmap();
    this.producer.unmap();
    untrack(this);
  }
}
