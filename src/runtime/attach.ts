// Attaching a loaded program where its probe provider says, through the kernel layer's links.
// begin/end are not attached at all: the session runs them with BPF_PROG_TEST_RUN.
import type { Program } from '../kernel/programs.js';
import type { Link } from '../kernel/links/link.js';
import { TracepointLink } from '../kernel/links/tracepoint.js';
import { RawTracepointLink } from '../kernel/links/raw-tracepoint.js';
import { PerfEventLink } from '../kernel/links/perf-event.js';
import { UprobeLink } from '../kernel/links/uprobe.js';
import { KprobeLink } from '../kernel/links/kprobe.js';
import { TracingLink } from '../kernel/links/tracing.js';
import { AttachType, type ProgramSpec } from '../kernel/programs.js';
import { PerfConst } from '../kernel/perf.js';
import { BpfSyscallError } from '../kernel/sys.js';
import { haveFentry, vmlinuxFuncId } from '../kernel/features.js';
import { kprobesUnavailable } from '../probes/kernel-function.js';
import { MissingProbeError } from '../diagnostics.js';
import type { ProbeInstance } from '../probes/provider.js';
import { PERF_TYPE_HARDWARE } from '../probes/perf/event-names.js';

/** This kernel cannot attach the probe: one of the failures config missing_probes may skip. */
export class ProbeUnavailableError extends MissingProbeError {
  constructor(message: string) { super(message); this.name = 'ProbeUnavailableError'; }
}

/**
 * Refuse, before anything is loaded, probes this kernel cannot attach: kprobes without the
 * kprobe PMU, fentry/fexit where trampoline programs may not be loaded. The reason is the
 * feature probe's (kernel/features.ts), so the user learns what is missing, not an errno.
 */
export function checkAttachable(instance: ProbeInstance): void {
  const a = instance.attach;
  if (a.kind === 'kprobe') {
    const why = kprobesUnavailable();
    if (why) throw new ProbeUnavailableError(`${instance.name}: ${why}`);
  }
  if (a.kind === 'fentry') {
    const f = haveFentry();
    if (!f.available) throw new ProbeUnavailableError(`${instance.name}: fentry/fexit programs cannot be loaded on this kernel (${f.reason}); use tracepoint: or rawtracepoint: probes instead`);
  }
}

/** What loading needs beyond the instructions: fentry/fexit are loaded for one kernel function. */
export function loadAttributes(instance: ProbeInstance): Partial<ProgramSpec> {
  const a = instance.attach;
  if (a.kind !== 'fentry') return {};
  const id = vmlinuxFuncId(a.func);
  if (id === undefined) throw new ProbeUnavailableError(`${instance.name}: kernel function '${a.func}' has no BTF`);
  return { expectedAttachType: a.exit ? AttachType.TRACE_FEXIT : AttachType.TRACE_FENTRY, attachBtfId: id };
}

/** Attach `program` for `instance`; undefined for begin/end (run by the session). */
export function attach(instance: ProbeInstance, program: Program, pid?: number): Link | undefined {
  const a = instance.attach;
  switch (a.kind) {
    case 'begin': case 'end': return undefined;
    case 'tracepoint': return TracepointLink.attach(program, a.category, a.event);
    // bpftrace's interval fires on one CPU only (cpu 0), unlike profile.
    case 'interval':
      return PerfEventLink.attach(program, { type: PerfConst.TYPE_SOFTWARE, config: PerfConst.COUNT_SW_CPU_CLOCK, period: a.periodNs, cpus: [0] }, instance.name);
    case 'uprobe':
      return UprobeLink.attach(program, { path: a.path, offset: a.offset, retprobe: a.retprobe, pid: a.pid ?? pid, refCtrOffset: a.refCtrOffset });
    case 'perf':
      try {
        // With -p, a per-process counter: perf_event_open(pid, cpu -1) follows the task.
        return PerfEventLink.attach(program, { type: a.type, config: a.config, period: a.period, frequency: a.frequency, pid: a.pid, cpus: a.pid !== undefined ? [-1] : undefined }, instance.name);
      } catch (e) {
        if (a.type === PERF_TYPE_HARDWARE && e instanceof BpfSyscallError && [2, 19, 95].includes(e.errno)) {
          throw new ProbeUnavailableError(`${instance.name}: the CPU's performance monitoring unit refused this hardware event (${e.message}); virtual machines usually expose no hardware counters, use software: or profile: probes instead`);
        }
        throw e;
      }
    case 'rawtracepoint': return RawTracepointLink.attach(program, a.tracepoint);
    case 'kprobe':
      checkAttachable(instance);
      return KprobeLink.attach(program, a.func, { retprobe: a.retprobe, offset: a.offset });
    case 'fentry':
      checkAttachable(instance);
      return TracingLink.attach(program, instance.name);
  }
}
