// tracepoint:CATEGORY:NAME -> a PERF_TYPE_TRACEPOINT perf event with the tracepoint's id (from
// tracefs) and the program attached. One event (cpu 0, all tasks) serves every CPU: the program
// is attached to the tracepoint itself, not to the per-CPU perf buffer.
import { tracepointId } from '../tracefs.js';
import { openPerfEvent, PerfConst } from '../perf.js';
import type { Program } from '../programs.js';
import { PerfEventAttachment } from './perf-event-attachment.js';
import { OwningLink } from './link.js';

export class TracepointLink extends OwningLink {
  readonly kind = 'tracepoint';
  private constructor(target: string, attachment: PerfEventAttachment) {
    super(target, [attachment]);
  }

  /** Attach a BPF_PROG_TYPE_TRACEPOINT program to CATEGORY:NAME. */
  static attach(program: Program, category: string, name: string): TracepointLink {
    const id = tracepointId(category, name);
    const fd = openPerfEvent({ type: PerfConst.TYPE_TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1, disabled: true }, -1, 0, `tracepoint ${category}:${name}`);
    return new TracepointLink(`${category}:${name}`, new PerfEventAttachment(fd, program.fd));
  }
}
