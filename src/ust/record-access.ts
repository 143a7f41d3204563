// Context loads of a tracepoint's filter, read from the event object in place (for the JavaScript
// JIT, src/vm/jsjit): every load yields exactly the bytes that recordWriter (record.ts) would
// have put in the record, without writing the record. An integer field is converted the way the
// writer converts it (ToUint32 for a u32, BigInt.asUintN for a u64, ...). A string is UTF-8:
// for an ASCII string (nearly every path or name) its bytes are its char codes, so nothing is
// encoded; its UTF-8 length comes from Buffer.byteLength (native and vectorised: a JavaScript loop
// testing each char cost as much as the whole filter), and equals the string's length exactly when
// it is ASCII. Other strings are encoded once per event, when first read.
// Bytes past a string's end read as 0 (in a written record they are whatever the last longer
// string left there; the filter compiler never reads them).
import type { ContextAccess, Facts } from '../vm/jsjit/compile.js';
import { Buffer } from 'node:buffer';
import { FieldLayout, INT_BYTES, IntType, RecordLayout } from '../lang/filter/layout.js';
import { fieldString as stringOf } from './record.js';

const encoder = new TextEncoder();


const byteLength = Buffer.byteLength;

/** A 64-bit field's value split in int32 halves: returns the low one, leaves the high in `halves.hi`. */
const halves = { hi: 0 };
function u64Low(v: unknown): number {
  if (typeof v === 'bigint') {
    halves.hi = Number(BigInt.asIntN(32, v >> 32n));
    return Number(BigInt.asIntN(32, v));
  }
  const t = Math.trunc(Number(v ?? 0));
  if (!Number.isFinite(t)) BigInt(t); // what the writer does: throws the same RangeError
  halves.hi = Math.floor(t / 4294967296) | 0;
  return t | 0;
}

/** The low 32 bits of an integer field of at most 4 bytes, as the writer stores it. */
function intBits(type: IntType, v: unknown): number {
  const n = Number(v ?? 0);
  return INT_BYTES[type] === 1 ? n & 0xff : INT_BYTES[type] === 2 ? n & 0xffff : n | 0;
}

/** Byte `at` of the record for event `e` (the slow path: loads at run-time offsets, odd widths). */
function recordByte(e: Record<string, unknown>, fields: readonly FieldLayout[], at: number, strings: Map<FieldLayout, Uint8Array>): number {
  for (const f of fields) {
    if (f.type === 'string') {
      if (at < f.offset || at >= f.offset + 4 + f.capacity) continue;
      let bytes = strings.get(f);
      if (!bytes) { bytes = encoder.encode(stringOf(e[f.name])); strings.set(f, bytes); }
      if (at < f.offset + 4) return (bytes.length >>> (8 * (at - f.offset))) & 0xff;
      return bytes[at - f.offset - 4] ?? 0;
    }
    const width = INT_BYTES[f.type as IntType];
    if (at < f.offset || at >= f.offset + width) continue;
    const k = at - f.offset;
    if (width < 8) return (intBits(f.type as IntType, e[f.name]) >>> (8 * k)) & 0xff;
    const lo = u64Low(e[f.name]);
    return ((k < 4 ? lo : halves.hi) >>> (8 * (k & 3))) & 0xff;
  }
  return 0; // padding
}

/** `size` bytes at `at`, little-endian: returns the low 32 bits, leaves the high in `halves.hi`. */
function recordLoad(e: Record<string, unknown>, fields: readonly FieldLayout[], at: number, size: number): number {
  const strings = new Map<FieldLayout, Uint8Array>();
  let lo = 0, hi = 0;
  for (let k = 0; k < size; k++) {
    const b = recordByte(e, fields, at + k, strings);
    if (k < 4) lo |= b << (8 * k); else hi |= b << (8 * (k - 4));
  }
  halves.hi = hi;
  return lo;
}

