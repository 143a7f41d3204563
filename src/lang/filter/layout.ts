// The byte layout of the event record a filter reads: each field's type and offset. Integers are
// stored little-endian at their natural alignment; a string is a u32 byte length followed by up
// to `capacity` bytes of UTF-8 (longer strings keep their true length but only `capacity` bytes).
export type IntType = 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export type FieldType = IntType | 'string';

export interface FieldLayout {
  readonly name: string;
  readonly type: FieldType;
  readonly offset: number;
  /** Strings: bytes kept after the length. */
  readonly capacity: number;
}

export interface RecordLayout {
  readonly fields: ReadonlyMap<string, FieldLayout>;
  readonly size: number;
}

export const INT_BYTES: Record<IntType, 1 | 2 | 4 | 8> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };
export const isSigned = (t: IntType): boolean => t[0] === 's';
export const DEFAULT_STRING_CAPACITY = 128;

export function layoutRecord(fields: Readonly<Record<string, FieldType>>, stringCapacity = DEFAULT_STRING_CAPACITY): RecordLayout {
  const out = new Map<string, FieldLayout>();
  let at = 0;
  for (const [name, type] of Object.entries(fields)) {
    if (type !== 'string' && !(type in INT_BYTES)) throw new RangeError(`field '${name}': unknown type '${type}'`);
    const align = type === 'string' ? 4 : INT_BYTES[type];
    at = Math.ceil(at / align) * align;
    const capacity = type === 'string' ? Math.ceil(stringCapacity / 8) * 8 : 0;
    out.set(name, { name, type, offset: at, capacity });
    at += type === 'string' ? 4 + capacity : INT_BYTES[type];
  }
  return { fields: out, size: Math.max(8, Math.ceil(at / 8) * 8) };
}
