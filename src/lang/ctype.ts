// C type names as they appear in tracepoint formats, casts and script struct definitions,
// mapped to bpftrace types. Without BTF we know the fixed-width kernel typedefs (u32, __s64,
// pid_t, size_t, ...) and the C base types on LP64 (x86_64/arm64).

import type { Type, IntBits } from './types.js';
import { BOOL, I8, int, ptr, VOID } from './types.js';

const C_INTS: Record<string, [IntBits, boolean]> = {
  'char': [8, true], 'signed char': [8, true], 'unsigned char': [8, false],
  'short': [16, true], 'short int': [16, true], 'signed short': [16, true], 'unsigned short': [16, false], 'unsigned short int': [16, false],
  'int': [32, true], 'signed': [32, true], 'signed int': [32, true], 'unsigned': [32, false], 'unsigned int': [32, false],
  'long': [64, true], 'long int': [64, true], 'signed long': [64, true], 'unsigned long': [64, false], 'unsigned long int': [64, false],
  'long long': [64, true], 'long long int': [64, true], 'unsigned long long': [64, false], 'unsigned long long int': [64, false],
  'int8': [8, true], 'int16': [16, true], 'int32': [32, true], 'int64': [64, true],
  'uint8': [8, false], 'uint16': [16, false], 'uint32': [32, false], 'uint64': [64, false],
  'u8': [8, false], 'u16': [16, false], 'u32': [32, false], 'u64': [64, false],
  's8': [8, true], 's16': [16, true], 's32': [32, true], 's64': [64, true],
  '__u8': [8, false], '__u16': [16, false], '__u32': [32, false], '__u64': [64, false],
  '__s8': [8, true], '__s16': [16, true], '__s32': [32, true], '__s64': [64, true],
  'int8_t': [8, true], 'int16_t': [16, true], 'int32_t': [32, true], 'int64_t': [64, true],
  'uint8_t': [8, false], 'uint16_t': [16, false], 'uint32_t': [32, false], 'uint64_t': [64, false],
  '__be16': [16, false], '__be32': [32, false], '__be64': [64, false], '__le16': [16, false], '__le32': [32, false], '__le64': [64, false],
  'pid_t': [32, true], 'uid_t': [32, false], 'gid_t': [32, false], 'size_t': [64, false], 'ssize_t': [64, true],
  'loff_t': [64, true], 'off_t': [64, true], 'umode_t': [16, false], 'mode_t': [32, false], 'dev_t': [32, false],
  'gfp_t': [32, false], 'sector_t': [64, false], 'clockid_t': [32, true], 'key_serial_t': [32, true],
  'unsigned long long __attribute__((aligned(8)))': [64, false], 'bool': [8, false], '_Bool': [8, false],
};

/** Integer type for a known C integer name, or undefined. */
export function cIntType(name: string): Type | undefined {
  const n = name.replace(/\b(const|volatile|__user|__rcu|__iomem)\b/g, '').replace(/\s+/g, ' ').trim();
  if (n === 'bool' || n === '_Bool') return BOOL;
  const e = C_INTS[n];
  return e ? int(e[0], e[1]) : undefined;
}

/**
 * Map a C type as written in a tracepoint format ("const char *", "unsigned int", "u64",
 * "struct file *") to a Type. `size`/`signed` from the format decide unknown typedefs.
 */
export function cTypeToType(cType: string, size: number, signed: boolean): Type {
  const t = cType.replace(/\b(const|volatile|__user|__rcu|__iomem)\b/g, '').replace(/\s+/g, ' ').trim();
  const stars = (t.match(/\*/g) ?? []).length;
  if (stars > 0) {
    const base = t.replace(/\*/g, '').trim();
    let target: Type = base === 'void' ? VOID : cIntType(base) ?? (base.startsWith('struct ') || base.startsWith('union ') ? { kind: 'struct', name: base, size: 0, fields: [] } : I8);
    for (let i = 1; i < stars; i++) target = ptr(target);
    return ptr(target, 'kernel');
  }
  const known = cIntType(t);
  if (known && (known.kind !== 'int' || known.bits / 8 === size)) return known;
  // `enum skb_drop_reason reason`: an integer that printf's %s prints as its enumerator's name.
  const en = /^enum (\w+)$/.exec(t);
  if (en && (size === 1 || size === 2 || size === 4 || size === 8)) return { ...int((size * 8) as IntBits, signed), enumName: en[1] };
  if (size === 1 || size === 2 || size === 4 || size === 8) return int((size * 8) as IntBits, signed);
  return { kind: 'array', element: int(8, false), length: size };
}

