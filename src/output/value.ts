// The userspace value model: what the runtime decodes map keys, map values and ring-buffer
// records into, and what every printer (text, json) consumes. It holds decoded, typed values
// only; turning raw bytes into these values is the compiler/runtime's job, because only it
// knows the layouts it generated.
//
// Integers are bigint with their signedness and width, because bpftrace prints a u64 of
// 2^64-1 as 18446744073709551615 and an s64 -1 as -1 from the same bits, and `%x` of a
// negative s32 prints 32 bits, not 64.

/** Integer widths the language has (int8 .. int64, uint8 .. uint64). */
export type IntBits = 8 | 16 | 32 | 64;

export interface IntValue {
  readonly kind: 'int';
  /** The mathematical value (already sign- or zero-extended from `bits`). */
  readonly value: bigint;
  readonly signed: boolean;
  readonly bits: IntBits;
  /** An enum value's enumerator name (printf's %s prints it; numbers print the value). */
  readonly enumerator?: string;
}

export interface BoolValue {
  readonly kind: 'bool';
  readonly value: boolean;
}

export interface StringValue {
  readonly kind: 'string';
  /** Up to the first NUL, decoded as UTF-8 / Latin-1 by the runtime. */
  readonly value: string;
}

/** `buf(p, n)`: raw bytes, printed with `%r` as escaped text and as hex `\x..` otherwise. */
export interface BufferValue {
  readonly kind: 'buffer';
  readonly bytes: Uint8Array;
}

export interface TupleValue {
  readonly kind: 'tuple';
  readonly elements: readonly Value[];
}

/** A record value (named fields), e.g. a struct read with `*$p` or a named tuple. */
export interface RecordValue {
  readonly kind: 'record';
  /** A struct's type name (e.g. `struct task_struct`) or undefined for named tuples. */
  readonly typeName?: string;
  readonly fields: readonly { readonly name: string; readonly value: Value }[];
}

/** A fixed-size array (e.g. `int[4]` struct member). */
export interface ArrayValue {
  readonly kind: 'array';
  readonly elements: readonly Value[];
}

/**
 * One resolved code address. The runtime symbolizes before printing (kallsyms, ELF symtab,
 * perf maps): `symbol` is e.g. `do_sys_openat2+5` or undefined when unknown, in which case the
 * printers fall back to hex as bpftrace does.
 */
export interface Frame {
  readonly address: bigint;
  readonly symbol?: string;
  /** Module / binary name, printed in `perf` stack mode and with usym's `show_module`. */
  readonly module?: string;
}

/** bpftrace's stack output modes (`kstack(perf)`, `ustack(raw, 5)`, config `stack_mode`). */
export type StackMode = 'bpftrace' | 'perf' | 'raw';

export interface StackValue {
  readonly kind: 'stack';
  readonly which: 'kstack' | 'ustack';
  readonly mode: StackMode;
  /** Innermost frame first, as the kernel returns them. */
  readonly frames: readonly Frame[];
}

/** `ksym(addr)`, `usym(addr)`, `func` for uprobes etc. */
export interface SymbolValue {
  readonly kind: 'symbol';
  readonly which: 'ksym' | 'usym';
  readonly frame: Frame;
}

