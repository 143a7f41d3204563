// The system-call layer: koffi bindings to libc's syscall(), ioctl, mmap/munmap, close and the
// event-loop hook, plus errno -> typed errors. Nothing above src/kernel/ calls the OS directly;
// everything in src/kernel/ goes through here.
//
// Attributes (union bpf_attr, struct perf_event_attr) are built as byte buffers with DataView at
// the offsets of /usr/include/linux/bpf.h and perf_event.h (test/kernel/layout.test.ts compiles a
// C program against those headers and checks every offset used here). Pointers inside attributes
// are the addresses of Uint8Arrays (koffi.address), which V8 never moves; the caller keeps the
// arrays referenced for the duration of the call.
//
// Waiting on fds: koffi.node.poll() registers an fd with libuv's own poller (epoll underneath), so
// ring buffers and perf buffers are read from a callback on Node's event loop with no thread, no
// busy loop and no timer. Ring-buffer map fds and perf-event fds both support poll(). (The
// alternatives were worse: a blocking epoll_wait in a koffi async call ties up a libuv worker
// thread per reader and needs a wake-up fd to stop; a poll timer adds latency and idle wakeups,
// so it is only the fallback.)
import { readFileSync } from 'node:fs';
import { UserError } from '../diagnostics.js';
import { errnoName, koffi, libc } from './native.js';

// x86_64 system call numbers. syscall() is variadic in libc; on x86_64 the variadic and fixed
// calling conventions agree for integer and pointer arguments, so fixed prototypes are safe and
// avoid koffi's slower variadic path.
const SYS_bpf = 321;
const SYS_perf_event_open = 298;
if (process.arch !== 'x64') {
  // Other architectures need other numbers; fail loudly rather than call the wrong syscall.
  throw new Error(`bpfkit's kernel layer supports x86_64 only (this is ${process.arch})`);
}

const syscallBpf = libc.func('long syscall(long nr, int cmd, void *attr, unsigned int size)');
const syscallPerfEventOpen = libc.func('long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)');
const libcIoctl = libc.func('int ioctl(int fd, unsigned long request, uintptr_t arg)');
const libcClose = libc.func('int close(int fd)');
const libcMmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)');
const libcMunmap = libc.func('int munmap(void *addr, size_t length)');
const libcSysconf = libc.func('long sysconf(int name)');

export { errnoName } from './native.js';

let libcStrerror: ((errnum: number) => string) | undefined;
/**
 * libc's message for an errno ("No such file or directory"): the text C programs such as
 * bpftrace print, which Node's own messages (libuv's, lower case and worded differently) are not.
 * Bound on first use: only error paths need it.
 */
export function strerror(errno: number): string {
  libcStrerror ??= libc.func('const char *strerror(int errnum)') as (errnum: number) => string;
  return libcStrerror(errno);
}

export const Errno = koffi.os.errno as Record<string, number>;

/** bpf() commands (enum bpf_cmd). */
export const BpfCmd = {
  MAP_CREATE: 0, MAP_LOOKUP_ELEM: 1, MAP_UPDATE_ELEM: 2, MAP_DELETE_ELEM: 3, MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5, OBJ_PIN: 6, OBJ_GET: 7, PROG_ATTACH: 8, PROG_DETACH: 9, PROG_TEST_RUN: 10,
  PROG_GET_NEXT_ID: 11, MAP_GET_NEXT_ID: 12, PROG_GET_FD_BY_ID: 13, MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15, PROG_QUERY: 16, RAW_TRACEPOINT_OPEN: 17, BTF_LOAD: 18, BTF_GET_FD_BY_ID: 19,
  TASK_FD_QUERY: 20, MAP_LOOKUP_AND_DELETE_ELEM: 21, MAP_FREEZE: 22, BTF_GET_NEXT_ID: 23,
  MAP_LOOKUP_BATCH: 24, MAP_LOOKUP_AND_DELETE_BATCH: 25, MAP_UPDATE_BATCH: 26, MAP_DELETE_BATCH: 27,
  LINK_CREATE: 28, LINK_UPDATE: 29, LINK_GET_FD_BY_ID: 30, LINK_GET_NEXT_ID: 31, ENABLE_STATS: 32,
  ITER_CREATE: 33, LINK_DETACH: 34, PROG_BIND_MAP: 35,
} as const;
const BPF_CMD_NAMES = new Map<number, string>(Object.entries(BpfCmd).map(([k, v]) => [v, `BPF_${k}`]));
export const bpfCmdName = (cmd: number): string => BPF_CMD_NAMES.get(cmd) ?? `bpf command ${cmd}`;

/** Size of union bpf_attr we pass (the uapi headers' sizeof; the kernel zero-extends or checks the tail). */
export const BPF_ATTR_SIZE = 144;
/** sizeof(struct perf_event_attr), PERF_ATTR_SIZE_VER7. */
export const PERF_ATTR_SIZE = 128;

