// What every link has in common: it keeps a program attached to something until close().
import type { Closeable } from '../cleanup.js';

export interface Link extends Closeable {
  /** "tracepoint", "raw_tracepoint", "uprobe", "uretprobe", "perf_event". */
  readonly kind: string;
  /** What it is attached to, for messages ("syscalls:sys_enter_getppid", "/bin/bash:readline"). */
  readonly target: string;
  readonly closed: boolean;
}
