// profile:UNIT:N (alias p), software:EVENT[:COUNT] (s) and hardware:EVENT[:COUNT] (h): perf
// events opened on every online CPU with the program (type perf_event) attached. profile:hz:N
// samples N times a second by frequency; profile:s/ms/us:N every N units of CPU clock (period in
// nanoseconds); software and hardware events fire every COUNT occurrences (bpftrace's default
// count when omitted, perf/event-names.ts). Where the CPU exposes no hardware PMU (most VMs)
// perf_event_open refuses hardware events; the runtime says so at attach.
import { UserError } from '../diagnostics.js';
import { findPerfEvent, HARDWARE_EVENTS, PERF_TYPE_HARDWARE, PERF_TYPE_SOFTWARE, SOFTWARE_EVENTS, PerfEventName } from './perf/event-names.js';
import { globToRegExp } from './tracepoint.js';
import { ExpandOptions, ProbeInstance, ProbeProvider, ProgType } from './provider.js';

const CPU_CLOCK = 0;
const UNIT_NS: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n };

function positive(text: string, raw: string): bigint {
  if (!/^\d+$/.test(text) || BigInt(text) === 0n) throw new UserError(`${raw}: the count must be a positive integer`);
  return BigInt(text);
}

export const profileProvider: ProbeProvider = {
  names: ['profile', 'p'],
  builtins: [],
  expand(parts: readonly string[], raw: string, options?: ExpandOptions): ProbeInstance[] {
    let unit: string, count: string;
    if (parts.length === 2) [unit, count] = parts as [string, string];
    else if (parts.length === 1 && /^(\d+)([a-z]+)$/.test(parts[0])) { const m = /^(\d+)([a-z]+)$/.exec(parts[0])!; [count, unit] = [m[1], m[2]]; }
    else throw new UserError(`${raw}: profile probes are profile:UNIT:N (hz, s, ms, us)`);
    const n = positive(count, raw);
    const name = `profile:${unit}:${count}`;
    const base = { provider: 'profile', name, progType: ProgType.PERF_EVENT } as const;
    if (unit === 'hz') return [{ ...base, attach: { kind: 'perf', type: PERF_TYPE_SOFTWARE, config: CPU_CLOCK, frequency: Number(n), pid: options?.pid } }];
    const scale = UNIT_NS[unit];
    if (scale === undefined) throw new UserError(`${raw}: invalid profile unit '${unit}' (use hz, s, ms or us)`);
    return [{ ...base, attach: { kind: 'perf', type: PERF_TYPE_SOFTWARE, config: CPU_CLOCK, period: n * scale, pid: options?.pid } }];
  },
  list: () => [],
};

function eventProvider(kind: 'software' | 'hardware', alias: string, events: readonly PerfEventName[], type: number): ProbeProvider {
  return {
    names: [kind, alias],
    builtins: [],
    expand(parts: readonly string[], raw: string, options?: ExpandOptions): ProbeInstance[] {
      if (parts.length < 1 || parts.length > 2 || !parts[0]) throw new UserError(`${raw}: ${kind} probes are ${kind}:EVENT[:COUNT]`);
      const ev = findPerfEvent(events, parts[0]);
      if (!ev) throw new UserError(`${raw}: unknown ${kind} event '${parts[0]}' (known: ${events.map((e) => e.name).join(', ')})`);
      const count = parts[1] ? positive(parts[1], raw) : BigInt(ev.defaultCount);
      return [{
        provider: kind, name: `${kind}:${parts[0]}:${parts[1] ?? ''}`.replace(/:$/, ''), progType: ProgType.PERF_EVENT,
        attach: { kind: 'perf', type, config: ev.config, period: count, pid: options?.pid },
      }];
    },
    list(pattern: string): string[] {
      const re = globToRegExp(pattern);
      const out: string[] = [];
      for (const e of events) for (const n of [e.name, e.alias]) if (n && re.test(`${kind}:${n}:`)) out.push(`${kind}:${n}:`);
      return out;
    },
  };
}

export const softwareProvider = eventProvider('software', 's', SOFTWARE_EVENTS, PERF_TYPE_SOFTWARE);
export const hardwareProvider = eventProvider('hardware', 'h', HARDWARE_EVENTS, PERF_TYPE_HARDWARE);
