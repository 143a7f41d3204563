// tracepoint:CATEGORY:NAME -> a PERF_TYPE_TRACEPOINT perf event with the tracepoint's id (from
// tracefs) and the program attached. One event (cpu 0, all tasks) serves every CPU: the program
// is attached to the tracepoint itself, not to the per-CPU perf buffer.
import { tracepointId } from '../tracefs.js';
import { openPerfEvent, PerfConst } from '../perf.js';
import { track, untrack } from '../cleanup.js';
import type { Program } from '../programs.js';
import { PerfEventAttachment } from './perf-event-attachment.js';
import type { Link } from './link.js';

export class TracepointLink implements Link {
  readonly kind = 'tracepoint';
  private attachment: PerfEventAttachment | undefined;
  private constructor(readonly target: string, attachment: PerfEventAttachment) {
    this.attachment = attachment;
    track(this);
  }

  /** Attach a BPF_PROG_TYPE_TRACEPOINT program to CATEGORY:NAME. */
  static attach(program: Program, category: string, name: string): TracepointLink {
    const id = tracepointId(category, name);
    const fd = openPerfEvent({ type: PerfConst.TYPE_TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1, disabled: true }, -1, 0, `tracepoint ${category}:${name}`);
    return new TracepointLink(`${category}:${name}`, new PerfEventAttachment(fd, program.fd));
  }

  get closed(): boolean { return this.attachment === undefined; }
  close(): void {
    if (!this.attachment) return;
    this.attachment.close();
    this.attachment = undefined;
    untrack(this);
  }
}
