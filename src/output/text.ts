// bpftrace's text output: maps (at exit and for print()), print() of plain values, and the
// fixed messages (attached probes, lost events). printf/time/cat/join text is the formatted
// string itself and needs nothing here.
//
// Layout, per entry:
//   plain maps       `@name[key]: value`                      one line each
//   avg / stats      same, and one blank line after the map
//   hist / lhist     `@name[key]:` then the rows, then a blank line (per entry)
// A scalar map has no `[key]`.

import { bucketsOf, histogramRows } from './histogram.js';
import { keyText, valueText } from './format-value.js';
import { average, divide, orderEntries, orderMaps } from './map-order.js';
import type { MapDump, MapEntry, MapValue } from './value.js';

export interface PrintOptions {
  /** print(@m, top): only the last `top` entries in print order (0 = all). */
  readonly top?: number;
  /** print(@m, top, div): divide values by `div` (0 = 1). */
  readonly div?: bigint;
}

/** Text of one non-histogram map value (after `div`). */
export function mapValueText(v: MapValue, div = 1n): string {
  switch (v.kind) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return divide(v.value, div).toString();
    case 'avg':
      return divide(average(v.sum, v.count, v.signed), div).toString();
    case 'stats':
      return `count ${v.count}, average ${divide(average(v.sum, v.count, v.signed), div)}, total ${v.sum}`;
    case 'hist':
    case 'lhist':
      return histogramRows(bucketsOf(v, div));
    case 'int':
      return divide(v.value, div).toString();
    default:
      return valueText(v);
  }
}

function entryName(name: string, e: MapEntry): string {
  return e.key.length === 0 ? name : `${name}[${keyText(e.key)}]`;
}

/** One map as bpftrace prints it at exit or for print(@m). */
export function mapText(dump: MapDump, opts: PrintOptions = {}): string {
  const div = opts.div ?? 1n;
  const entries = orderEntries(dump, opts.top ?? 0);
  let out = '';
  if (dump.kind === 'hist' || dump.kind === 'lhist') {
    for (const e of entries) out += `${entryName(dump.name, e)}:\n${mapValueText(e.value, div)}\n`;
    return out;
  }
  for (const e of entries) out += `${entryName(dump.name, e)}: ${mapValueText(e.value, div)}\n`;
  if ((dump.kind === 'avg' || dump.kind === 'stats') && entries.length > 0) out += '\n';
  return out;
}

/**
 * What bpftrace prints when tracing ends in text mode: two newlines, then every non-empty
 * map in name order.
 */
export function exitText(maps: readonly MapDump[]): string {
  return '\n\n' + orderMaps(maps).map((m) => mapText(m)).join('');
}

/** print(value) for a non-map value. */
export function printValueText(v: MapValue): string {
  return mapValueText(v) + '\n';
}

/** The line printed once probes are attached (current release wording). */
export function attachedProbesText(n: number): string {
  return `Attached ${n} probe${n === 1 ? '' : 's'}\n`;
}

export function lostEventsText(n: bigint | number): string {
  return `Lost ${n} events\n`;
}

/** cat() of a file that could not be opened or read (stderr, in text and JSON runs alike). */
export function catErrorText(file: string, reason: string): string {
  return `ERROR: failed to open file '${file}': ${reason}\n`;
}
