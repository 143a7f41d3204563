// printf() formatting in userspace, with C printf(3) semantics as bpftrace gets them from
// snprintf: every integer argument travels as 64 bits (sign-extended for signed types), and the
// length modifier decides how many of those bits the conversion reads, so `%d` of 2^32 prints 0
// and `%lx` of an int32 -1 prints ffffffffffffffff. bpftrace's own conversions: %r (buffer,
// escaped), %rx (\xNN for every byte), %rh (hex bytes separated by spaces).

import { hexEscapeBuffer, valueText } from './format-value.js';
import type { Value } from './value.js';

export type Conversion = 'd' | 'i' | 'u' | 'o' | 'x' | 'X' | 'c' | 's' | 'p' | 'r' | 'rx' | 'rh';

export interface FormatSpec {
  readonly flags: string;
  readonly width?: number;
  readonly precision?: number;
  /** '', 'hh', 'h', 'l', 'll', 'j', 'z', 't'. */
  readonly length: string;
  readonly conversion: Conversion;
}

/** A format string split into literal text and conversions. */
export type FormatPart = string | FormatSpec;

const SPEC = /%([-+ #0]*)(\d+)?(?:\.(\d*))?(hh|h|ll|l|j|z|t)?(rx|rh|[diuoxXcspr%])/y;

/** Thrown for a malformed format string (the front end should reject these at compile time). */
export class PrintfFormatError extends Error {}

export function parsePrintfFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let text = '';
  for (let i = 0; i < format.length; ) {
    const c = format[i]!;
    if (c !== '%') {
      text += c;
      i++;
      continue;
    }
    SPEC.lastIndex = i;
    const m = SPEC.exec(format);
    if (!m) throw new PrintfFormatError(`invalid printf conversion at offset ${i}: ${format.slice(i, i + 6)}`);
    i = SPEC.lastIndex;
    if (m[5] === '%') {
      text += '%';
      continue;
    }
    if (text) parts.push(text);
    text = '';
    parts.push({
      flags: m[1] ?? '',
      width: m[2] === undefined ? undefined : Number(m[2]),
      precision: m[3] === undefined ? undefined : Number(m[3] || '0'),
      length: m[4] ?? '',
      conversion: m[5] as Conversion,
    });
  }
  if (text) parts.push(text);
  return parts;
}

/** The number of arguments a format string consumes. */
export function printfArgumentCount(format: string): number {
  return parsePrintfFormat(format).filter((p) => typeof p !== 'string').length;
}

function bitsOf(length: string): number {
  switch (length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case '':
      return 32;
    default:
      return 64;
  }
}

/** The 64 bits an argument is passed as (sign- or zero-extended from its own width). */
function argBits(v: Value): bigint {
  switch (v.kind) {
    case 'int':
      return BigInt.asUintN(64, v.value);
    case 'bool':
      return v.value ? 1n : 0n;
    case 'symbol':
      return v.frame.address;
    case 'none':
      return 0n;
    default:
      throw new PrintfFormatError(`printf: integer conversion given a ${v.kind}`);
  }
}

function pad(body: string, spec: FormatSpec, signPrefix = '', allowZero = true): string {
  const width = spec.width ?? 0;
  const left = spec.flags.includes('-');
  const total = signPrefix.length + body.length;
  if (total >= width) return signPrefix + body;
  if (left) return (signPrefix + body).padEnd(width);
  if (allowZero && spec.flags.includes('0')) return signPrefix + body.padStart(width - signPrefix.length, '0');
  return (signPrefix + body).padStart(width);
}

function formatInteger(spec: FormatSpec, v: Value): string {
  const bits = bitsOf(spec.length);
  const raw = BigInt.asUintN(bits, argBits(v));
  const signed = spec.conversion === 'd' || spec.conversion === 'i';
  let n = signed ? BigInt.asIntN(bits, raw) : raw;
  let sign = '';
  if (n < 0n) {
    sign = '-';
    n = -n;
  } else if (signed && spec.flags.includes('+')) sign = '+';
  else if (signed && spec.flags.includes(' ')) sign = ' ';
  let digits: string;
  switch (spec.conversion) {
    case 'o':
      digits = n.toString(8);
      break;
    case 'x':
      digits = n.toString(16);
      break;
    case 'X':
      digits = n.toString(16).toUpperCase();
      break;
    default:
      digits = n.toString(10);
  }
  // C: an explicit precision is the minimum digit count, and turns off the 0 flag.
  if (spec.precision !== undefined) {
    digits = spec.precision === 0 && n === 0n ? '' : digits.padStart(spec.precision, '0');
  }
  if (spec.flags.includes('#') && n !== 0n) {
    if (spec.conversion === 'x') sign += '0x';
    else if (spec.conversion === 'X') sign += '0X';
    else if (spec.conversion === 'o' && !digits.startsWith('0')) digits = '0' + digits;
  }
  return pad(digits, spec, sign, spec.precision === undefined);
}

function bufferBytes(v: Value): Uint8Array {
  if (v.kind === 'buffer') return v.bytes;
  if (v.kind === 'string') return new TextEncoder().encode(v.value);
  throw new PrintfFormatError(`printf: %r given a ${v.kind}`);
}

/** Format one conversion. */
export function formatConversion(spec: FormatSpec, v: Value): string {
  switch (spec.conversion) {
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      return formatInteger(spec, v);
    case 'c':
      return pad(String.fromCharCode(Number(argBits(v) & 0xffn)), spec, '', false);
    case 'p': {
      const a = argBits(v);
      return pad(a === 0n ? '(nil)' : '0x' + a.toString(16), spec, '', false);
    }
    case 's': {
      let s = v.kind === 'int' && v.enumerator !== undefined ? v.enumerator : valueText(v);
      if (spec.precision !== undefined) s = s.slice(0, spec.precision);
      return pad(s, spec, '', false);
    }
    case 'r':
      return pad(hexEscapeBuffer(bufferBytes(v)), spec, '', false);
    case 'rx':
      return pad(Array.from(bufferBytes(v), (b) => '\\x' + b.toString(16).padStart(2, '0')).join(''), spec, '', false);
    case 'rh':
      return pad(Array.from(bufferBytes(v), (b) => b.toString(16).padStart(2, '0')).join(' '), spec, '', false);
  }
}

/** printf(fmt, args...) as bpftrace prints it. Missing arguments format as empty/zero. */
export function formatPrintf(format: string | readonly FormatPart[], args: readonly Value[]): string {
  const parts = typeof format === 'string' ? parsePrintfFormat(format) : format;
  let out = '';
  let next = 0;
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else out += formatConversion(p, args[next++] ?? { kind: 'none' });
  }
  return out;
}
