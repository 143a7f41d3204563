// Tokens of the pcap filter language (pcap-filter(7)). Addresses are recognised here, as
// libpcap's scanner does: a MAC address, an IPv6 address, a dotted IPv4 address or prefix,
// a number (decimal, 0x hex, leading-0 octal), or a name (which may contain '-' and '.').
import { isIPv6 } from 'node:net';
import { SourceError, spanAt } from '../../diagnostics.js';

export type TokenKind = 'num' | 'v4' | 'v6' | 'mac' | 'id' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written ('\\' of an escaped name removed). */
  text: string;
  /** Written with a leading backslash: a name, never a keyword. */
  escaped?: boolean;
  /** Numeric value for 'num'. */
  value?: number;
  offset: number;
  length: number;
}

export class FilterSyntaxError extends SourceError {
  constructor(message: string, source: string, offset: number, length = 1) {
    super(message, spanAt(source, offset, Math.max(1, length)), 'filter', source);
    this.name = 'FilterSyntaxError';
  }
}

const OPERATORS = ['&&', '||', '<<', '>>', '<=', '>=', '==', '!=', '(', ')', '[', ']', ':', '+', '-', '*', '/', '%', '&', '|', '^', '!', '=', '<', '>'];
const MAC_RE = /^[0-9a-fA-F]{1,2}([:.-])[0-9a-fA-F]{1,2}(\1[0-9a-fA-F]{1,2}){4}(?![0-9a-zA-Z:.])/;
const MAC_DOTTED_RE = /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}(?![0-9a-zA-Z:.])/;
const V6_RE = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*/;
const V4_RE = /^\d+(\.\d+){1,3}(?![0-9A-Za-z_])/;
const NUM_RE = /^(0[xX][0-9a-fA-F]+|\d+)(?![A-Za-z_.])/;
const ID_RE = /^[A-Za-z0-9_][-A-Za-z0-9_.]*[A-Za-z0-9_]|^[A-Za-z_]/;

export function parseNumber(text: string): number {
  if (/^0[xX]/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text, 8);
  return parseInt(text, 10);
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const rest = source.slice(i);
    let m: RegExpExecArray | null;
    if ((m = MAC_RE.exec(rest)) || (m = MAC_DOTTED_RE.exec(rest))) {
      tokens.push({ kind: 'mac', text: m[0], offset: i, length: m[0].length });
      i += m[0].length;
      continue;
    }
    if ((m = V6_RE.exec(rest)) && m[0].includes(':') && isIPv6(m[0])) {
      tokens.push({ kind: 'v6', text: m[0], offset: i, length: m[0].length });
      i += m[0].length;
      continue;
    }
    if ((m = V4_RE.exec(rest))) {
      tokens.push({ kind: 'v4', text: m[0], offset: i, length: m[0].length });
      i += m[0].length;
      continue;
    }
    if ((m = NUM_RE.exec(rest))) {
      if (/^0[0-9]*[89]/.test(m[0]) && m[0].length > 1 && !/^0[xX]/.test(m[0]))
        throw new FilterSyntaxError(`number ${m[0]} contains non-octal digit`, source, i, m[0].length);
      tokens.push({ kind: 'num', text: m[0], value: parseNumber(m[0]), offset: i, length: m[0].length });
      i += m[0].length;
      continue;
    }
    if (c === '\\' && (m = ID_RE.exec(rest.slice(1)))) {
      tokens.push({ kind: 'id', text: m[0], escaped: true, offset: i, length: m[0].length + 1 });
      i += m[0].length + 1;
      continue;
    }
    if ((m = ID_RE.exec(rest))) {
      tokens.push({ kind: 'id', text: m[0], offset: i, length: m[0].length });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op) {
      tokens.push({ kind: 'op', text: op, offset: i, length: op.length });
      i += op.length;
      continue;
    }
    throw new FilterSyntaxError(`illegal character '${c}'`, source, i);
  }
  tokens.push({ kind: 'eof', text: '', offset: source.length, length: 1 });
  return tokens;
}
