// What every probe provider module offers: parse and expand an attach point into concrete probe
// instances, say which program type runs there and what its context holds, and (in the runtime)
// how it attaches. One module per provider: begin-end.ts, tracepoint.ts, interval.ts.
import type { TracepointField } from '../kernel/tracefs.js';

export const ProgType = { SOCKET_FILTER: 1, TRACEPOINT: 5, PERF_EVENT: 7, RAW_TRACEPOINT: 17 } as const;

/** How a probe instance is attached (interpreted by runtime/attach.ts). */
export type AttachSpec =
  | { kind: 'begin' }
  | { kind: 'end' }
  | { kind: 'tracepoint'; category: string; event: string }
  | { kind: 'interval'; periodNs: bigint }
  | { kind: 'uprobe' | 'uretprobe'; path: string; symbol: string };

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
}

export interface ProbeProvider {
  /** Canonical name and aliases as written in scripts. */
  names: readonly string[];
  /** Expand one attach point (parts after the provider) into instances; may throw UserError. */
  expand(parts: readonly string[], raw: string): ProbeInstance[];
  /** Builtins this provider's context offers beyond the universal ones. */
  builtins: readonly string[];
}
