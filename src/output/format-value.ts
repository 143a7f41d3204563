// How one plain value prints in bpftrace's text output (map keys and values, print(), printf
// %s). Tuples get ", " between elements, arrays get "," (bpftrace's own asymmetry), structs
// print as `{ .a = 1, .b = 2 }`.

import { strftime } from './strftime.js';
import type { Frame, StackValue, Value } from './value.js';

/** Bytes of buf(): printable ASCII as is, everything else as \xNN (bpftrace's %r). */
export function hexEscapeBuffer(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b >= 0x20 && b <= 0x7e) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return s;
}

export function frameText(f: Frame): string {
  return f.symbol ?? '0x' + f.address.toString(16);
}

/**
 * kstack/ustack text, as bpftrace 0.17 prints it (captured) and the current release documents:
 * a newline, then one line per frame. bpftrace mode: 8 spaces and the symbol (`0x<hex>` when
 * unresolved); perf mode: a tab, the hex address, the symbol, and the module in parentheses
 * when known; raw mode: 8 spaces and the hex address.
 */
export function stackText(s: StackValue): string {
  let out = '\n';
  for (const f of s.frames) {
    if (s.mode === 'raw') out += ' '.repeat(8) + f.address.toString(16) + '\n';
    else if (s.mode === 'perf') {
      out += `\t${f.address.toString(16)} ${f.symbol ?? '[unknown]'}${f.module ? ` (${f.module})` : ''}\n`;
    } else out += ' '.repeat(8) + frameText(f) + '\n';
  }
  return out;
}

function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // inet_ntop: compress the longest run (>= 2) of zero groups into "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  // IPv4-mapped addresses print their last 32 bits dotted, as inet_ntop does.
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    const v4 = `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
    return bestLen === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Text form of a plain value, as bpftrace prints it. */
export function valueText(v: Value): string {
  switch (v.kind) {
    case 'int':
      return v.value.toString();
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'string':
      return v.value;
    case 'buffer':
      return hexEscapeBuffer(v.bytes);
    case 'tuple':
      return '(' + v.elements.map(valueText).join(', ') + ')';
    case 'record':
      if (v.fields.length === 0) return '{}';
      return '{ ' + v.fields.map((f) => `.${f.name} = ${valueText(f.value)}`).join(', ') + ' }';
    case 'array':
      return '[' + v.elements.map(valueText).join(',') + ']';
    case 'stack':
      return stackText(v);
    case 'symbol':
      return frameText(v.frame);
    case 'inet':
      return v.family === 4 ? Array.from(v.bytes.subarray(0, 4)).join('.') : ipv6Text(v.bytes);
    case 'macaddr':
      return Array.from(v.bytes, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':');
    case 'timestamp':
      return strftime(v.format, v.epochNs);
    case 'text':
      return v.value;
    case 'none':
      return '';
  }
}

/**
 * A map key as printed between the brackets: a multi-component key prints its parts joined by
 * ", " (bpftrace strips the tuple's parentheses on this line only).
 */
export function keyText(key: readonly Value[]): string {
  const only = key.length === 1 ? key[0]! : undefined;
  if (only?.kind === 'tuple') return only.elements.map(valueText).join(', ');
  return key.map(valueText).join(', ');
}
