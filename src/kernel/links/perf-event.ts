// profile:hz:N, interval, software:EVENT:N and hardware events: one perf event per CPU, each
// with the (BPF_PROG_TYPE_PERF_EVENT) program attached, closed together.
import { onlineCpus } from '../sys.js';
import { openPerfEvent, PerfConst } from '../perf.js';
import { UserError } from '../../diagnostics.js';
import type { Program } from '../programs.js';
import { PerfEventAttachment } from './perf-event-attachment.js';
import { OwningLink } from './link.js';

export interface PerfEventOptions {
  type: number;
  config: number | bigint;
  /** Fire every N events (N nanoseconds for the clock events). */
  period?: number | bigint;
  /** Fire N times a second (exclusive with period). */
  frequency?: number;
  /** CPUs to open on (default: every online CPU). */
  cpus?: number[];
  /** Restrict to one process (default -1: all). */
  pid?: number;
}

/** bpftrace's software event names -> PERF_COUNT_SW_*. */
export const SOFTWARE_EVENTS: Record<string, number> = {
  'cpu-clock': PerfConst.COUNT_SW_CPU_CLOCK, cpu: PerfConst.COUNT_SW_CPU_CLOCK,
  'task-clock': PerfConst.COUNT_SW_TASK_CLOCK,
  'page-faults': PerfConst.COUNT_SW_PAGE_FAULTS, faults: PerfConst.COUNT_SW_PAGE_FAULTS,
  'context-switches': PerfConst.COUNT_SW_CONTEXT_SWITCHES, cs: PerfConst.COUNT_SW_CONTEXT_SWITCHES,
  'cpu-migrations': PerfConst.COUNT_SW_CPU_MIGRATIONS,
  'minor-faults': PerfConst.COUNT_SW_PAGE_FAULTS_MIN, 'major-faults': PerfConst.COUNT_SW_PAGE_FAULTS_MAJ,
  'alignment-faults': PerfConst.COUNT_SW_ALIGNMENT_FAULTS, 'emulation-faults': PerfConst.COUNT_SW_EMULATION_FAULTS,
  dummy: PerfConst.COUNT_SW_DUMMY,
};

export class PerfEventLink extends OwningLink {
  readonly kind = 'perf_event';
  private constructor(target: string, attachments: PerfEventAttachment[]) {
    super(target, attachments);
  }

  static attach(program: Program, options: PerfEventOptions, target = `perf_event ${options.type}:${options.config}`): PerfEventLink {
    const out: PerfEventAttachment[] = [];
    try {
      for (const cpu of options.cpus ?? onlineCpus()) {
        const fd = openPerfEvent({
          type: options.type, config: options.config, samplePeriod: options.period, sampleFrequency: options.frequency, disabled: true,
        }, options.pid ?? -1, cpu, target);
        out.push(new PerfEventAttachment(fd, program.fd));
      }
    } catch (e) {
      for (const a of out) a.close();
      throw e;
    }
    return new PerfEventLink(target, out);
  }

  /** profile:hz:N — sample every CPU N times a second (CPU clock). */
  static profile(program: Program, hz: number): PerfEventLink {
    return PerfEventLink.attach(program, { type: PerfConst.TYPE_SOFTWARE, config: PerfConst.COUNT_SW_CPU_CLOCK, frequency: hz }, `profile:hz:${hz}`);
  }

  /** interval — fire once every `periodNs` nanoseconds, on one CPU only. */
  static interval(program: Program, periodNs: number | bigint, cpu = onlineCpus()[0]): PerfEventLink {
    return PerfEventLink.attach(program, { type: PerfConst.TYPE_SOFTWARE, config: PerfConst.COUNT_SW_CPU_CLOCK, period: periodNs, cpus: [cpu] }, `interval:ns:${periodNs}`);
  }

  /** software:NAME:COUNT — every COUNT occurrences of a software event, on every CPU. */
  static software(program: Program, name: string, count: number): PerfEventLink {
    const config = SOFTWARE_EVENTS[name];
    if (config === undefined) throw new UserError(`unknown software event '${name}' (known: ${Object.keys(SOFTWARE_EVENTS).join(', ')})`);
    return PerfEventLink.attach(program, { type: PerfConst.TYPE_SOFTWARE, config, period: count }, `software:${name}:${count}`);
  }
}
