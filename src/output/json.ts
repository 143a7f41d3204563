// bpftrace's `-f json` output: one JSON object per line (NDJSON), `{"type": T, "data": D}`.
// Spacing follows bpftrace byte for byte: objects use ", " and ": ", arrays use "," (tuples,
// histogram bucket lists). Integers that a double cannot hold exactly are emitted as strings
// (RFC 8259 interoperability, as bpftrace does). Map keys become strings: the key's text form
// with the tuple parentheses and all spaces removed ("1,a").

import { bucketsOf, type Bucket } from './histogram.js';
import { keyText, valueText } from './format-value.js';
import { strftime } from './strftime.js';
import { average, divide, orderEntries, orderMaps } from './map-order.js';
import type { PrintOptions } from './text.js';
import type { MapDump, MapValue, Value } from './value.js';

/** A JSON string literal with bpftrace's escapes (", \, \n, \r, \t, other controls as \u00XX). */
export function jsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c <= 0x1f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** An integer as a JSON number, or as a string when a double would change it. */
export function jsonInteger(v: bigint): string {
  return BigInt(Number(v)) === v ? v.toString() : jsonString(v.toString());
}

export function jsonValue(v: Value): string {
  switch (v.kind) {
    case 'int':
      return jsonInteger(v.value);
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'string':
    case 'text':
      return jsonString(v.value);
    case 'buffer':
      return '[' + Array.from(v.bytes, (b) => String(b)).join(',') + ']';
    case 'tuple':
      return '[' + v.elements.map(jsonValue).join(',') + ']';
    case 'array':
      return '[' + v.elements.map(jsonValue).join(',') + ']';
    case 'record':
      return '{' + v.fields.map((f) => `${jsonString(f.name)}: ${jsonValue(f.value)}`).join(', ') + '}';
    case 'symbol':
      // JSON carries the address, not the symbol (bpftrace: "JSON does not emit symbolic values").
      return jsonInteger(v.frame.address);
    case 'timestamp':
      return jsonString(strftime(v.format, v.epochNs));
    case 'none':
      return 'null';
    default: {
      // Stacks, addresses: their text form as a string.
      return jsonString(textForJson(v));
    }
  }
}

function textForJson(v: Value): string {
  return valueText(v);
}

function bucketJson(b: Bucket): string {
  let s = '{';
  if (b.lower) s += `"min": ${jsonInteger(b.lower.value)}, `;
  if (b.upper) s += `"max": ${jsonInteger(b.upper.value - 1n)}, `;
  return s + `"count": ${b.count}}`;
}

export function jsonMapValue(v: MapValue, div = 1n): string {
  switch (v.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return jsonInteger(divide(v.value, div));
    case 'avg':
      return jsonInteger(divide(average(v.sum, v.count, v.signed), div));
    case 'stats':
      return `{"count": ${v.count}, "average": ${jsonInteger(divide(average(v.sum, v.count, v.signed), div))}, "total": ${jsonInteger(v.sum)}}`;
    case 'hist':
    case 'lhist':
      return '[' + bucketsOf(v, div).map(bucketJson).join(',') + ']';
    default:
      return jsonValue(v);
  }
}

/** The message type of a map: "hist" for hist/lhist, "stats" for avg/stats, else "map". */
export function jsonMapType(dump: MapDump): 'map' | 'hist' | 'stats' {
  if (dump.kind === 'avg' || dump.kind === 'stats') return 'stats';
  // bpftrace decides from the first value, so an empty keyed histogram map is a plain "map".
  if ((dump.kind === 'hist' || dump.kind === 'lhist') && dump.entries.length > 0) return 'hist';
  return 'map';
}

/** One map as a JSON line (exit or print(@m)). */
export function mapJson(dump: MapDump, opts: PrintOptions = {}): string {
  const div = opts.div ?? 1n;
  const entries = orderEntries(dump, opts.top ?? 0);
  let data: string;
  const scalar = dump.entries.length > 0 && dump.entries.every((e) => e.key.length === 0);
  if (scalar) data = jsonMapValue(entries[0]!.value, div);
  else {
    data = '{' + entries
      .map((e) => `${jsonString(keyText(e.key).replace(/ /g, ''))}: ${jsonMapValue(e.value, div)}`)
      .join(', ') + '}';
  }
  return `{"type": "${jsonMapType(dump)}", "data": {${jsonString(dump.name)}: ${data}}}\n`;
}

/** Maps at exit in JSON mode: each map on its own line, no separator lines. */
export function exitJson(maps: readonly MapDump[]): string {
  return orderMaps(maps).map((m) => mapJson(m)).join('');
}

/** Messages whose data is a string: printf, time, cat, join, syscall. */
export function messageJson(type: 'printf' | 'time' | 'cat' | 'join' | 'syscall', text: string): string {
  return `{"type": "${type}", "data": ${jsonString(text)}}\n`;
}

/** print(value) of a non-map value. */
export function printValueJson(v: MapValue): string {
  return `{"type": "value", "data": ${jsonMapValue(v)}}\n`;
}

/** Current release form; it keeps 0.17's "data" object so old consumers still parse it. */
export function attachedProbesJson(n: number): string {
  return `{"type": "attached_probes", "count": ${n}, "data": {"probes": ${n}}}\n`;
}

export function lostEventsJson(n: bigint | number): string {
  return `{"type": "lost_events", "count": ${n}, "data": {"events": ${n}}}\n`;
}
