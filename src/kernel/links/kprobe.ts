// kprobe:FUNCTION and kretprobe -> a perf event of the kprobe PMU
// (/sys/bus/event_source/devices/kprobe/type) with config1 = pointer to the function name and
// config2 = offset; the retprobe bit comes from format/retprobe. Like uprobes through the PMU,
// nothing is written to tracefs, so nothing outlives the perf event fd. Kernels built without
// kprobes (this project's CI VM among them) get a UserError that says so.
import { existsSync, readFileSync } from 'node:fs';
import { cString } from '../sys.js';
import { openPerfEvent } from '../perf.js';
import { UserError } from '../../diagnostics.js';
import type { Program } from '../programs.js';
import { PerfEventAttachment } from './perf-event-attachment.js';
import { OwningLink } from './link.js';

const PMU = '/sys/bus/event_source/devices/kprobe';

export class KprobesUnavailableError extends UserError {
  constructor() {
    super(`kprobes are not available on this kernel (no ${PMU}); use tracepoints, raw tracepoints or uprobes instead`);
    this.name = 'KprobesUnavailableError';
  }
}

let pmuCache: { type: number; retprobeBit: number } | undefined;
export function kprobePmu(): { type: number; retprobeBit: number } {
  if (pmuCache) return pmuCache;
  if (!existsSync(`${PMU}/type`)) throw new KprobesUnavailableError();
  const type = Number(readFileSync(`${PMU}/type`, 'utf8').trim());
  const fmt = /config:(\d+)/.exec(readFileSync(`${PMU}/format/retprobe`, 'utf8'));
  return (pmuCache = { type, retprobeBit: fmt ? Number(fmt[1]) : 0 });
}

export class KprobeLink extends OwningLink {
  readonly kind: 'kprobe' | 'kretprobe';
  private constructor(target: string, retprobe: boolean, attachment: PerfEventAttachment) {
    super(target, [attachment]);
    this.kind = retprobe ? 'kretprobe' : 'kprobe';
  }

  /** Attach a BPF_PROG_TYPE_KPROBE program to kernel function `symbol` (+ offset). */
  static attach(program: Program, symbol: string, options: { retprobe?: boolean; offset?: number } = {}): KprobeLink {
    const pmu = kprobePmu();
    const name = cString(symbol);
    const retprobe = options.retprobe ?? false;
    const fd = openPerfEvent({
      type: pmu.type, config: retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
      config1: name, config2: options.offset ?? 0, samplePeriod: 1, wakeupEvents: 1, disabled: true,
    }, -1, 0, `${retprobe ? 'kretprobe' : 'kprobe'} ${symbol}`);
    return new KprobeLink(symbol, retprobe, new PerfEventAttachment(fd, program.fd));
  }
}