export function recordAccess(layout: RecordLayout): ContextAccess {
  const fields = [...layout.fields.values()];
  const strings = fields.filter((f) => f.type === 'string');
  const id = (f: FieldLayout): number => strings.indexOf(f);
  const prop = (f: FieldLayout): string => `e[${JSON.stringify(f.name)}]`;
  /** Makes string field j's locals valid: sJ (the string), uJ (its UTF-8 bytes, undefined if ASCII), nJ (byte length). */
  // Emitted where some path may reach the load without it; `facts` says where none can.
  const ensure = (f: FieldLayout, facts: Facts): string => {
    const j = id(f);
    const fact = `string ${f.name} decoded`;
    if (facts.has(fact)) return '';
    facts.add(fact);
    return `if (n${j} < 0) { const v = ${prop(f)}; s${j} = typeof v === 'string' ? v : stringOf(v); n${j} = byteLength(s${j}, 'utf8'); if (n${j} !== s${j}.length) u${j} = encoder.encode(s${j}); }`;
  };
  /** Bytes [i + from, i + from + n) of string j, little-endian: char codes when it is ASCII. */
  const word = (j: number, i: string, from: number, n: number): string => {
    const bytes = (at: (k: number) => string): string => Array.from({ length: n }, (_, k) => `${at(k)} << ${8 * k}`).join(' | ');
    const plus = (k: number): string => (i === '0' ? `${from + k}` : `${i} + ${from + k}`);
    return `(u${j} === undefined ? ${bytes((k) => `s${j}.charCodeAt(${plus(k)})`)} : ${bytes((k) => `u${j}[${plus(k)}]`)})`;
  };
  const signExtend = (lo: string, hi: string, size: number, signed: boolean): string => {
    if (!signed || size === 8) return '';
    const shift = 32 - 8 * size;
    return `${shift ? `${lo} = (${lo} << ${shift}) >> ${shift}; ` : ''}${hi} = ${lo} >> 31;`;
  };
  const slow = (lo: string, hi: string, at: string, size: number, signed: boolean): string =>
    `${lo} = recordLoad(e, fields, ${at}, ${size}); ${hi} = halves.hi; ${signExtend(lo, hi, size, signed)}`;

  return {
    bindings: { stringOf, byteLength, encoder, halves, u64Low, recordLoad, fields },
    prologue: () => strings.map((_, j) => `let s${j} = '', u${j}, n${j} = -1;`).join(' '),
    // A run-time offset: a string's bytes (a suffix glob reads them at its length) are read from
    // the string as at a constant offset; anything else takes the slow path.
    loadAt(lo, hi, at, size, signed, facts) {
      let code = `{ const o = ${at}; `;
      for (const f of strings) {
        const j = id(f), data = f.offset + 4;
        // A fact only on this branch: not for the instructions after.
        code += `if (o >= ${data} && o <= ${data + f.capacity - size}) { const i = o - ${data}; ${ensure(f, new Set(facts))} `
          + `${lo} = ${word(j, 'i', 0, Math.min(size, 4))}; ${hi} = ${size === 8 ? word(j, 'i', 4, 4) : '0'}; } else `;
      }
      return `${code}{ ${lo} = recordLoad(e, fields, o, ${size}); ${hi} = halves.hi; } ${signExtend(lo, hi, size, signed)}}`;
    },
    load(lo, hi, at, size, signed, facts) {
      const f = fields.find((x) => at >= x.offset && at < x.offset + (x.type === 'string' ? 4 + x.capacity : INT_BYTES[x.type as IntType]));
      if (!f) return slow(lo, hi, `${at}`, size, signed);
      if (f.type === 'string') {
        const j = id(f);
        if (at === f.offset && size === 4) return `${ensure(f, facts)} ${lo} = n${j}; ${hi} = 0;`;
        const i = at - f.offset - 4;
        if (i < 0 || i + size > f.capacity) return slow(lo, hi, `${at}`, size, signed);
        // Char codes of an ASCII string are its bytes (NaN past the end shifts and ors as 0).
        const low = word(j, '0', i, Math.min(size, 4));
        const high = size === 8 ? word(j, '0', i + 4, 4) : '0';
        return `${ensure(f, facts)} ${lo} = ${low}; ${hi} = ${high}; ${signExtend(lo, hi, size, signed)}`;
      }
      const width = INT_BYTES[f.type as IntType];
      if (at !== f.offset || size !== width) return slow(lo, hi, `${at}`, size, signed);
      if (width === 8) return `${lo} = u64Low(${prop(f)}); ${hi} = halves.hi;`;
      const bits = width === 1 ? `Number(${prop(f)} ?? 0) & 0xff` : width === 2 ? `Number(${prop(f)} ?? 0) & 0xffff` : `Number(${prop(f)} ?? 0) | 0`;
      return `${lo} = ${bits}; ${hi} = 0; ${signExtend(lo, hi, size, signed)}`;
    },
  };
}
