// Attaching a loaded program where its probe provider says, through the kernel layer's links.
// begin/end are not attached at all: the session runs them with BPF_PROG_TEST_RUN.
import type { Program } from '../kernel/programs.js';
import type { Link } from '../kernel/links/link.js';
import { TracepointLink } from '../kernel/links/tracepoint.js';
import { PerfEventLink } from '../kernel/links/perf-event.js';
import { UprobeLink } from '../kernel/links/uprobe.js';
import { PerfConst } from '../kernel/perf.js';
import type { ProbeInstance } from '../probes/provider.js';

/** Attach `program` for `instance`; undefined for begin/end (run by the session). */
export function attach(instance: ProbeInstance, program: Program, pid?: number): Link | undefined {
  const a = instance.attach;
  switch (a.kind) {
    case 'begin': case 'end': return undefined;
    case 'tracepoint': return TracepointLink.attach(program, a.category, a.event);
    // bpftrace's interval fires on one CPU only (cpu 0), unlike profile.
    case 'interval':
      return PerfEventLink.attach(program, { type: PerfConst.TYPE_SOFTWARE, config: PerfConst.COUNT_SW_CPU_CLOCK, period: a.periodNs, cpus: [0] }, instance.name);
    case 'uprobe': case 'uretprobe':
      return UprobeLink.attach(program, { path: a.path, symbol: a.symbol, retprobe: a.kind === 'uretprobe', pid });
  }
}
