// A minimal kernel loader: BPF_PROG_LOAD (with the verifier log) and BPF_PROG_TEST_RUN, through
// koffi's libc syscall(). Written while the kernel layer (src/kernel/programs.ts) was not yet on
// this branch; the JIT's differential test and benchmarks now use src/kernel, and this stays
// only for the tests that still import it (new code: use Program.load / Program.testRun).
import koffi from 'koffi';
import { Instruction } from '../../src/isa/instruction.js';
import { encode } from '../../src/isa/encoding.js';

const libc = koffi.load('libc.so.6');
const SYS_bpf = 321; // x86_64
const syscallBpf = libc.func('long syscall(long nr, int cmd, void *attr, unsigned int size)');
const libcClose = libc.func('int close(int fd)');

const BPF_MAP_CREATE = 0;
const BPF_PROG_LOAD = 5;
const BPF_PROG_TEST_RUN = 10;
const ATTR_SIZE = 144;

export const ProgType = { SOCKET_FILTER: 1, SCHED_CLS: 3, XDP: 6 } as const;
export const MapType = { HASH: 1, ARRAY: 2 } as const;

/** A kernel map (only what the benchmarks need: create and close). */
export class KernelMap {
  private constructor(readonly fd: number) {}
  static create(type: number, keySize: number, valueSize: number, maxEntries: number): KernelMap {
    const attr = new Uint8Array(ATTR_SIZE);
    const v = new DataView(attr.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, keySize, true);
    v.setUint32(8, valueSize, true);
    v.setUint32(12, maxEntries, true);
    const { result, errno } = sys(BPF_MAP_CREATE, attr);
    if (result < 0) throw new Error(`BPF_MAP_CREATE failed (errno ${errno})`);
    return new KernelMap(result);
  }
  close(): void {
    libcClose(this.fd);
  }
}

export class KernelLoadError extends Error {
  constructor(message: string, readonly errno: number, readonly log: string) {
    super(message);
    this.name = 'KernelLoadError';
  }
}

function sys(cmd: number, attr: Uint8Array): { result: number; errno: number } {
  const result = Number(syscallBpf(SYS_bpf, cmd, attr, attr.byteLength));
  return { result, errno: result < 0 ? koffi.errno() : 0 };
}

const address = (data: Uint8Array): bigint => koffi.address(data) as bigint;

export interface TestRunResult {
  retval: number;
  /** Average run time in ns (the kernel's own measurement over `repeat` runs). */
  duration: number;
  dataOut: Uint8Array;
}

/** A program loaded into the kernel; close() releases its fd. */
export class KernelProgram {
  private constructor(readonly fd: number, readonly log: string) {}

  /** Load, or throw KernelLoadError carrying the verifier log. */
  static load(program: readonly Instruction[], type: number, logLevel = 1): KernelProgram {
    const insns = encode(program);
    const license = new TextEncoder().encode('GPL\0');
    const log = new Uint8Array(logLevel > 0 ? 1 << 20 : 1);
    const attr = new Uint8Array(ATTR_SIZE);
    const v = new DataView(attr.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, insns.length / 8, true);
    v.setBigUint64(8, address(insns), true);
    v.setBigUint64(16, address(license), true);
    if (logLevel > 0) { // the kernel wants no buffer at all with log level 0
      v.setUint32(24, logLevel, true);
      v.setUint32(28, log.length, true);
      v.setBigUint64(32, address(log), true);
    }
    const { result, errno } = sys(BPF_PROG_LOAD, attr);
    const text = new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0))));
    if (result < 0) throw new KernelLoadError(`BPF_PROG_LOAD failed (errno ${errno})`, errno, text);
    return new KernelProgram(result, text);
  }

  /** BPF_PROG_TEST_RUN on `data` (the packet), `repeat` times. */
  testRun(data: Uint8Array, repeat = 1, outSize = data.length + 256): TestRunResult {
    const input = data.length ? data : new Uint8Array(1);
    const out = new Uint8Array(outSize);
    const attr = new Uint8Array(ATTR_SIZE);
    const v = new DataView(attr.buffer);
    v.setUint32(0, this.fd, true);
    v.setUint32(8, data.length, true);
    v.setUint32(12, out.length, true);
    v.setBigUint64(16, address(input), true);
    v.setBigUint64(24, address(out), true);
    v.setUint32(32, repeat, true);
    const { result, errno } = sys(BPF_PROG_TEST_RUN, attr);
    if (result < 0) throw new Error(`BPF_PROG_TEST_RUN failed (errno ${errno})`);
    return { retval: v.getUint32(4, true), duration: v.getUint32(36, true), dataOut: out.slice(0, v.getUint32(12, true)) };
  }

  close(): void {
    libcClose(this.fd);
  }
}