// ---------------------------------------------------------------------------------------------
// Errors

/** A bpf()/perf_event_open()/ioctl() failure that is not a missing privilege. */
export class BpfSyscallError extends Error {
  constructor(readonly command: string, readonly errno: number, detail?: string) {
    super(`${command} failed: ${errnoName(errno)} (${errno})${detail ? `: ${detail}` : ''}`);
    this.name = 'BpfSyscallError';
  }
  get code(): string { return errnoName(this.errno); }
}

/** The process lacks the capabilities the kernel asks for (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN). */
export class PermissionError extends UserError {
  constructor(message: string, readonly command: string, readonly errno: number) {
    super(message);
    this.name = 'PermissionError';
  }
}

const CAP_SYS_ADMIN = 21n, CAP_PERFMON = 38n, CAP_BPF = 39n;
let capEff: bigint | undefined;
/** The effective capability set of this process (from /proc/self/status). */
export function effectiveCapabilities(): bigint {
  if (capEff === undefined) {
    const m = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    capEff = m ? BigInt(`0x${m[1]}`) : 0n;
  }
  return capEff;
}
const hasCap = (cap: bigint): boolean => ((effectiveCapabilities() >> cap) & 1n) === 1n;
/** True when the kernel would let this process use bpf() for tracing (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN). */
export const canTrace = (): boolean => hasCap(CAP_SYS_ADMIN) || (hasCap(CAP_BPF) && hasCap(CAP_PERFMON));

/**
 * Turn a failed call into a typed error. EPERM/EACCES while capabilities are missing is a
 * PermissionError (the user's situation, explained in one line); everything else, including
 * EPERM with the capabilities present (lockdown, a refused program type), is a BpfSyscallError.
 */
export function syscallError(command: string, errno: number, detail?: string): Error {
  if ((errno === Errno.EPERM || errno === Errno.EACCES) && !canTrace()) {
    const need = command.startsWith('perf_event_open') ? 'CAP_PERFMON (or CAP_SYS_ADMIN)' : 'CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)';
    return new PermissionError(`${command} was refused (${errnoName(errno)}): bpfkit needs ${need}; run it as root (sudo) or grant those capabilities`, command, errno);
  }
  return new BpfSyscallError(command, errno, detail);
}

// ---------------------------------------------------------------------------------------------
// Attribute buffers

/** A zeroed attribute buffer with little-endian field writers at byte offsets. */
export class Attr {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Arrays whose addresses were written into this attribute: kept alive until the call returns. */
  private readonly pinned: Uint8Array[] = [];
  constructor(size = BPF_ATTR_SIZE) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(off: number, v: number): this { this.view.setUint16(off, v, true); return this; }
  u32(off: number, v: number): this { this.view.setUint32(off, v >>> 0, true); return this; }
  u64(off: number, v: bigint | number): this { this.view.setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true); return this; }
  /** Write the address of `data` (or 0 for null) as an __aligned_u64. */
  ptr(off: number, data: Uint8Array | null | undefined): this {
    if (!data || data.byteLength === 0) return this.u64(off, 0n);
    this.pinned.push(data);
    return this.u64(off, addressOf(data));
  }
  /** Write a NUL-terminated string of at most `max` bytes (including the NUL) inline. */
  inlineString(off: number, s: string, max: number): this {
    const b = Buffer.from(s, 'utf8').subarray(0, max - 1);
    this.bytes.set(b, off);
    return this;
  }
  /**
   * Called after the system call: referencing the attribute here keeps it, and so every array
   * whose address it holds, reachable until the kernel has read them.
   */
  settle(): void { this.pinned.length = 0; }
  getU32(off: number): number { return this.view.getUint32(off, true); }
  getU64(off: number): bigint { return this.view.getBigUint64(off, true); }
}

/** The address of a typed array's first byte. Zero-length arrays have no stable address: use null. */
export function addressOf(data: Uint8Array): bigint {
  return koffi.address(data) as bigint;
}

