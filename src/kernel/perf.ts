// perf_event_open(2) attributes and constants (linux/perf_event.h), shared by the links that
// create perf events (tracepoints, uprobes, profile/software events) and the perf buffer reader.
import { Attr, PERF_ATTR_SIZE, closeFd, ioctl, perfEventOpen } from './sys.js';

export const PerfConst = {
  TYPE_HARDWARE: 0, TYPE_SOFTWARE: 1, TYPE_TRACEPOINT: 2, TYPE_HW_CACHE: 3, TYPE_RAW: 4, TYPE_BREAKPOINT: 5,
  COUNT_SW_CPU_CLOCK: 0, COUNT_SW_TASK_CLOCK: 1, COUNT_SW_PAGE_FAULTS: 2, COUNT_SW_CONTEXT_SWITCHES: 3,
  COUNT_SW_CPU_MIGRATIONS: 4, COUNT_SW_PAGE_FAULTS_MIN: 5, COUNT_SW_PAGE_FAULTS_MAJ: 6,
  COUNT_SW_ALIGNMENT_FAULTS: 7, COUNT_SW_EMULATION_FAULTS: 8, COUNT_SW_DUMMY: 9, COUNT_SW_BPF_OUTPUT: 10,
  SAMPLE_RAW: 1 << 10,
  RECORD_LOST: 2, RECORD_SAMPLE: 9,
  IOC_ENABLE: 0x2400, IOC_DISABLE: 0x2401, IOC_SET_BPF: 0x40042408,
} as const;

/** Bits of the flags word at offset 40 of perf_event_attr. */
const FLAG = { disabled: 0, inherit: 1, exclude_user: 4, exclude_kernel: 5, exclude_hv: 6, freq: 10, watermark: 14 } as const;

export interface PerfEventAttrSpec {
  type: number;
  config: bigint | number;
  /** Sample every N events (exclusive with frequency). */
  samplePeriod?: bigint | number;
  /** Sample N times per second (sets the freq bit). */
  sampleFrequency?: number;
  sampleType?: number;
  /** Wake readers every N samples (or, with watermark, every N bytes). */
  wakeupEvents?: number;
  watermark?: boolean;
  disabled?: boolean;
  /** A number, or a buffer whose address is passed (uprobe path, kprobe function name). */
  config1?: bigint | number | Uint8Array;
  config2?: bigint | number;
}

/** A perf_event_attr (PERF_ATTR_SIZE_VER7) as bytes; config1/config2 may carry pointers. */
export function perfEventAttr(spec: PerfEventAttrSpec): Attr {
  const a = new Attr(PERF_ATTR_SIZE).u32(0, spec.type).u32(4, PERF_ATTR_SIZE).u64(8, spec.config);
  let flags = 0n;
  if (spec.sampleFrequency !== undefined) {
    a.u64(16, spec.sampleFrequency);
    flags |= 1n << BigInt(FLAG.freq);
  } else {
    a.u64(16, spec.samplePeriod ?? 0);
  }
  a.u64(24, spec.sampleType ?? 0);
  if (spec.disabled) flags |= 1n << BigInt(FLAG.disabled);
  if (spec.watermark) flags |= 1n << BigInt(FLAG.watermark);
  a.u64(40, flags);
  a.u32(48, spec.wakeupEvents ?? 0);
  if (spec.config1 instanceof Uint8Array) a.ptr(56, spec.config1);
  else a.u64(56, spec.config1 ?? 0);
  a.u64(64, spec.config2 ?? 0);
  return a;
}

/** Open a perf event; pid -1 with a cpu means "every task on that cpu". */
export function openPerfEvent(spec: PerfEventAttrSpec, pid: number, cpu: number, what?: string): number {
  return perfEventOpen(perfEventAttr(spec), pid, cpu, -1, undefined, what);
}

export const enablePerfEvent = (fd: number): void => { ioctl(fd, PerfConst.IOC_ENABLE, 0, 'ioctl(PERF_EVENT_IOC_ENABLE)'); };
export const disablePerfEvent = (fd: number): void => { ioctl(fd, PerfConst.IOC_DISABLE, 0, 'ioctl(PERF_EVENT_IOC_DISABLE)'); };
/** Attach a program to a perf event the old way (for kernels without BPF_LINK_CREATE on perf events). */
export const setPerfEventBpf = (fd: number, progFd: number): void => { ioctl(fd, PerfConst.IOC_SET_BPF, progFd, 'ioctl(PERF_EVENT_IOC_SET_BPF)'); };
export const closePerfEvent = closeFd;
