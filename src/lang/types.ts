// Semantic types of bpftrace values: what semantic analysis attaches to every expression and
// what the compiler lays out in registers, stack slots and map keys/values. Plain data.
//
// Sizes follow bpftrace: integers are 1/2/4/8 bytes, strings are fixed-size NUL-terminated
// buffers (string literals are sized to fit, str() results default to 64 bytes), tuples are
// laid out like C structs (each element aligned to its natural alignment).

export type IntBits = 8 | 16 | 32 | 64;

export type Type =
  | VoidType
  | IntType
  | BoolType
  | StringType
  | BufferType
  | PointerTypeT
  | ArrayTypeT
  | StructTypeT
  | TupleType
  | RecordType
  | AggregateType
  | StackType
  | SpecialType;

/** No value (printf(), statements used as expressions). */
export interface VoidType { kind: 'void' }

export interface IntType {
  kind: 'int';
  bits: IntBits;
  signed: boolean;
  /**
   * Set for integer literals (and expressions folded from them): the value is known at compile
   * time, so a positive literal can widen to any type that holds it.
   */
  literal?: bigint;
  /** Set for enum constants and `enum X` values: printf's %s prints the enumerator's name. */
  enumName?: string;
}

export interface BoolType { kind: 'bool' }

/** A NUL-terminated string in a fixed buffer of `size` bytes (including the NUL). */
export interface StringType { kind: 'string'; size: number }

/** buf(): `size` data bytes plus a length. */
export interface BufferType { kind: 'buffer'; size: number }

export type AddressSpace = 'kernel' | 'user' | 'none';

export interface PointerTypeT {
  kind: 'pointer';
  target: Type;
  addrSpace?: AddressSpace;
}

export interface ArrayTypeT {
  kind: 'array';
  element: Type;
  length: number;
}

/**
 * A C struct/union (BTF, script definitions, or a tracepoint's `args`). Fields have byte
 * offsets; `name` is e.g. "struct task_struct" or "args" for tracepoint arguments.
 */
export interface StructTypeT {
  kind: 'struct';
  name: string;
  size: number;
  fields: StructField[];
}

export interface StructField {
  name: string;
  type: Type;
  offset: number;
  /** Bit-field position (`bitOffset` within the byte at `offset`, `bits` wide). */
  bitfield?: { bitOffset: number; bits: number };
  /**
   * Tracepoint `__data_loc` field: the stored u32 is (length << 16 | offset-in-record) and the
   * value is the data at that offset (a string for `__data_loc char[]`).
   */
  dataLoc?: boolean;
}

export interface TupleType { kind: 'tuple'; elements: Type[] }

export interface RecordType { kind: 'record'; fields: { name: string; type: Type }[] }

/** Map value of an aggregating function: count(), sum(), hist(), ... */
export type AggregateFunc = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist' | 'tseries';

export interface AggregateType {
  kind: 'aggregate';
  func: AggregateFunc;
  /** Type of the values fed in (count: uint64). */
  valueType: Type;
  /** Compile-time arguments: hist(v, k) -> [k]; lhist(v, min, max, step) -> [min, max, step]. */
  params: bigint[];
}

/** kstack / ustack: an id into a stack map, printed symbolised. */
export interface StackType {
  kind: 'stack';
  user: boolean;
  mode: 'bpftrace' | 'perf' | 'raw' | 'build_id';
  limit: number;
}

/**
 * Values that are integers or byte strings in BPF but print specially in userspace: resolved
 * there (ksym, usym, username, cgroup_path, strerror), formatted (inet, macaddr, timestamp),
 * or a handle on a userspace string table (probe).
 */
export interface SpecialType {
  kind: 'special';
  name: 'ksym' | 'usym' | 'username' | 'cgroup_path' | 'strerror' | 'inet' | 'macaddr' | 'timestamp' | 'probe' | 'signal_name' | 'syscall_name' | 'timestamp_mode';
  /** Byte size of the BPF-side representation. */
  size: number;
}

// ---------------------------------------------------------------------------------------------
// Constructors and predicates