/** `ntop(...)` / `macaddr(...)`: already decoded network addresses. */
export interface InetValue {
  readonly kind: 'inet';
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

export interface MacAddrValue {
  readonly kind: 'macaddr';
  readonly bytes: Uint8Array;
}

/** `strftime(fmt, ns)`: formatted in userspace at print time, from a boot-relative/real ns. */
export interface TimestampValue {
  readonly kind: 'timestamp';
  readonly format: string;
  /** Nanoseconds since the Unix epoch (the runtime converts boot/monotonic clocks first). */
  readonly epochNs: bigint;
}

/** `cgroup_path(id)`, `username` (uid), `path(...)`: text resolved by the runtime. */
export interface ResolvedTextValue {
  readonly kind: 'text';
  /** What produced it, for JSON type fidelity and debugging. */
  readonly source: 'cgroup_path' | 'username' | 'path' | 'strerror' | 'enum' | 'other';
  readonly value: string;
}

/** A map value that was never set (e.g. reading a missing key); printed as 0 / empty. */
export interface NoneValue {
  readonly kind: 'none';
}

/** Any plain (non-aggregate) value: map keys, scalar map values, printf arguments, print(). */
export type Value =
  | IntValue
  | BoolValue
  | StringValue
  | BufferValue
  | TupleValue
  | RecordValue
  | ArrayValue
  | StackValue
  | SymbolValue
  | InetValue
  | MacAddrValue
  | TimestampValue
  | ResolvedTextValue
  | NoneValue;

// ---- aggregate map values (already summed across CPUs by the runtime) ----

export interface CountAggregate {
  readonly kind: 'count';
  readonly value: bigint;
}

export interface SumAggregate {
  readonly kind: 'sum';
  readonly value: bigint;
  readonly signed: boolean;
}

export interface MinMaxAggregate {
  readonly kind: 'min' | 'max';
  readonly value: bigint;
  readonly signed: boolean;
}

export interface AvgAggregate {
  readonly kind: 'avg';
  readonly sum: bigint;
  readonly count: bigint;
  readonly signed: boolean;
}

export interface StatsAggregate {
  readonly kind: 'stats';
  readonly sum: bigint;
  readonly count: bigint;
  readonly signed: boolean;
}

/**
 * `hist(n[, k])`. `buckets[i]` is the count in bpftrace's slot i, exactly as the BPF side
 * computes it (see histogram.ts `log2Slot` for the slot function, shared with the compiler so
 * kernel and printer agree): slot 0 is negative values, slot 1 is 0, then 2^k slots per power
 * of two. Missing trailing slots are zero.
 */
export interface HistAggregate {
  readonly kind: 'hist';
  /** k: log2 of the number of sub-buckets per power of two (0..5). */
  readonly bits: number;
  readonly buckets: readonly bigint[];
}

/**
 * `lhist(n, min, max, step)`. `buckets[0]` counts n < min, `buckets[1..m]` the m = (max-min)/step
 * linear buckets, `buckets[m+1]` counts n >= max.
 */
export interface LhistAggregate {
  readonly kind: 'lhist';
  readonly min: bigint;
  readonly max: bigint;
  readonly step: bigint;
  readonly buckets: readonly bigint[];
}

export type Aggregate =
  | CountAggregate
  | SumAggregate
  | MinMaxAggregate
  | AvgAggregate
  | StatsAggregate
  | HistAggregate
  | LhistAggregate;

/** What a map entry can hold. */
export type MapValue = Value | Aggregate;

/** The kind of a whole map: one of the aggregates, or 'value' for plain assignments. */
export type MapKind = Aggregate['kind'] | 'value';

export interface MapEntry {
  /** Empty for a scalar map (`@x = 1`); one element per key component otherwise. */
  readonly key: readonly Value[];
  readonly value: MapValue;
}

/** One map's contents as the printers consume them (order of entries does not matter). */
export interface MapDump {
  /** Including the `@`, e.g. `@bytes`, or just `@` for the anonymous map. */
  readonly name: string;
  readonly kind: MapKind;
  readonly entries: readonly MapEntry[];
}

// ---- constructors: short, so tests and the runtime read well ----

export function int(value: bigint | number, signed = true, bits: IntBits = 64): IntValue {
  return { kind: 'int', value: BigInt(value), signed, bits };
}
export function uint(value: bigint | number, bits: IntBits = 64): IntValue {
  return { kind: 'int', value: BigInt(value), signed: false, bits };
}
export function str(value: string): StringValue {
  return { kind: 'string', value };
}
export function bool(value: boolean): BoolValue {
  return { kind: 'bool', value };
}
export function tuple(...elements: Value[]): TupleValue {
  return { kind: 'tuple', elements };
}
export const none: NoneValue = { kind: 'none' };

export function count(value: bigint | number): CountAggregate {
  return { kind: 'count', value: BigInt(value) };
}
export function sum(value: bigint | number, signed = true): SumAggregate {
  return { kind: 'sum', value: BigInt(value), signed };
}
export function min(value: bigint | number, signed = true): MinMaxAggregate {
  return { kind: 'min', value: BigInt(value), signed };
}
export function max(value: bigint | number, signed = true): MinMaxAggregate {
  return { kind: 'max', value: BigInt(value), signed };
}
export function avg(total: bigint | number, n: bigint | number, signed = true): AvgAggregate {
  return { kind: 'avg', sum: BigInt(total), count: BigInt(n), signed };
}
export function stats(total: bigint | number, n: bigint | number, signed = true): StatsAggregate {
  return { kind: 'stats', sum: BigInt(total), count: BigInt(n), signed };
}

export function isAggregate(v: MapValue): v is Aggregate {
  switch (v.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return true;
    default:
      return false;
  }
}

/**
 * Reduce a value to wrap-around integer semantics of its width: the compiler may hand over
 * bits (e.g. 0xffffffff for an s32) and this turns them into the value they mean.
 */
export function normalizeInt(raw: bigint, signed: boolean, bits: IntBits): bigint {
  return signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
}
