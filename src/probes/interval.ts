// interval:UNIT:N (alias i; units s, ms, us, hz): fires every N units on one CPU. Attached as a
// perf software cpu-clock event on CPU 0 with a sample period in nanoseconds, which is how
// bpftrace does it; the program type is perf_event.
import { UserError } from '../diagnostics.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';

const UNIT_NS: Record<string, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };

export function intervalPeriodNs(unit: string, count: string, raw: string): bigint {
  if (!/^\d+$/.test(count) || BigInt(count) === 0n) throw new UserError(`${raw}: interval count must be a positive integer`);
  const n = BigInt(count);
  if (unit === 'hz') return 1_000_000_000n / n;
  const scale = UNIT_NS[unit];
  if (scale === undefined) throw new UserError(`${raw}: invalid interval unit '${unit}' (use s, ms, us or hz)`);
  return n * scale;
}

export const intervalProvider: ProbeProvider = {
  names: ['interval', 'i'],
  builtins: [],
  expand(parts: readonly string[], raw: string): ProbeInstance[] {
    // bpftrace accepts `interval:1s` as well as `interval:s:1`.
    let unit: string, count: string;
    if (parts.length === 2) [unit, count] = parts as [string, string];
    else if (parts.length === 1 && /^(\d+)([a-z]+)$/.test(parts[0])) {
      const m = /^(\d+)([a-z]+)$/.exec(parts[0])!;
      [count, unit] = [m[1], m[2]];
    } else throw new UserError(`${raw}: interval probes are interval:UNIT:N`);
    const periodNs = intervalPeriodNs(unit, count, raw);
    return [{ provider: 'interval', name: `interval:${unit}:${count}`, progType: ProgType.PERF_EVENT, attach: { kind: 'interval', periodNs } }];
  },
};