export const VOID: VoidType = { kind: 'void' };
export const BOOL: BoolType = { kind: 'bool' };
export const U8: IntType = { kind: 'int', bits: 8, signed: false };
export const U16: IntType = { kind: 'int', bits: 16, signed: false };
export const U32: IntType = { kind: 'int', bits: 32, signed: false };
export const U64: IntType = { kind: 'int', bits: 64, signed: false };
export const I8: IntType = { kind: 'int', bits: 8, signed: true };
export const I16: IntType = { kind: 'int', bits: 16, signed: true };
export const I32: IntType = { kind: 'int', bits: 32, signed: true };
export const I64: IntType = { kind: 'int', bits: 64, signed: true };

export function int(bits: IntBits, signed: boolean): IntType {
  return { kind: 'int', bits, signed };
}

export function str(size: number): StringType {
  return { kind: 'string', size };
}

export function ptr(target: Type, addrSpace?: AddressSpace): PointerTypeT {
  return addrSpace ? { kind: 'pointer', target, addrSpace } : { kind: 'pointer', target };
}

export function isInt(t: Type): t is IntType {
  return t.kind === 'int';
}

/** Integers, booleans and pointers: values that fit in one register and do arithmetic/compare. */
export function isScalar(t: Type): boolean {
  return t.kind === 'int' || t.kind === 'bool' || t.kind === 'pointer';
}

/** Byte size of a value of this type as stored in a map or on the stack. */
export function sizeOf(t: Type): number {
  switch (t.kind) {
    case 'void': return 0;
    case 'int': return t.bits / 8;
    case 'bool': return 1;
    case 'string': return t.size;
    case 'buffer': return t.size + 4;
    case 'pointer': return 8;
    case 'array': return sizeOf(t.element) * t.length;
    case 'struct': return t.size;
    case 'tuple': return tupleLayout(t.elements).size;
    case 'record': return tupleLayout(t.fields.map((f) => f.type)).size;
    case 'aggregate': return 8;
    case 'stack': return 8;
    case 'special': return t.size;
  }
}

/** Natural alignment (used for tuple and record layout). */
export function alignOf(t: Type): number {
  switch (t.kind) {
    case 'int': return t.bits / 8;
    case 'pointer': case 'aggregate': case 'stack': return 8;
    case 'array': return alignOf(t.element);
    case 'tuple': return Math.max(1, ...t.elements.map(alignOf));
    case 'record': return Math.max(1, ...t.fields.map((f) => alignOf(f.type)));
    case 'struct': return Math.min(8, Math.max(1, ...t.fields.map((f) => alignOf(f.type))));
    case 'special': return t.size >= 8 ? 8 : 1;
    default: return 1;
  }
}

/** C-struct layout of tuple elements: offsets and total (padded) size. */
export function tupleLayout(elements: Type[]): { offsets: number[]; size: number } {
  let off = 0;
  let maxAlign = 1;
  const offsets: number[] = [];
  for (const e of elements) {
    const a = alignOf(e);
    maxAlign = Math.max(maxAlign, a);
    off = Math.ceil(off / a) * a;
    offsets.push(off);
    off += sizeOf(e);
  }
  return { offsets, size: Math.ceil(off / maxAlign) * maxAlign };
}

/** bpftrace's spelling of a type, as in its error messages: `uint64`, `string[16]`, `(int64,string[4])`. */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'void': return 'void';
    case 'int': return `${t.signed ? 'int' : 'uint'}${t.bits}`;
    case 'bool': return 'bool';
    case 'string': return `string[${t.size}]`;
    case 'buffer': return `buffer[${t.size}]`;
    case 'pointer': return `${typeName(t.target)} *`;
    case 'array': return `${typeName(t.element)}[${t.length}]`;
    case 'struct': return t.name;
    case 'tuple': return `(${t.elements.map(typeName).join(',')})`;
    case 'record': return `(${t.fields.map((f) => `${f.name}=${typeName(f.type)}`).join(',')})`;
    case 'aggregate': return `${t.func}_t`;
    case 'stack': return t.user ? 'ustack' : 'kstack';
    case 'special': return `${t.name}_t`;
  }
}

/** Structural equality. */
export function sameType(a: Type, b: Type): boolean {
  return typeName(a) === typeName(b);
}