/** A NUL-terminated C string in a fresh buffer. */
export const cString = (s: string): Uint8Array => {
  const b = Buffer.from(s + '\0', 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

// ---------------------------------------------------------------------------------------------
// System calls

/** bpf(cmd, attr, size). Returns the (non-negative) result or throws a typed error. */
export function bpf(cmd: number, attr: Attr, what?: string): number {
  const r = Number(syscallBpf(SYS_bpf, cmd, attr.bytes, attr.bytes.byteLength));
  const errno = r < 0 ? koffi.errno() : 0;
  attr.settle();
  if (r < 0) throw syscallError(what ? `${bpfCmdName(cmd)} (${what})` : bpfCmdName(cmd), errno);
  return r;
}

/** bpf() returning -errno instead of throwing, for callers that branch on errno (ENOENT, ENOSPC). */
export function bpfRaw(cmd: number, attr: Attr): number {
  const r = Number(syscallBpf(SYS_bpf, cmd, attr.bytes, attr.bytes.byteLength));
  const result = r < 0 ? -koffi.errno() : r;
  attr.settle();
  return result;
}

export const PERF_FLAG_FD_CLOEXEC = 8;

/** perf_event_open(attr, pid, cpu, group_fd, flags) -> fd. */
export function perfEventOpen(attr: Attr, pid: number, cpu: number, groupFd = -1, flags = PERF_FLAG_FD_CLOEXEC, what?: string): number {
  const r = Number(syscallPerfEventOpen(SYS_perf_event_open, attr.bytes, pid, cpu, groupFd, flags));
  const errno = r < 0 ? koffi.errno() : 0;
  attr.settle();
  if (r < 0) throw syscallError(`perf_event_open${what ? ` (${what})` : ''}`, errno);
  return r;
}

/** ioctl(fd, request, arg) with an integer argument. */
export function ioctl(fd: number, request: number, arg: number | bigint = 0, what = 'ioctl'): number {
  const r = libcIoctl(fd, request, typeof arg === 'bigint' ? arg : BigInt(arg)) as number;
  if (r < 0) throw syscallError(what, koffi.errno());
  return r;
}

/** close(fd); errors are ignored (there is nothing useful to do about them at close time). */
export function closeFd(fd: number): void {
  if (fd >= 0) libcClose(fd);
}

export const PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;

/** A shared mapping of a kernel object (ring buffer, perf buffer). */
export class Mapping {
  private ptr: unknown;
  /** The mapped bytes. Invalid (and detached from use) after unmap(): never keep views past close. */
  readonly buffer: ArrayBuffer;
  constructor(ptr: unknown, readonly length: number) {
    this.ptr = ptr;
    this.buffer = koffi.view(ptr, length);
  }
  get mapped(): boolean { return this.ptr !== null; }
  unmap(): void {
    if (this.ptr === null) return;
    libcMunmap(this.ptr, this.length);
    this.ptr = null;
  }
}

/** mmap(NULL, length, prot, MAP_SHARED, fd, offset). */
export function mmap(fd: number, length: number, prot: number, offset: number, what = 'mmap'): Mapping {
  const p = libcMmap(null, length, prot, MAP_SHARED, fd, offset);
  const addr = p === null ? 0n : (koffi.address(p) as bigint);
  if (p === null || addr === 0xffffffffffffffffn) throw syscallError(what, koffi.errno());
  return new Mapping(p, length);
}

let pageSizeCache = 0;
/** The system page size (sysconf(_SC_PAGESIZE)). */
export function pageSize(): number {
  if (!pageSizeCache) pageSizeCache = Number(libcSysconf(30 /* _SC_PAGESIZE */));
  return pageSizeCache;
}

/** Parse a CPU list such as "0-3,5" (the format of /sys/devices/system/cpu/possible). */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}
let possible: number[] | undefined, online: number[] | undefined;
/** CPUs the kernel may ever bring up: per-CPU maps hold one value for each. */
export const possibleCpus = (): number[] => (possible ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8')));
/** CPUs online now: perf events are opened on these. */
export const onlineCpus = (): number[] => (online ??= parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8')));
/** Number of possible CPUs (highest possible id + 1), the per-CPU value count. */
export const nrPossibleCpus = (): number => Math.max(...possibleCpus()) + 1;

// ---------------------------------------------------------------------------------------------
// Event loop

export interface FdWatch {
  /** Stop watching; safe to call twice. */
  close(): void;
  /** Do not keep the process alive for this watch alone. */
  unref(): void;
  ref(): void;
}

/**
 * Call `onReadable` on Node's event loop whenever `fd` is readable (libuv uv_poll via koffi, i.e.
 * epoll underneath: no thread and no polling timer). The callback must drain what it can.
 */
export function watchReadable(fd: number, onReadable: () => void): FdWatch {
  const poll = (koffi as unknown as { node?: { poll?: typeof koffi.node.poll } }).node?.poll;
  if (typeof poll !== 'function') return watchByTimer(onReadable);
  const handle = poll(fd, { readable: true }, () => onReadable());
  let open = true;
  return {
    close() { if (open) { open = false; handle.close(); } },
    unref() { handle.unref(); },
    ref() { handle.ref(); },
  };
}

/**
 * Fallback for a koffi without node.poll (an undocumented API that may change): look every
 * 10 ms. Costs latency, not correctness, as readers drain whatever is there.
 */
function watchByTimer(onReadable: () => void): FdWatch {
  let timer: NodeJS.Timeout | undefined = setInterval(onReadable, 10);
  return {
    close() { if (timer) { clearInterval(timer); timer = undefined; } },
    unref() { timer?.unref(); },
    ref() { timer?.ref(); },
  };
}
