// Perf event array reader (BPF_MAP_TYPE_PERF_EVENT_ARRAY + bpf_perf_event_output()).
//
// For every online CPU we open a PERF_COUNT_SW_BPF_OUTPUT event with PERF_SAMPLE_RAW, mmap
// 1 + 2^n pages (the perf_event_mmap_page header, then the ring), and store the event fd in the
// map at that CPU's index. Records are { perf_event_header { u32 type; u16 misc; u16 size } ... }.
// PERF_RECORD_SAMPLE carries { u32 size; u8 data[size] } (the program's bytes, padded);
// PERF_RECORD_LOST carries { u64 id; u64 lost }: the kernel's exact count of samples it dropped
// because the ring was full, which we add up. Unlike the BPF ring buffer, the perf ring does wrap:
// a record crossing the end is copied into a scratch buffer before it is handed over.
import { BpfMap, MapType } from '../maps.js';
import { Mapping, PROT_READ, PROT_WRITE, mmap, onlineCpus, pageSize, watchReadable, FdWatch, closeFd } from '../sys.js';
import { openPerfEvent, enablePerfEvent, PerfConst } from '../perf.js';
import { track, untrack } from '../cleanup.js';
import { u32 } from '../codecs.js';

export interface PerfBufOptions {
  /** Data pages per CPU, a power of two (default 64 = 256 KiB with 4 KiB pages). */
  pagesPerCpu?: number;
  /** Wake the reader after this many samples (default 1: lowest latency). */
  wakeupEvents?: number;
  onSample: (data: Uint8Array, cpu: number) => void;
  /** Called with the number of samples the kernel dropped on `cpu`. */
  onLost?: (count: number, cpu: number) => void;
}

interface CpuRing {
  cpu: number;
  fd: number;
  mapping: Mapping;
  head: BigUint64Array;
  tail: BigUint64Array;
  data: Uint8Array;
  view: DataView;
  size: number;
  watch?: FdWatch;
}

export class PerfBufReader {
  private rings: CpuRing[] = [];
  private closedFlag = false;
  private scratch = new Uint8Array(256);
  /** Samples delivered so far. */
  received = 0;
  /** Samples the kernel reported lost (PERF_RECORD_LOST), exactly. */
  lost = 0;

  constructor(readonly map: BpfMap, private readonly options: PerfBufOptions) {
    if (map.spec.type !== MapType.PERF_EVENT_ARRAY) throw new TypeError(`map '${map.name}' is not a perf event array`);
    const pages = options.pagesPerCpu ?? 64;
    if (pages & (pages - 1)) throw new RangeError('pagesPerCpu must be a power of two');
    const page = pageSize();
    try {
      for (const cpu of onlineCpus()) {
        if (cpu >= map.spec.maxEntries) continue;
        const fd = openPerfEvent({
          type: PerfConst.TYPE_SOFTWARE, config: PerfConst.COUNT_SW_BPF_OUTPUT, sampleType: PerfConst.SAMPLE_RAW,
          samplePeriod: 1, wakeupEvents: options.wakeupEvents ?? 1, disabled: true,
        }, -1, cpu, `perf buffer for map '${map.name}' on CPU ${cpu}`);
        let mapping: Mapping;
        try {
          mapping = mmap(fd, (pages + 1) * page, PROT_READ | PROT_WRITE, 0, `mmap(perf buffer, CPU ${cpu})`);
        } catch (e) {
          closeFd(fd);
          throw e;
        }
        const meta = new DataView(mapping.buffer, 0, page);
        const dataOffset = Number(meta.getBigUint64(1040, true)) || page;
        const dataSize = Number(meta.getBigUint64(1048, true)) || pages * page;
        this.rings.push({
          cpu, fd, mapping,
          head: new BigUint64Array(mapping.buffer, 1024, 1), tail: new BigUint64Array(mapping.buffer, 1032, 1),
          data: new Uint8Array(mapping.buffer, dataOffset, dataSize), view: new DataView(mapping.buffer, dataOffset, dataSize), size: dataSize,
        });
        map.update(u32.encode(cpu), u32.encode(fd));
        enablePerfEvent(fd);
      }
    } catch (e) {
      this.release();
      throw e;
    }
    track(this);
  }

  /** Deliver samples from Node's event loop as they arrive. */
  start(): this {
    for (const r of this.rings) if (!r.watch) r.watch = watchReadable(r.fd, () => this.pollRing(r));
    return this;
  }
  unref(): this { for (const r of this.rings) r.watch?.unref(); return this; }

  /** Drain every CPU now; returns the number of samples delivered. */
  poll(): number {
    let n = 0;
    for (const r of this.rings) n += this.pollRing(r);
    return n;
  }

  private record(r: CpuRing, at: number, len: number): Uint8Array {
    const start = at % r.size;
    if (start + len <= r.size) return r.data.subarray(start, start + len);
    if (this.scratch.length < len) this.scratch = new Uint8Array(len * 2);
    const first = r.size - start;
    this.scratch.set(r.data.subarray(start), 0);
    this.scratch.set(r.data.subarray(0, len - first), first);
    return this.scratch.subarray(0, len);
  }

  private pollRing(r: CpuRing): number {
    if (this.closedFlag) return 0;
    let n = 0;
    let tail = Number(Atomics.load(r.tail, 0));
    const head = Number(Atomics.load(r.head, 0)); // acquire: records before head are complete
    while (tail < head) {
      const hdr = this.record(r, tail, 8);
      const hv = new DataView(hdr.buffer, hdr.byteOffset, 8);
      const type = hv.getUint32(0, true);
      const size = hv.getUint16(6, true);
      const body = this.record(r, tail + 8, size - 8);
      const bv = new DataView(body.buffer, body.byteOffset, body.byteLength);
      if (type === PerfConst.RECORD_SAMPLE) {
        const rawSize = bv.getUint32(0, true);
        n++;
        this.received++;
        this.options.onSample(body.subarray(4, 4 + rawSize), r.cpu);
        if (this.closedFlag) return n;
      } else if (type === PerfConst.RECORD_LOST) {
        const count = Number(bv.getBigUint64(8, true));
        this.lost += count;
        this.options.onLost?.(count, r.cpu);
        if (this.closedFlag) return n;
      }
      tail += size;
      Atomics.store(r.tail, 0, BigInt(tail)); // release the space to the kernel
    }
    return n;
  }

  private release(): void {
    for (const r of this.rings) {
      r.watch?.close();
      r.mapping.unmap();
      closeFd(r.fd);
    }
    this.rings = [];
  }

  get closed(): boolean { return this.closedFlag; }
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const r of this.rings) {
      try { this.map.delete(u32.encode(r.cpu)); } catch { /* map already closed */ }
    }
    this.release();
    untrack(this);
  }
}
