// What every link has in common: it keeps a program attached to something until close().
import { track, untrack, type Closeable } from '../cleanup.js';
import { closeFd } from '../sys.js';

export interface Link extends Closeable {
  /** "tracepoint", "raw_tracepoint", "uprobe", "uretprobe", "perf_event". */
  readonly kind: string;
  /** What it is attached to, for messages ("syscalls:sys_enter_getppid", "/bin/bash:readline"). */
  readonly target: string;
  readonly closed: boolean;
}

/**
 * The lifecycle every link kind shares: it owns some kernel resources (perf-event attachments,
 * a bpf_link fd, per-site uprobe links), is registered for cleanup as soon as it exists, and
 * closing it closes each of them once and unregisters it.
 */
export abstract class OwningLink implements Link {
  abstract readonly kind: string;
  private parts: Closeable[];

  protected constructor(readonly target: string, parts: Closeable[]) {
    this.parts = parts;
    track(this);
  }

  get closed(): boolean { return this.parts.length === 0; }

  close(): void {
    if (!this.parts.length) return;
    for (const p of this.parts) p.close();
    this.parts = [];
    untrack(this);
  }
}

/** A bpf_link fd as an owned part. */
export const fdPart = (fd: number): Closeable => ({ close: () => closeFd(fd) });
