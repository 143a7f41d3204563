// What the verifier needs to know about a map a program refers to: its sizes and kind. The
// userspace maps (src/vm/maps.ts) and the kernel loader both can describe their maps this way.
export type MapKind = 'hash' | 'array' | 'lru_hash' | 'percpu_hash' | 'percpu_array' | 'lru_percpu_hash' | 'ringbuf';

export interface MapInfo {
  /** The handle the program's lddw carries (the fd in the kernel). */
  readonly handle: number;
  readonly name: string;
  readonly kind: MapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}
