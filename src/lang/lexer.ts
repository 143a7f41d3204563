// The bpftrace lexer. It is driven by the parser (tokens on demand from a position) because
// bpftrace is not context free at the token level: attach points (`uprobe:/bin/bash:readline`,
// `tracepoint:syscalls:sys_enter_*`, `hardware:cache-misses:1e6`) are raw text, while the same
// characters inside an action are operators. The parser asks for `scanAttachPoint()` at the start
// of a probe and for ordinary tokens everywhere else.

import { SourceError, type Span } from '../diagnostics.js';

export class ParseError extends SourceError {
  constructor(message: string, span: Span, file: string, source: string) {
    super(message, span, file, source);
    this.name = 'ParseError';
  }
}

export type TokenKind =
  | 'ident'     // foo, also keywords (the parser checks the text)
  | 'int'       // 123, 0x1f, 1e6, 10ms (value decoded)
  | 'string'    // "..." (value decoded)
  | 'var'       // $x
  | 'param'     // $1
  | 'paramcount'// $#
  | 'map'       // @x or @
  | 'punct'     // operators and punctuation
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** The text as written. */
  text: string;
  /** 0-based offset of the first character. */
  start: number;
  end: number;
  /** Decoded string (string tokens) or integer (int tokens). */
  str?: string;
  int?: bigint;
  suffix?: string;
  unit?: 'ns' | 'us' | 'ms' | 's' | 'm' | 'h' | 'd';
  /** True when whitespace or a comment precedes the token (predicate `/` detection). */
  spaceBefore: boolean;
}

// Longest first: the scanner tries each in order.
const PUNCT = [
  '<<=', '>>=', '...',
  '->', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '..',
  '{', '}', '(', ')', '[', ']', ';', ',', ':', '.', '?', '!', '~', '+', '-', '*', '/', '%', '&', '|', '^', '<', '>', '=', '#',
];

const PUNCT_SET = new Set(PUNCT);

const DURATION_NS: Record<string, bigint> = { ns: 1n, us: 1000n, ms: 1000_000n, s: 1000_000_000n, m: 60_000_000_000n, h: 3600_000_000_000n, d: 86400_000_000_000n };
const U64_MAX = (1n << 64n) - 1n;

const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentChar = (c: string) => isIdentStart(c) || (c >= '0' && c <= '9');

export class Lexer {
  pos = 0;

  constructor(readonly source: string, readonly file: string) {
    // A shebang line is a comment to us.
    if (source.startsWith('#!')) {
      const nl = source.indexOf('\n');
      this.pos = nl < 0 ? source.length : nl;
    }
  }

  /** Offsets where each line starts, for O(log n) offset -> line/column. */
  private lineStarts?: number[];

