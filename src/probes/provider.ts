// What every probe provider module offers: parse and expand an attach point into concrete probe
// instances, say which program type runs there and what its context holds, and (in the runtime)
// how it attaches. One module per provider: begin-end.ts, tracepoint.ts, interval.ts, uprobe.ts,
// usdt.ts, perf-event.ts, raw-tracepoint.ts, kernel-function.ts.
import type { TracepointField } from '../kernel/tracefs.js';

export const ProgType = { SOCKET_FILTER: 1, KPROBE: 2, TRACEPOINT: 5, PERF_EVENT: 7, RAW_TRACEPOINT: 17, TRACING: 26 } as const;

/** How a probe instance is attached (interpreted by runtime/attach.ts). */
export type AttachSpec =
  | { kind: 'begin' }
  | { kind: 'end' }
  | { kind: 'tracepoint'; category: string; event: string }
  | { kind: 'interval'; periodNs: bigint }
  /** A uprobe/uretprobe at a file offset of `path` (one function, or one USDT site). */
  | { kind: 'uprobe'; path: string; offset: number; retprobe: boolean; pid?: number; refCtrOffset?: number; symbol?: string }
  /** profile/software/hardware: one perf event per CPU. */
  | { kind: 'perf'; type: number; config: number; period?: bigint; frequency?: number; pid?: number }
  | { kind: 'rawtracepoint'; tracepoint: string }
  /** kprobe/kretprobe (through the kprobe PMU) and fentry/fexit (BPF trampolines). */
  | { kind: 'kprobe'; func: string; offset: number; retprobe: boolean }
  | { kind: 'fentry'; func: string; exit: boolean }
  /** An in-process tracepoint of a Node.js application (src/ust): run in the userspace VM. */
  | { kind: 'ust'; tracepoint: string };

/** One concrete probe after wildcard expansion: compiled into one BPF program. */
export interface ProbeInstance {
  provider: string;
  /** The canonical full name bpftrace prints for `probe` (e.g. `tracepoint:syscalls:sys_enter_openat`). */
  name: string;
  progType: number;
  attach: AttachSpec;
  /** Tracepoint record fields visible as `args.NAME` (common_* hidden). */
  args?: TracepointField[];
  /** Address space of pointer arguments (syscall arguments point into user memory). */
  argsAddrSpace?: 'user' | 'kernel';
  /** Where `arg0..argN` live in the context (pt_regs register slots, raw tracepoint u64s). */
  argOffsets?: readonly number[];
  /** Where `retval` lives in the context. */
  retvalOffset?: number;
  /** USDT sites: how each `argN` is computed from pt_regs (probes/usdt/arguments.ts). */
  usdtArgs?: readonly import('./usdt/arguments.js').UsdtArgument[];
  /** USDT sites: the probe's address and the binary, to resolve %rip-relative arguments. */
  usdtSite?: { pc: bigint; path: string };
}

export interface UstTracepoints {
  names(): string[];
  fields(name: string): TracepointField[] | undefined;
}

/** Options that change how attach points expand (bpftrace's -p PID). */
export interface ExpandOptions {
  pid?: number;
  /**
   * The application's in-process tracepoints (src/ust): their names, and the fields of one (undefined
   * if the application declared no such tracepoint). Absent outside an application: ust probes
   * cannot expand there.
   */
  ust?: UstTracepoints;
}

export interface ProbeProvider {
  /** Canonical name and aliases as written in scripts. */
  names: readonly string[];
  /** Expand one attach point (parts after the provider) into instances; may throw UserError. */
  expand(parts: readonly string[], raw: string, options?: ExpandOptions): ProbeInstance[];
  /** Every probe this provider offers whose full name matches `pattern` (for `-l`). */
  list?(pattern: string, options?: ExpandOptions): string[];
  /** Builtins this provider's context offers beyond the universal ones. */
  builtins: readonly string[];
}
