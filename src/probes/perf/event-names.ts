// The `software:` and `hardware:` event names bpftrace accepts (docs: language.md "software",
// "hardware"), their perf_event_open config values (uapi perf_event.h) and the sample period
// used when the probe gives no count (bpftrace's defaults).

export interface PerfEventName {
  name: string;
  alias?: string;
  /** perf_event_attr.config */
  config: number;
  /** Sample period when the probe has no `:count`. */
  defaultCount: number;
}

export const PERF_TYPE_HARDWARE = 0;
export const PERF_TYPE_SOFTWARE = 1;

export const SOFTWARE_EVENTS: readonly PerfEventName[] = [
  { name: 'cpu-clock', alias: 'cpu', config: 0, defaultCount: 1_000_000 },
  { name: 'task-clock', config: 1, defaultCount: 1 },
  { name: 'page-faults', alias: 'faults', config: 2, defaultCount: 100 },
  { name: 'context-switches', alias: 'cs', config: 3, defaultCount: 1000 },
  { name: 'cpu-migrations', config: 4, defaultCount: 1 },
  { name: 'minor-faults', config: 5, defaultCount: 100 },
  { name: 'major-faults', config: 6, defaultCount: 1 },
  { name: 'alignment-faults', config: 7, defaultCount: 1 },
  { name: 'emulation-faults', config: 8, defaultCount: 1 },
  { name: 'dummy', config: 9, defaultCount: 1 },
  { name: 'bpf-output', config: 10, defaultCount: 1 },
];

export const HARDWARE_EVENTS: readonly PerfEventName[] = [
  { name: 'cpu-cycles', alias: 'cycles', config: 0, defaultCount: 1_000_000 },
  { name: 'instructions', config: 1, defaultCount: 1_000_000 },
  { name: 'cache-references', config: 2, defaultCount: 1_000_000 },
  { name: 'cache-misses', config: 3, defaultCount: 1_000_000 },
  { name: 'branch-instructions', alias: 'branches', config: 4, defaultCount: 100_000 },
  { name: 'branch-misses', config: 5, defaultCount: 100_000 },
  { name: 'bus-cycles', config: 6, defaultCount: 100_000 },
  { name: 'frontend-stalls', config: 7, defaultCount: 1_000_000 },
  { name: 'backend-stalls', config: 8, defaultCount: 1_000_000 },
  { name: 'ref-cycles', config: 9, defaultCount: 1_000_000 },
];

/** Look an event up by its name or alias. */
export function findPerfEvent(list: readonly PerfEventName[], name: string): PerfEventName | undefined {
  return list.find((e) => e.name === name || e.alias === name);
}
