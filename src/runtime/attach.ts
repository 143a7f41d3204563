// Attaching a loaded program where its probe provider says. begin/end are not attached at all:
// the session runs them with BPF_PROG_TEST_RUN. Tracepoints and intervals are perf events with
// the program set on them; closing the perf event fd detaches the program.
import type { Program } from '../kernel/programs.js';
import { Closeable, track, untrack } from '../kernel/cleanup.js';
import { closePerfEvent, enablePerfEvent, openPerfEvent, PerfConst, setPerfEventBpf } from '../kernel/perf.js';
import { tracepointId } from '../kernel/tracefs.js';
import type { ProbeInstance } from '../probes/provider.js';

class PerfEventAttachment implements Closeable {
  constructor(private fd: number, readonly what: string) { track(this); }
  close(): void {
    if (this.fd < 0) return;
    closePerfEvent(this.fd);
    this.fd = -1;
    untrack(this);
  }
}

function attachPerfEvent(program: Program, fd: number, what: string): Closeable {
  const a = new PerfEventAttachment(fd, what);
  try {
    setPerfEventBpf(fd, program.fd);
    enablePerfEvent(fd);
  } catch (e) {
    a.close();
    throw e;
  }
  return a;
}

/** Attach `program` for `instance`; undefined for begin/end (run by the session). */
export function attach(instance: ProbeInstance, program: Program): Closeable | undefined {
  const a = instance.attach;
  switch (a.kind) {
    case 'begin': case 'end': return undefined;
    case 'tracepoint': {
      // A BPF program on a tracepoint perf event runs for hits on every CPU, so one event is enough.
      const id = tracepointId(a.category, a.event);
      const fd = openPerfEvent({ type: PerfConst.TYPE_TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1 }, -1, 0, `perf_event_open(${instance.name})`);
      return attachPerfEvent(program, fd, instance.name);
    }
    case 'interval': {
      const fd = openPerfEvent({ type: PerfConst.TYPE_SOFTWARE, config: PerfConst.COUNT_SW_CPU_CLOCK, samplePeriod: a.periodNs }, -1, 0, `perf_event_open(${instance.name})`);
      return attachPerfEvent(program, fd, instance.name);
    }
  }
}
