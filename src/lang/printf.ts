// printf-style format strings (printf, cat, system, errorf, warnf): parse the conversions and
// check them against argument types, as bpftrace does at compile time. The parsed form is also
// what the output layer needs to format the values in userspace.

import type { Type } from './types.js';

export interface FormatSpec {
  /** The whole conversion as written, e.g. "%-16s", "%llx", "%rh". */
  text: string;
  /** Conversion: d i u x X o c s p r rx rh gr %. */
  conversion: string;
  flags: string;
  width?: number;
  precision?: number;
  /** Length modifier: hh h l ll j z t (ignored for width, as in bpftrace). */
  length: string;
  /** Character offset of the `%` in the format string. */
  offset: number;
}

export type FormatPiece = { literal: string } | { spec: FormatSpec };

/** Split a format string into literal text and conversions. Throws Error(message) when malformed. */
export function parseFormat(fmt: string): FormatPiece[] {
  const out: FormatPiece[] = [];
  let lit = '';
  const re = /%([-+ #0]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|j|z|t)?(rx|rh|r|gr|[diouxXcsp%])/y;
  for (let i = 0; i < fmt.length;) {
    if (fmt[i] !== '%') {
      lit += fmt[i++];
      continue;
    }
    re.lastIndex = i;
    const m = re.exec(fmt);
    if (!m) {
      const bad = fmt.slice(i, i + 2);
      throw new Error(`Invalid format string: '${bad}' is not a valid format specifier`);
    }
    if (m[5] === '%') {
      lit += '%';
    } else {
      if (lit) out.push({ literal: lit });
      lit = '';
      out.push({ spec: { text: m[0], conversion: m[5], flags: m[1], width: m[2] ? Number(m[2]) : undefined, precision: m[3] ? Number(m[3]) : undefined, length: m[4] ?? '', offset: i } });
    }
    i += m[0].length;
  }
  if (lit) out.push({ literal: lit });
  return out;
}

export function formatSpecs(fmt: string): FormatSpec[] {
  return parseFormat(fmt).flatMap((p) => ('spec' in p ? [p.spec] : []));
}

/** What kind of value a type is for format checking. */
function valueClass(t: Type): 'integer' | 'string' | 'buffer' | 'pointer' | 'other' {
  switch (t.kind) {
    case 'int': case 'bool': return 'integer';
    case 'pointer': return 'pointer';
    case 'string': return 'string';
    case 'buffer': return 'buffer';
    case 'aggregate': return ['count', 'sum', 'min', 'max', 'avg'].includes(t.func) ? 'integer' : 'other';
    case 'special': return 'string';
    case 'array': return t.element.kind === 'int' && t.element.bits === 8 ? 'string' : 'other';
    default: return 'other';
  }
}

function describeClass(t: Type): string {
  const c = valueClass(t);
  return c === 'other' ? t.kind : c;
}

/**
 * Check arguments against a format string. Returns an error message (bpftrace's wording), with
 * the index of the offending argument (-1: the call as a whole), or undefined if fine.
 */
export function checkFormat(fn: string, fmt: string, args: Type[]): { message: string; arg: number } | undefined {
  let specs: FormatSpec[];
  try {
    specs = formatSpecs(fmt);
  } catch (e) {
    return { message: `${fn}: ${(e as Error).message}`, arg: -1 };
  }
  if (args.length < specs.length) {
    return { message: `${fn}: Not enough arguments for format string (${args.length} supplied, ${specs.length} expected)`, arg: -1 };
  }
  if (args.length > specs.length) {
    return { message: `${fn}: Too many arguments for format string (${args.length} supplied, ${specs.length} expected)`, arg: -1 };
  }
  for (let i = 0; i < specs.length; i++) {
    const c = specs[i].conversion;
    const cls = valueClass(args[i]);
    let ok: boolean;
    let want: string;
    switch (c) {
      // %s prints anything that has a text form (strings, symbols, stacks, tuples), not numbers.
      case 's': ok = (cls !== 'integer' && cls !== 'pointer') || (args[i].kind === 'int' && (args[i] as { enumName?: string }).enumName !== undefined); want = 'string'; break;
      case 'r': case 'rx': case 'rh': ok = cls === 'buffer' || cls === 'string' || args[i].kind === 'array'; want = 'buffer'; break;
      case 'p': ok = cls === 'pointer' || cls === 'integer'; want = 'pointer'; break;
      default: ok = cls === 'integer' || cls === 'pointer'; want = 'integer'; break;
    }
    if (!ok) {
      return { message: `${fn}: %${c} specifier expects a value of type ${want} (${describeClass(args[i])} supplied)`, arg: i };
    }
  }
  return undefined;
}
