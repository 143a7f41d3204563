// Consumer side of a BPF ring buffer map, read through mmap: the consumer position page (ours,
// writable), then the producer position page and the data pages mapped twice in a row (so a
// record that wraps can be read contiguously). Records have an 8-byte header: a u32 length with
// BUSY (bit 31, not yet committed) and DISCARD (bit 30) flags, and a u32 page offset.
// (Kept small and local to the runtime; the kernel layer's general reader can replace it.)
import type { BpfMap } from '../kernel/maps.js';
import { Closeable, track, untrack } from '../kernel/cleanup.js';
import { FdWatch, Mapping, mmap, pageSize, PROT_READ, PROT_WRITE, watchReadable } from '../kernel/sys.js';

const BUSY = 0x80000000, DISCARD = 0x40000000, HEADER = 8;

export class RingbufConsumer implements Closeable {
  private consumer: Mapping;
  private producer: Mapping;
  private cons: DataView;
  private prod: DataView;
  private data: Uint8Array;
  private mask: bigint;
  private watch: FdWatch | undefined;

  constructor(readonly map: BpfMap) {
    const page = pageSize();
    const size = map.spec.maxEntries;
    this.consumer = mmap(map.fd, page, PROT_READ | PROT_WRITE, 0, 'mmap(ring buffer consumer page)');
    this.producer = mmap(map.fd, page + 2 * size, PROT_READ, page, 'mmap(ring buffer data)');
    this.cons = new DataView(this.consumer.buffer);
    this.prod = new DataView(this.producer.buffer);
    this.data = new Uint8Array(this.producer.buffer, page, 2 * size);
    this.mask = BigInt(size - 1);
    track(this);
  }

  /** Call `onRecord` for every committed record; returns how many were read. */
  drain(onRecord: (record: Uint8Array) => void): number {
    let n = 0;
    let cons = this.cons.getBigUint64(0, true);
    for (;;) {
      const prod = this.prod.getBigUint64(0, true);
      if (cons >= prod) break;
      const at = Number(cons & this.mask);
      const header = new DataView(this.data.buffer, this.data.byteOffset + at, HEADER).getUint32(0, true);
      if (header & BUSY) break;
      const len = header & ~(BUSY | DISCARD);
      if (!(header & DISCARD)) {
        onRecord(this.data.slice(at + HEADER, at + HEADER + len));
        n++;
      }
      cons += BigInt((len + HEADER + 7) & ~7);
      this.cons.setBigUint64(0, cons, true);
    }
    return n;
  }

  /** Drain whenever the kernel signals data (epoll on the map fd). */
  watchReadable(onRecord: (record: Uint8Array) => void): FdWatch {
    this.watch = watchReadable(this.map.fd, () => { this.drain(onRecord); });
    return this.watch;
  }

  close(): void {
    this.watch?.close();
    this.consumer.unmap();
    this.producer.unmap();
    untrack(this);
  }
}
