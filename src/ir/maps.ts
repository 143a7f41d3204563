// Map specs: plain data describing every BPF map a script needs, derived from how the script uses
// each @map. The layouts follow bpftrace so hot paths take no locks: aggregations (count, sum,
// min, max, avg, stats, hist, lhist) live in per-CPU hash maps updated in place without atomics,
// and userspace sums the per-CPU values; plain assignments live in ordinary hash maps.
// Histograms append the bucket index to the key, so one map entry counts one bucket.
import type { AggregateFunc, Type } from '../lang/types.js';
import { sizeOf, tupleLayout, U64 } from '../lang/types.js';
import { MapType, type MapSpec } from '../kernel/map-spec.js';

export type { MapSpec } from '../kernel/map-spec.js';

/** bpftrace's default max_map_keys. */
export const DEFAULT_MAX_ENTRIES = 4096;
/** Bytes of ring buffer for printf/print/exit records (power of two, multiple of the page size). */
export const RINGBUF_SIZE = 1 << 20;

export const RINGBUF_MAP = 'ringbuf';
/** Global read-only data: the session start time for `elapsed` (an array of one u64). */
export const GLOBALS_MAP = 'globals';
/** Per-CPU count of records the ring buffer had no room for (printed as "Lost N events"). */
export const LOST_MAP = 'lost_events';

export type ScriptMapKind = AggregateFunc | 'value';

/** A script-level @map as the compiler laid it out. */
export interface ScriptMap {
  /** With the `@` (the map's BPF name is derived from it). */
  name: string;
  kind: ScriptMapKind;
  /** Key components as written (`@m[a, b]` -> [typeof a, typeof b]); empty for `@m`. */
  keyTypes: Type[];
  /** Offsets of the key components in the key buffer. */
  keyOffsets: number[];
  /** Bytes of the user key (8 for a scalar map, which uses the constant key 0). */
  keySize: number;
  /** hist/lhist: the key has an extra u64 bucket index at keySize. */
  bucketed: boolean;
  /** Type of the value assigned (value maps) or fed to the aggregate. */
  valueType: Type;
  /** Bytes of the BPF value (per CPU for aggregates). */
  valueSize: number;
  /** hist: k; lhist: [min, max, step]. */
  params: bigint[];
  /** True when the value type is signed (sum/min/max/avg/stats print it signed). */
  signed: boolean;
}


const round8 = (n: number): number => Math.max(8, (n + 7) & ~7);

export function layoutScriptMap(name: string, kind: ScriptMapKind, keyTypes: Type[], valueType: Type, params: bigint[] = []): ScriptMap {
  const layout = tupleLayout(keyTypes);
  const keySize = keyTypes.length === 0 ? 8 : round8(layout.size);
  const bucketed = kind === 'hist' || kind === 'lhist';
  const valueSize = kind === 'value' ? round8(sizeOf(valueType))
    : kind === 'min' || kind === 'max' || kind === 'avg' || kind === 'stats' ? 16 : 8;
  const signed = valueType.kind === 'int' && valueType.signed;
  return { name, kind, keyTypes, keyOffsets: keyTypes.length === 0 ? [0] : layout.offsets, keySize, bucketed, valueType, valueSize, params, signed };
}

/** BPF map name: at most 15 characters, [A-Za-z0-9_.]; `@` becomes `AT_` as in bpftrace. */
export function bpfMapName(scriptName: string): string {
  return `AT_${scriptName.slice(1)}`.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
}

export function mapSpecOf(m: ScriptMap, maxEntries = DEFAULT_MAX_ENTRIES): MapSpec {
  return {
    name: bpfMapName(m.name),
    type: m.kind === 'value' ? MapType.HASH : MapType.PERCPU_HASH,
    keySize: m.keySize + (m.bucketed ? 8 : 0),
    valueSize: m.valueSize,
    maxEntries,
  };
}

export const ringbufSpec = (): MapSpec => ({ name: RINGBUF_MAP, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: RINGBUF_SIZE });
export const lostSpec = (): MapSpec => ({ name: LOST_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });
export const globalsSpec = (): MapSpec => ({ name: GLOBALS_MAP, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 });

export { U64 };
