// Ring-buffer records: how a BPF program asks userspace to do something it cannot (format text,
// print or clear a map, read a file, stop the session). Each record starts with a u64 record id
// that indexes the session's record table; the payload that follows is laid out by the compiler
// and described here, so the runtime can decode it into output/value.ts values without knowing
// the script.
import type { Type } from '../lang/types.js';

/** One packed argument of a printf-like record. */
export interface RecordField {
  type: Type;
  /** Byte offset in the record (after the 8-byte id). */
  offset: number;
  /** strftime(): the format, applied in userspace to the nanoseconds carried. */
  format?: string;
}

export type RecordSpec =
  | { kind: 'printf'; format: string; fields: RecordField[]; size: number }
  /** cat(): the file name is `format` filled with the fields, as printf's text is. */
  | { kind: 'cat'; format: string; fields: RecordField[]; size: number }
  | { kind: 'print'; map: string; top?: number; div?: number }
  | { kind: 'printValue'; field: RecordField; size: number }
  | { kind: 'clear'; map: string }
  | { kind: 'zero'; map: string }
  | { kind: 'time'; format: string }
  | { kind: 'exit'; code: number }
  /** join(): u64 count at offset 8, then `count` slots of `argSize` bytes from offset 16. */
  | { kind: 'join'; delimiter: string; count: number; argSize: number };

export const RECORD_HEADER = 8;

/** The session's record table: record ids are indexes. */
export class RecordTable {
  readonly records: RecordSpec[] = [];
  add(spec: RecordSpec): number {
    this.records.push(spec);
    return this.records.length - 1;
  }
}
