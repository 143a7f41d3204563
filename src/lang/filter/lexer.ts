// Tokens of the trace filter language.
import { spanAt, Span } from '../../diagnostics.js';
import { FilterError } from './errors.js';

export type TokenKind = 'ident' | 'int' | 'string' | 'op' | '(' | ')' | 'eof';
export interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value: the integer or the string (escapes resolved; `\*` kept as an escaped star). */
  value?: bigint | string;
  span: Span;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!'];

/** Marks a literal star inside a decoded string (`\*`), distinct from the glob `*`. */
export const LITERAL_STAR = '\u0000*';

export function tokenize(source: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const fail = (msg: string, at: number, len = 1): never => { throw new FilterError(msg, spanAt(source, at, len), source); };
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    if (/[A-Za-z_$]/.test(c)) {
      while (i < source.length && /[A-Za-z0-9_.$]/.test(source[i])) i++;
      out.push({ kind: 'ident', text: source.slice(start, i), span: spanAt(source, start, i - start) });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const neg = c === '-';
      if (neg) i++;
      const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(source.slice(i))!;
      i += m[0].length;
      if (i < source.length && /[A-Za-z0-9_]/.test(source[i])) fail(`invalid number '${source.slice(start, i + 1)}'`, start, i + 1 - start);
      const t = m[0];
      const magnitude = /^0[0-7]+$/.test(t) ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
      const value = neg ? -magnitude : magnitude;
      if (value >= 1n << 64n || value < -(1n << 63n)) fail(`integer ${source.slice(start, i)} does not fit in 64 bits`, start, i - start);
      out.push({ kind: 'int', text: source.slice(start, i), value, span: spanAt(source, start, i - start) });
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) fail('unterminated string', start, i - start);
        const d = source[i];
        if (d === c) { i++; break; }
        if (d === '\\') {
          const e = source[i + 1];
          if (e === undefined) fail('unterminated string', start, i - start);
          const map: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'", '*': LITERAL_STAR };
          if (!(e in map)) fail(`unknown escape '\\${e}'`, i, 2);
          value += map[e];
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      out.push({ kind: 'string', text: source.slice(start, i), value, span: spanAt(source, start, i - start) });
      continue;
    }
    if (c === '(' || c === ')') { out.push({ kind: c, text: c, span: spanAt(source, i, 1) }); i++; continue; }
    const op = OPS.find((o) => source.startsWith(o, i));
    if (op) { out.push({ kind: 'op', text: op, span: spanAt(source, i, op.length) }); i += op.length; continue; }
    if (c === '=') fail("'=' is assignment; compare with '=='", i);
    if (c === '&' || c === '|') fail(`bitwise '${c}' is not supported; did you mean '${c}${c}'?`, i);
    fail(`unexpected character '${c}'`, i);
  }
  out.push({ kind: 'eof', text: '', span: spanAt(source, source.length, 1) });
  return out;
}
