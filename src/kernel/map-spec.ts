// What a map is, as plain data: its type numbers and the spec to create one. No system calls here,
// so the compiler (src/ir) and the userspace runtime can describe maps without loading the kernel
// layer; src/kernel/maps.ts creates them.

/** enum bpf_map_type (the kinds bpfkit uses; any other number may be passed too). */
export const MapType = {
  HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6,
  STACK_TRACE: 7, CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13, QUEUE: 22, STACK: 23, RINGBUF: 27, BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
} as const;
export type MapTypeName = keyof typeof MapType;
export const mapTypeName = (t: number): string =>
  (Object.keys(MapType) as MapTypeName[]).find((k) => MapType[k] === t)?.toLowerCase() ?? `type ${t}`;

/** What to create. Plain data: can be built, printed and compared without a kernel. */
export interface MapSpec {
  /** Object name shown by bpftool (at most 15 characters of [A-Za-z0-9_.] are kept). */
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
}