  span(start: number, end: number): Span {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.source.indexOf('\n'); i >= 0; i = this.source.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    }
    const ls = this.lineStarts;
    let lo = 0;
    let hi = ls.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ls[mid] <= start) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: start - ls[lo] + 1, length: Math.max(1, end - start) };
  }

  error(message: string, start: number, end = start + 1): ParseError {
    return new ParseError(message, this.span(start, end), this.file, this.source);
  }

  /** Skip whitespace and comments; returns true if anything was skipped. */
  skipSpace(): boolean {
    const s = this.source;
    const begin = this.pos;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '/') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const close = s.indexOf('*/', this.pos + 2);
        if (close < 0) throw this.error('end of file during comment', this.pos, this.pos + 2);
        this.pos = close + 2;
      } else {
        break;
      }
    }
    return this.pos > begin;
  }

  /** The next ordinary token. */
  next(): Token {
    const spaceBefore = this.skipSpace() || this.pos === 0;
    const s = this.source;
    const start = this.pos;
    const tok = (kind: TokenKind, end: number, extra: Partial<Token> = {}): Token => {
      this.pos = end;
      return { kind, text: s.slice(start, end), start, end, spaceBefore, ...extra };
    };
    if (start >= s.length) return tok('eof', start);
    const c = s[start];

    if (isIdentStart(c)) {
      let e = start + 1;
      while (e < s.length && isIdentChar(s[e])) e++;
      return tok('ident', e);
    }
    if (c >= '0' && c <= '9') return this.number(start, spaceBefore);
    if (c === '"') return this.string(start, spaceBefore);
    if (c === '$') {
      if (s[start + 1] === '#') return tok('paramcount', start + 2);
      let e = start + 1;
      if (/[0-9]/.test(s[e] ?? '')) {
        while (e < s.length && /[0-9]/.test(s[e])) e++;
        return tok('param', e);
      }
      if (!isIdentStart(s[e] ?? '')) throw this.error(`invalid variable name '$'`, start);
      while (e < s.length && isIdentChar(s[e])) e++;
      return tok('var', e);
    }
    if (c === '@') {
      let e = start + 1;
      if (isIdentStart(s[e] ?? '')) while (e < s.length && isIdentChar(s[e])) e++;
      return tok('map', e);
    }
    for (let n = 3; n >= 1; n--) {
      const p = s.substr(start, n);
      if (p.length === n && PUNCT_SET.has(p)) return tok('punct', start + n);
    }
    throw this.error(`invalid character '${c}'`, start);
  }

  private number(start: number, spaceBefore: boolean): Token {
    const s = this.source;
    let e = start;
    let value: bigint;
    let digits: string;
    const hex = s[start] === '0' && (s[start + 1] === 'x' || s[start + 1] === 'X');
    if (hex) {
      e = start + 2;
      while (e < s.length && /[0-9a-fA-F_]/.test(s[e])) e++;
      digits = s.slice(start + 2, e).replace(/_/g, '');
      if (digits === '') throw this.error(`invalid integer literal '${s.slice(start, e)}'`, start, e);
      value = BigInt('0x' + digits);
    } else {
      while (e < s.length && /[0-9_]/.test(s[e])) e++;
      digits = s.slice(start, e).replace(/_/g, '');
      if (digits.length > 1 && digits[0] === '0') {
        if (!/^[0-7]+$/.test(digits)) throw this.error(`invalid octal literal '${digits}'`, start, e);
        value = BigInt('0o' + digits.slice(1));
      } else {
        value = BigInt(digits);
      }
      // Scientific notation: integer only (1e6, 2e3).
      if ((s[e] === 'e' || s[e] === 'E') && /[0-9]/.test(s[e + 1] ?? '')) {
        let f = e + 1;
        while (f < s.length && /[0-9]/.test(s[f])) f++;
        const exp = Number(s.slice(e + 1, f));
        if (exp > 19) throw this.error(`integer literal out of range '${s.slice(start, f)}'`, start, f);
        value *= 10n ** BigInt(exp);
        e = f;
      }
    }
    // Suffix: a duration or a C integer suffix; anything else glued to the number is an error.
    let suffix: string | undefined;
    let unit: Token['unit'];
    let f = e;
    while (f < s.length && isIdentChar(s[f])) f++;
    const word = s.slice(e, f);
    if (word !== '') {
      if (!hex && word in DURATION_NS) {
        unit = word as Token['unit'];
        value *= DURATION_NS[word];
      } else if (/^(u|ul|ull|l|ll|lu|llu)$/i.test(word)) {
        suffix = word.toLowerCase();
      } else {
        throw this.error(`invalid integer literal '${s.slice(start, f)}'`, start, f);
      }
      e = f;
    }
    if (value > U64_MAX) throw this.error(`integer literal out of range '${s.slice(start, e)}'`, start, e);
    this.pos = e;
    return { kind: 'int', text: s.slice(start, e), start, end: e, int: value, suffix, unit, spaceBefore };
  }

  private string(start: number, spaceBefore: boolean): Token {
    const s = this.source;
    let e = start + 1;
    let out = '';
    for (;;) {
      if (e >= s.length || s[e] === '\n') throw this.error('unterminated string', start, e);
      const c = s[e];
      if (c === '"') { e++; break; }
      if (c !== '\\') {
        // Non-ASCII text is stored as its UTF-8 bytes so every char code is one byte.
        const cp = s.codePointAt(e)!;
        const ch = String.fromCodePoint(cp);
        out += cp < 0x80 ? ch : Buffer.from(ch, 'utf8').toString('latin1');
        e += ch.length;
        continue;
      }
      const n = s[e + 1];
      if (n === undefined || n === '\n') throw this.error('unterminated string', start, e + 1);
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };
      if (n in simple) { out += simple[n]; e += 2; continue; }
      if (/[0-7]/.test(n)) {
        let f = e + 1;
        while (f < s.length && f < e + 4 && /[0-7]/.test(s[f])) f++;
        const v = parseInt(s.slice(e + 1, f), 8);
        if (v > 255) throw this.error(`octal escape sequence out of range '${s.slice(e, f)}'`, e, f);
        out += String.fromCharCode(v);
        e = f;
        continue;
      }
      if (n === 'x') {
        let f = e + 2;
        while (f < s.length && f < e + 4 && /[0-9a-fA-F]/.test(s[f])) f++;
        if (f === e + 2) throw this.error(`invalid escape character '\\x'`, e, e + 2);
        out += String.fromCharCode(parseInt(s.slice(e + 2, f), 16));
        e = f;
        continue;
      }
      throw this.error(`invalid escape character '\\${n}'`, e, e + 2);
    }
    this.pos = e;
    return { kind: 'string', text: s.slice(start, e), start, end: e, str: out, spaceBefore };
  }

  /**
   * Scan one attach point as raw text starting at the current position: colon-separated parts,
   * each either a quoted string or a run of characters that are not whitespace, `,` or `{`.
   * A `/` is part of the text (paths) unless whitespace precedes it (then it starts a predicate,
   * which ends the attach point list). Returns the parts with quotes removed.
   */
  scanAttachPoint(): { raw: string; parts: string[]; start: number; end: number } {
    this.skipSpace();
    const s = this.source;
    const start = this.pos;
    const parts: string[] = [];
    let cur = '';
    let e = start;
    for (;;) {
      const c = s[e];
      if (c === undefined || /\s/.test(c) || c === ',' || c === '{') break;
      if (c === '/' && (s[e + 1] === '/' || s[e + 1] === '*')) break; // a comment
      if (c === '"') {
        const close = s.indexOf('"', e + 1);
        if (close < 0 || s.slice(e, close).includes('\n')) throw this.error('unterminated string', e, close < 0 ? s.length : close);
        cur += s.slice(e + 1, close);
        e = close + 1;
        continue;
      }
      if (c === ':' && !(s[e + 1] === ':' || (e > start && s[e - 1] === ':'))) {
        // `::` stays inside a part (C++ names); a single colon separates parts.
        parts.push(cur);
        cur = '';
        e++;
        continue;
      }
      cur += c;
      e++;
    }
    parts.push(cur);
    this.pos = e;
    return { raw: s.slice(start, e), parts, start, end: e };
  }
}
