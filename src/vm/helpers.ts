// Helper functions of the userspace VM, keyed by the kernel's ids (src/isa/helpers.ts), so one
// program runs unchanged in the kernel and here. A helper takes r1-r5 as u64 bigints and returns
// r0; pointers are addresses in the VM's linear memory (src/vm/memory.ts), to be checked through
// `ctx.memory` before use. The calling convention is the same for the interpreter and the JIT
// (WebAssembly i64 <-> bigint), so a helper is written once. Other areas register more (maps,
// ring buffers, probes) with `registry.register(...)`.
import { readFileSync } from 'node:fs';
import { Helper, HelperName } from '../isa/helpers.js';
import { Region, VmMemory } from './memory.js';

export interface HelperContext {
  readonly memory: VmMemory;
  /** The region the program was started with (its context or packet), if any. */
  readonly input: Region | undefined;
  /** Where trace_printk output goes. */
  trace(line: string): void;
}

export type HelperFunction = (ctx: HelperContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/**
 * A helper's variant for calls whose five arguments all fit in 32 bits (pointers, handles, small
 * integers): each argument is the register's low half as a SIGNED i32 (`x >>> 0` for the
 * unsigned value) and r0 is returned as a Number (a safe integer; negative for errnos). Same
 * behaviour as the BigInt function, only cheaper: the JIT calls it without any BigInt.
 */
export type FastHelperFunction = (ctx: HelperContext, r1: number, r2: number, r3: number, r4: number, r5: number) => number;

/** Where an array map's values lie, so the JIT can inline map_lookup_elem on it. */
export interface ArrayMapLayout {
  /** Address of value 0; value i is at base + i * stride. */
  readonly base: number;
  readonly stride: number;
  readonly count: number;
  readonly valueSize: number;
  readonly writable: boolean;
}

export interface HelperExtras {
  fast?: FastHelperFunction;
  /**
   * The JIT may compute this helper in wasm instead of calling it: 'zero' (always returns 0, no
   * side effect), 'prandom' (a uniformly random u32; the JIT's own xorshift32 stream).
   */
  inline?: 'zero' | 'prandom';
  /**
   * The helper as a function of nothing that reads no VM memory and never throws (a clock): the
   * JIT imports it as it is, () -> i64, and calls it with no wrapper.
   */
  bare?: () => bigint;
  /** For map_lookup_elem: the layout of the array map with this handle (undefined: not one). */
  arrayMap?: (handle: bigint) => ArrayMapLayout | undefined;
}

export interface HelperDefinition extends HelperExtras {
  readonly id: number;
  readonly name: string;
  readonly fn: HelperFunction;
}

/**
 * Thrown by a helper to end the program at once with r0 = value (e.g. the conformance suite's
 * "unwind" helper, or a runtime that wants to abort a probe). Not an error: run() returns value.
 */
export class StopProgram extends Error {
  constructor(readonly value: bigint) {
    super('program stopped by a helper');
    this.name = 'StopProgram';
  }
}

export class HelperRegistry {
  private readonly byId = new Map<number, HelperDefinition>();

  /** Register (or replace) the helper with kernel id `id` (a number or a bpf_func_id name). */
  register(id: number | HelperName, fn: HelperFunction, name?: string, extras: HelperExtras = {}): this {
    const n = typeof id === 'number' ? id : Helper[id];
    const label = name ?? (typeof id === 'string' ? id : helperNameOf(n) ?? `helper_${n}`);
    this.byId.set(n, { id: n, name: label, fn, ...extras });
    return this;
  }

  get(id: number): HelperDefinition | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  ids(): number[] {
    return [...this.byId.keys()].sort((a, b) => a - b);
  }

  /** A copy to extend without changing this registry. */
  clone(): HelperRegistry {
    const copy = new HelperRegistry();
    for (const d of this.byId.values()) copy.byId.set(d.id, d);
    return copy;
  }
}

function helperNameOf(id: number): string | undefined {
  return (Object.keys(Helper) as HelperName[]).find((k) => Helper[k] === id);
}

// bpf_ktime_get_ns is CLOCK_MONOTONIC in ns, as in the kernel (so userspace and kernel timestamps
// compare). process.hrtime.bigint reads exactly that. The JIT imports it as it is (see `bare`):
// from wasm that is ~35 ns a read, where a Number clock built on process.hrtime() costs ~43 and
// the global performance.now() ~90. A program that reads the clock in a loop is bound by it.
const monotonicNs: () => bigint = process.hrtime.bigint;

let comm: Uint8Array | undefined;
/** This process's comm, as the kernel keeps it (/proc/self/comm: at most 15 bytes). */
function processComm(): Uint8Array {
  if (!comm) {
    let name: string;
    try { name = readFileSync('/proc/self/comm', 'latin1').replace(/\n$/, ''); } catch { name = process.title; }
    comm = Buffer.from(name, 'latin1').subarray(0, 15);
  }
  return comm;
}

/** Read a NUL-terminated string of at most `max` bytes at `addr` (checked). */
export function readCString(memory: VmMemory, addr: bigint, max: number): string {
  const a = Number(addr);
  const region = memory.check(a, 1, false);
  const end = Math.min(region.start + region.size, a + max);
  const bytes = memory.bytes.subarray(a, end);
  const nul = bytes.indexOf(0);
  return Buffer.from(nul >= 0 ? bytes.subarray(0, nul) : bytes).toString('latin1');
}

/** printf-style formatting as bpf_trace_printk does it: at most three integer/%s arguments. */
export function formatTrace(memory: VmMemory, fmt: string, args: bigint[]): string {
  let k = 0;
  return fmt.replace(/%([-0 +#]*)(\d*)(ll|l|h|hh|z)?([diuxXcsp%])/g, (whole, flags: string, width: string, len: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    const v = args[k++] ?? 0n;
    let s: string;
    const bits = len === 'll' || len === 'l' || len === 'z' || conv === 'p' ? 64 : 32;
    switch (conv) {
      case 'd': case 'i': s = BigInt.asIntN(bits, v).toString(); break;
      case 'u': s = BigInt.asUintN(bits, v).toString(); break;
      case 'x': s = BigInt.asUintN(bits, v).toString(16); break;
      case 'X': s = BigInt.asUintN(bits, v).toString(16).toUpperCase(); break;
      case 'p': s = `0x${BigInt.asUintN(64, v).toString(16)}`; break;
      case 'c': s = String.fromCharCode(Number(v & 0xffn)); break;
      case 's': s = readCString(memory, v, 256); break;
      default: return whole;
    }
    const w = Number(width || 0);
    return flags.includes('-') ? s.padEnd(w) : s.padStart(w, flags.includes('0') && conv !== 's' ? '0' : ' ');
  });
}

/** The helpers every VM program can use: time, randomness, ids, trace_printk. */
export function defaultHelpers(): HelperRegistry {
  const r = new HelperRegistry();
  const prandom = (): number => (Math.random() * 0x100000000) >>> 0;
  r.register('ktime_get_ns', () => monotonicNs(), undefined, { bare: monotonicNs });
  r.register('ktime_get_boot_ns', () => monotonicNs(), undefined, { bare: monotonicNs });
  r.register('ktime_get_coarse_ns', () => monotonicNs(), undefined, { bare: monotonicNs });
  // 250 Hz ticks of the same clock.
  r.register('jiffies64', () => monotonicNs() / 4_000_000n, undefined, { fast: () => Number(monotonicNs() / 4_000_000n) });
  r.register('get_prandom_u32', () => BigInt(prandom()), undefined, { fast: prandom, inline: 'prandom' });
  r.register('get_smp_processor_id', () => 0n, undefined, { fast: () => 0, inline: 'zero' });
  r.register('get_numa_node_id', () => 0n, undefined, { fast: () => 0, inline: 'zero' });
  r.register('get_current_pid_tgid', () => (BigInt(process.pid) << 32n) | BigInt(process.pid));
  r.register('get_current_comm', (ctx, buf, size) => {
    // The kernel's: the task's comm (at most 15 bytes), NUL-padded to `size`.
    const n = Number(size);
    const at = Number(buf);
    ctx.memory.check(at, n, true);
    const bytes = ctx.memory.bytes;
    bytes.fill(0, at, at + n);
    bytes.set(processComm().subarray(0, Math.max(0, n - 1)), at);
    return 0n;
  });
  r.register('get_current_uid_gid', () => {
    const uid = BigInt(process.getuid?.() ?? 0);
    const gid = BigInt(process.getgid?.() ?? 0);
    return (gid << 32n) | uid;
  });
  r.register('trace_printk', (ctx, fmt, size, a3, a4, a5) => {
    const n = Number(size);
    const region = ctx.memory.check(Number(fmt), n, false);
    const raw = Buffer.from(ctx.memory.bytes.subarray(region.start + (Number(fmt) - region.start), Number(fmt) + n)).toString('latin1');
    const text = formatTrace(ctx.memory, raw.replace(/\0.*$/s, ''), [a3, a4, a5]);
    ctx.trace(text.replace(/\n$/, ''));
    return BigInt(text.length);
  });
  return r;
}
