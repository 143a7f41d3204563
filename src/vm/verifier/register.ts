// The abstract value of one register: what kind of thing it holds (uninitialised, a number, or
// a pointer to a particular kind of object) and what is known about its value or offset.
// RegState objects are treated as immutable: every change makes a new one, so verifier states
// can share them when a path forks.
import { Bounds, constBounds, unknownBounds, boundsEqual, boundsWithin, isConst } from './scalar.js';
import type { MapInfo } from './maps-info.js';

export type RegKind =
  | 'not_init' | 'scalar' | 'ctx' | 'fp' | 'map_ptr' | 'map_value' | 'map_value_or_null'
  | 'pkt' | 'pkt_end' | 'pkt_meta' | 'mem' | 'ringbuf_mem' | 'ringbuf_mem_or_null';

export interface RegState {
  readonly kind: RegKind;
  /** The scalar's value, or a pointer's variable offset. */
  readonly b: Bounds;
  /** A pointer's fixed offset from the start of its object. */
  readonly off: number;
  /** Identity shared by copies of one maybe-null pointer or one packet pointer lineage. */
  readonly id: number;
  /** Reference to release (ring-buffer reservations), 0 if none. */
  readonly refId: number;
  /** Packet pointers: bytes proven readable from the pointer (after a check against pkt_end). */
  readonly range: number;
  /** map_ptr / map_value: the map. */
  readonly map?: MapInfo;
  /** mem / ringbuf_mem: size of the object. */
  readonly memSize: number;
  /** fp: which call frame's stack. */
  readonly frame: number;
}

const BASE: RegState = { kind: 'not_init', b: constBounds(0n), off: 0, id: 0, refId: 0, range: 0, memSize: 0, frame: 0 };

export const NOT_INIT: RegState = BASE;
export const scalarReg = (b: Bounds): RegState => ({ ...BASE, kind: 'scalar', b });
export const unknownScalar = (): RegState => scalarReg(unknownBounds());
export const constScalar = (v: bigint): RegState => scalarReg(constBounds(v));
export const pointer = (kind: RegKind, fields: Partial<RegState> = {}): RegState => ({ ...BASE, kind, b: constBounds(0n), ...fields });

export const isPointer = (r: RegState): boolean => r.kind !== 'scalar' && r.kind !== 'not_init';
export const isOrNull = (r: RegState): boolean => r.kind === 'map_value_or_null' || r.kind === 'ringbuf_mem_or_null';
export const isPacket = (r: RegState): boolean => r.kind === 'pkt' || r.kind === 'pkt_meta';

/** A pointer that has been null-checked: the non-null kind of a maybe-null pointer. */
export const nonNullKind = (k: RegKind): RegKind => (k === 'map_value_or_null' ? 'map_value' : k === 'ringbuf_mem_or_null' ? 'ringbuf_mem' : k);

/** Kernel-style description, e.g. `scalar(umax=255)`, `fp-8`, `map_value(off=0,ks=4,vs=16)`. */
export function describe(r: RegState): string {
  if (r.kind === 'scalar') {
    if (isConst(r.b)) return `${BigInt.asIntN(64, r.b.tnum.value)}`;
    const parts: string[] = [];
    if (r.b.smin !== -(1n << 63n)) parts.push(`smin=${r.b.smin}`);
    if (r.b.smax !== (1n << 63n) - 1n) parts.push(`smax=${r.b.smax}`);
    if (r.b.umin !== 0n) parts.push(`umin=${r.b.umin}`);
    if (r.b.umax !== (1n << 64n) - 1n) parts.push(`umax=${r.b.umax}`);
    return `scalar(${parts.join(',')})`;
  }
  if (r.kind === 'fp') return `fp${r.off}`;
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.off) parts.push(`off=${r.off}`);
  if (isPacket(r)) parts.push(`r=${r.range}`);
  if (r.map) parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  if (!isConst(r.b)) parts.push(`umax=${r.b.umax}`);
  return `${r.kind}(${parts.join(',')})`;
}

/**
 * `old` covers `cur` for state pruning: every program continuation that was safe with `old`
 * is safe with `cur`. An uninitialised old register covers anything, because a path that
 * succeeded never read it. Ids are compared through `idmap` (old id -> cur id) so that two
 * states that differ only in id numbering still match.
 */
export function regCovers(old: RegState, cur: RegState, idmap: Map<number, number>, exact: boolean): boolean {
  if (old.kind === 'not_init') return exact ? cur.kind === 'not_init' : true;
  if (old.kind !== cur.kind) return false;
  if (old.kind === 'scalar') return exact ? boundsEqual(old.b, cur.b) : boundsWithin(old.b, cur.b);
  if (old.off !== cur.off || old.map !== cur.map || old.memSize !== cur.memSize || old.frame !== cur.frame) return false;
  if (!(exact ? boundsEqual(old.b, cur.b) : boundsWithin(old.b, cur.b))) return false;
  if (isPacket(old) && (exact ? old.range !== cur.range : cur.range < old.range)) return false;
  if (!checkId(old.id, cur.id, idmap) || !checkId(old.refId, cur.refId, idmap)) return false;
  return true;
}

function checkId(oldId: number, curId: number, idmap: Map<number, number>): boolean {
  if (oldId === 0 && curId === 0) return true;
  if (oldId === 0 || curId === 0) return false;
  const seen = idmap.get(oldId);
  if (seen === undefined) {
    idmap.set(oldId, curId);
    return true;
  }
  return seen === curId;
}
