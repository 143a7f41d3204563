// The bpftrace parser: recursive descent with C precedence, producing the AST of ast.ts with a
// span on every node. Entry point: parse(source, file).
//
// Grammar decisions that follow bpftrace rather than C:
//  - a predicate `/expr/` ends at a `/` that is followed by `{` (anything else is division);
//  - `(ident)` followed by something that starts an expression is a cast unless ident is a
//    builtin (`(pid)*tid` multiplies), and `(uint32)` etc. are always casts;
//  - bare identifiers in sizeof/offsetof/typeof are type names unless they are builtins;
//  - `{ a; b }` in expression position is a block expression whose value is `b`.

import { existsSync } from 'node:fs';
import type * as A from './ast.js';
import type { Span } from '../diagnostics.js';
import { Lexer, ParseError, type Token } from './lexer.js';
import { BPFTRACE_TYPE_NAMES, C_TYPE_WORDS, SIZED_TYPE_NAMES, isBuiltinName } from './names.js';

export { ParseError };

export interface ParseOptions {
  /** File name for diagnostics ("stdin" for -e). */
  file?: string;
  /**
   * Names defined for `#ifdef`/`#if defined(...)`. Default: BPFTRACE_HAVE_BTF when the kernel
   * has BTF (/sys/kernel/btf/vmlinux), as bpftrace defines it.
   */
  defines?: string[];
}

/** Parse a bpftrace script. Throws ParseError (a SourceError) on the first syntax error. */
export function parse(source: string, options: ParseOptions | string = {}): A.Program {
  const opts = typeof options === 'string' ? { file: options } : options;
  const p = new Parser(source, opts.file ?? 'stdin');
  p.setDefines(opts.defines ?? (existsSync('/sys/kernel/btf/vmlinux') ? ['BPFTRACE_HAVE_BTF'] : []));
  return p.program();
}

/** Parse a single expression (tests, trace filters). */
export function parseExpression(source: string, file = 'stdin'): A.Expr {
  const p = new Parser(source, file);
  const e = p.expression();
  p.expectEof();
  return e;
}

const COMPOUND_ASSIGN: Record<string, A.BinaryOp> = {
  '+=': '+', '-=': '-', '*=': '*', '/=': '/', '%=': '%', '&=': '&', '|=': '|', '^=': '^', '<<=': '<<', '>>=': '>>',
};

// Binary operator precedence levels, lowest first (C).
const BINARY_LEVELS: A.BinaryOp[][] = [
  ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '<=', '>', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
];

class Parser {
  private lx: Lexer;
  private buf: Token[] = [];
  /** Inside `/.../`: a `/` followed by `{` ends the predicate. */
  private inPredicate = false;

  constructor(private source: string, private file: string) {
    this.lx = new Lexer(source, file);
  }

  // --- token plumbing -------------------------------------------------------------------

  private peek(n = 0): Token {
    while (this.buf.length <= n) this.buf.push(this.lx.next());
    return this.buf[n];
  }

  private advance(): Token {
    const t = this.peek();
    this.buf.shift();
    return t;
  }

  private save(): { pos: number; buf: Token[] } {
    return { pos: this.lx.pos, buf: [...this.buf] };
  }

  private restore(s: { pos: number; buf: Token[] }): void {
    this.lx.pos = s.pos;
    this.buf = s.buf;
  }

  /** Drop lookahead so the lexer can rescan raw text (attach points, C definitions). */
  private rewind(): void {
    if (this.buf.length > 0) this.lx.pos = this.buf[0].start;
    this.buf = [];
  }

  private is(text: string, n = 0): boolean {
    const t = this.peek(n);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }

  expectEof(): void {
    if (this.peek().kind !== 'eof') throw this.unexpected(this.peek());
  }

  /** Names defined for `#ifdef` (ParseOptions.defines, then each `#define`). */
  private defines = new Set<string>();
  /** Open `#if` blocks: whether a branch has been taken. */
  private conditionals: { taken: boolean; start: number }[] = [];

  setDefines(names: Iterable<string>): void {
    for (const n of names) this.defines.add(n);
  }

  private span(start: number, end: number): Span {
    return this.lx.span(start, end);
  }

  /** Span from a start offset to the end of the last consumed token. */
  private from(start: number): Span {
    return this.span(start, this.lastEnd);
  }

  private lastEnd = 0;
  private take(): Token {
    const t = this.advance();
    this.lastEnd = t.end;
    return t;
  }

  private error(message: string, start: number, end = start + 1): ParseError {
    return new ParseError(message, this.span(start, end), this.file, this.source);
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case 'eof': return 'end of file';
      case 'ident': return 'identifier';
      case 'int': return 'integer';
      case 'string': return 'string';
      case 'var': return 'variable';
      case 'param': return 'positional parameter';
      case 'paramcount': return '$#';
      case 'map': return 'map';
      default: return t.text;
    }
  }

  private unexpected(t: Token, expecting?: string): ParseError {
    const msg = `syntax error, unexpected ${this.describe(t)}${expecting ? `, expecting ${expecting}` : ''}`;
    return this.error(msg, t.start, Math.max(t.end, t.start + 1));
  }

  // Every consumption goes through take() so spans know where the last token ended.
  private acceptT(text: string): Token | undefined {
    return this.is(text) ? this.take() : undefined;
  }

  private expectT(text: string, what = text): Token {
    if (this.is(text)) return this.take();
    throw this.unexpected(this.peek(), what);
  }

  // --- program --------------------------------------------------------------------------

  program(): A.Program {
    const prog: A.Program = {
      kind: 'Program', span: this.span(0, Math.max(1, this.source.length)), file: this.file,
      cDefinitions: [], imports: [], mapDecls: [], macros: [], probes: [],
    };
    // Sections must come in order: C definitions, config/imports, then the body.
    let section = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'punct' && t.text === '#') {
        if (section > 0) throw this.error('C definitions must come before the config block, imports, probes, macros and map declarations', t.start, t.end);
        const def = this.preprocessorLine();
        if (def) prog.cDefinitions.push(def);
        continue;
      }
      if (t.kind === 'ident' && (t.text === 'struct' || t.text === 'union' || t.text === 'enum') && this.peek(1).kind === 'ident' && this.is('{', 2)) {
        if (section > 0) throw this.error('C definitions must come before the config block, imports, probes, macros and map declarations', t.start, t.end);
        prog.cDefinitions.push(this.cStruct());
        continue;
      }
      if (t.kind === 'ident' && t.text === 'config' && this.is('=', 1)) {
        if (section > 1) throw this.error('the config block must come before probes, macros and map declarations', t.start, t.end);
        if (prog.config) throw this.error('only one config block is allowed', t.start, t.end);
        prog.config = this.configBlock();
        section = 1;
        continue;
      }
      if (t.kind === 'ident' && t.text === 'import' && this.peek(1).kind === 'string') {
        if (section > 1) throw this.error('imports must come before probes, macros and map declarations', t.start, t.end);
        const s = this.take();
        const path = this.take();
        this.expectT(';');
        prog.imports.push({ kind: 'Import', span: this.from(s.start), path: path.str! });
        section = 1;
        continue;
      }
      section = 2;
      if (t.kind === 'ident' && t.text === 'let' && this.peek(1).kind === 'map') {
        prog.mapDecls.push(this.mapDecl());
        continue;
      }
      if (t.kind === 'ident' && t.text === 'macro' && this.peek(1).kind === 'ident') {
        prog.macros.push(this.macroDef());
        continue;
      }
      prog.probes.push(this.probe());
    }
    const open = this.conditionals[this.conditionals.length - 1];
    if (open) throw this.error('unterminated #if (missing #endif)', open.start, open.start + 3);
    return prog;
  }

  /**
   * One preprocessor line (with `\` continuations): `#include`, `#define NAME body`, and the
   * conditionals `#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif` (as used by bpftrace's tools:
   * `#ifndef BPFTRACE_HAVE_BTF`). Returns undefined for conditionals.
   */
  private preprocessorLine(): A.CDefinition | undefined {
    this.rewind();
    const { text, start, end } = this.rawLine(this.lx.pos);
    this.lx.pos = end;
    const span = this.span(start, end);
    const word = /^#\s*(\w*)/.exec(text)![1];
    const rest = text.replace(/^#\s*\w*/, '').replace(/\/\/.*$|\/\*.*?\*\//g, '').trim();
    const top = this.conditionals[this.conditionals.length - 1];
    switch (word) {
      case 'include': {
        const m = /^([<"])([^>"]+)[>"]$/.exec(rest);
        if (!m) throw this.error('#include expects "FILE" or <FILE>', start, end);
        return { kind: 'CInclude', span, path: m[2], system: m[1] === '<' };
      }
      case 'define': {
        const m = /^([A-Za-z_]\w*)(\([^)]*\))?(?:\s+([\s\S]*))?$/.exec(rest);
        if (!m) throw this.error('#define expects a name', start, end);
        this.defines.add(m[1]);
        if (m[2]) return undefined; // function-like C macros only matter to C code
        return { kind: 'CDefine', span, name: m[1], body: (m[3] ?? '').replace(/\\\n/g, ' ').trim() };
      }
      case 'undef':
        this.defines.delete(rest);
        return undefined;
      case 'if': case 'ifdef': case 'ifndef': {
        const v = word === 'ifdef' ? this.defines.has(rest) : word === 'ifndef' ? !this.defines.has(rest) : this.ppCondition(rest, start, end);
        this.conditionals.push({ taken: v, start });
        if (!v) this.skipInactive(false);
        return undefined;
      }
      case 'elif': case 'else': {
        if (!top) throw this.error(`#${word} without #if`, start, end);
        if (top.taken) {
          this.skipInactive(true);
        } else if (word === 'else' || this.ppCondition(rest, start, end)) {
          top.taken = true;
        } else {
          this.skipInactive(false);
        }
        return undefined;
      }
      case 'endif':
        if (!top) throw this.error('#endif without #if', start, end);
        this.conditionals.pop();
        return undefined;
    }
    throw this.error(`unsupported preprocessor directive: #${word}`, start, start + 1 + word.length);
  }

  private rawLine(from: number): { text: string; start: number; end: number } {
    const s = this.source;
    let end = from;
    while (end < s.length && (s[end] !== '\n' || s[end - 1] === '\\')) end++;
    return { text: s.slice(from, end), start: from, end };
  }

  /**
   * Skip lines of an inactive branch up to the `#else`/`#elif`/`#endif` that ends it (left for
   * preprocessorLine). With `toEndif`, branches after a taken one are skipped through to `#endif`.
   */
  private skipInactive(toEndif: boolean): void {
    const s = this.source;
    let pos = this.lx.pos;
    let depth = 0;
    while (pos < s.length) {
      const { text, end } = this.rawLine(pos);
      const w = /^\s*#\s*(\w+)/.exec(text)?.[1];
      if (w === 'if' || w === 'ifdef' || w === 'ifndef') depth++;
      else if (w === 'endif') {
        if (depth === 0) { this.lx.pos = pos; return; }
        depth--;
      } else if ((w === 'else' || w === 'elif') && depth === 0 && !toEndif) { this.lx.pos = pos; return; }
      pos = end + 1;
    }
    const open = this.conditionals[this.conditionals.length - 1];
    throw this.error('unterminated #if (missing #endif)', open?.start ?? 0, (open?.start ?? 0) + 3);
  }

  /** `#if` expression: integers, defined(X), !, &&, ||, comparisons. */
  private ppCondition(text: string, start: number, end: number): boolean {
    const replaced = text
      .replace(/defined\s*\(\s*([A-Za-z_]\w*)\s*\)|defined\s+([A-Za-z_]\w*)/g, (_, a: string, b: string) => (this.defines.has(a ?? b) ? '1' : '0'))
      .replace(/\b[A-Za-z_]\w*\b/g, '0');
    let e: A.Expr;
    try {
      e = parseExpression(replaced);
    } catch {
      throw this.error(`unsupported #if expression: ${text}`, start, end);
    }
    const ev = (x: A.Expr): bigint => {
      switch (x.kind) {
        case 'Integer': return x.value;
        case 'Unary': return x.op === '!' ? (ev(x.operand) ? 0n : 1n) : x.op === '-' ? -ev(x.operand) : ev(x.operand);
        case 'Binary': {
          const a = ev(x.left);
          const b = ev(x.right);
          const r: Record<string, boolean | bigint> = { '&&': !!a && !!b, '||': !!a || !!b, '==': a === b, '!=': a !== b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b, '+': a + b, '-': a - b };
          const v = r[x.op];
          if (v === undefined) throw this.error(`unsupported #if expression: ${text}`, start, end);
          return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
        }
        default: throw this.error(`unsupported #if expression: ${text}`, start, end);
      }
    };
    return ev(e) !== 0n;
  }

  /** `struct S { int a; char b[16]; struct x *p; };` */
  private cStruct(): A.CStruct {
    const kw = this.take();
    const name = this.take();
    this.expectT('{');
    const fields: A.CField[] = [];
    const enumerators: A.CStruct['enumerators'] = [];
    if (kw.text === 'enum') {
      while (!this.is('}')) {
        const n = this.peek();
        if (n.kind !== 'ident') throw this.unexpected(n, 'identifier');
        this.take();
        let value: bigint | undefined;
        if (this.acceptT('=')) {
          const neg = !!this.acceptT('-');
          const v = this.take();
          if (v.kind !== 'int') throw this.unexpected(v, 'integer');
          value = neg ? -v.int! : v.int!;
        }
        enumerators.push({ name: n.text, value, span: this.span(n.start, n.end) });
        if (!this.acceptT(',')) break;
      }
    } else {
      while (!this.is('}')) {
        const fstart = this.peek().start;
        let type = this.typeExpr();
        const n = this.peek();
        if (n.kind !== 'ident') throw this.unexpected(n, 'field name');
        this.take();
        // C puts array dimensions after the name.
        const dims: number[] = [];
        while (this.acceptT('[')) {
          const d = this.take();
          if (d.kind !== 'int') throw this.unexpected(d, 'integer');
          dims.push(Number(d.int));
          this.expectT(']');
        }
        for (let i = dims.length - 1; i >= 0; i--) type = { kind: 'ArrayType', span: type.span, element: type, length: dims[i] };
        let bits: number | undefined;
        if (this.acceptT(':')) {
          const b = this.take();
          if (b.kind !== 'int') throw this.unexpected(b, 'integer');
          bits = Number(b.int);
        }
        this.expectT(';');
        fields.push({ span: this.from(fstart), name: n.text, type, bits });
      }
    }
    this.expectT('}');
    this.acceptT(';');
    const span = this.from(kw.start);
    return { kind: 'CStruct', span, keyword: kw.text as A.CStruct['keyword'], name: name.text, fields, enumerators, text: this.source.slice(kw.start, this.lastEnd) };
  }

  private configBlock(): A.ConfigBlock {
    const start = this.take().start; // config
    this.expectT('=');
    this.expectT('{');
    const entries: A.ConfigEntry[] = [];
    while (!this.is('}')) {
      const k = this.peek();
      if (k.kind !== 'ident') throw this.unexpected(k, 'config variable name');
      this.take();
      this.expectT('=');
      const v = this.take();
      let value: A.ConfigEntry['value'];
      const vspan = this.span(v.start, v.end);
      if (v.kind === 'int') value = { kind: 'Integer', span: vspan, value: v.int!, text: v.text };
      else if (v.kind === 'string') value = { kind: 'String', span: vspan, value: v.str! };
      else if (v.kind === 'ident' && (v.text === 'true' || v.text === 'false')) value = { kind: 'Boolean', span: vspan, value: v.text === 'true' };
      else if (v.kind === 'ident') value = { kind: 'Identifier', span: vspan, name: v.text };
      else throw this.unexpected(v, 'config value');
      entries.push({ kind: 'ConfigEntry', span: this.from(k.start), key: k.text, value });
      if (!this.acceptT(';')) break;
    }
    this.expectT('}');
    this.acceptT(';');
    return { kind: 'Config', span: this.from(start), entries };
  }

  private mapDecl(): A.MapDecl {
    const start = this.take().start; // let
    const m = this.take();
    const map: A.MapRef = { kind: 'Map', span: this.span(m.start, m.end), name: m.text };
    this.expectT('=');
    const ty = this.peek();
    if (ty.kind !== 'ident') throw this.unexpected(ty, 'map type');
    this.take();
    this.expectT('(');
    const args = this.argList();
    this.expectT(';');
    return { kind: 'MapDecl', span: this.from(start), map, mapType: ty.text, mapTypeSpan: this.span(ty.start, ty.end), args };
  }

  private macroDef(): A.MacroDef {
    const start = this.take().start; // macro
    const n = this.take();
    const params: A.MacroParam[] = [];
    if (this.acceptT('(')) {
      while (!this.is(')')) {
        const p = this.take();
        const span = this.span(p.start, p.end);
        if (p.kind === 'var') params.push({ span, paramKind: 'scratch', name: p.text });
        else if (p.kind === 'map') params.push({ span, paramKind: 'map', name: p.text });
        else if (p.kind === 'ident') params.push({ span, paramKind: 'expr', name: p.text });
        else throw this.unexpected(p, 'macro parameter');
        if (!this.acceptT(',')) break;
      }
      this.expectT(')');
    }
    if (!this.is('{')) throw this.unexpected(this.peek(), '{');
    const body = this.blockExpr();
    return { kind: 'Macro', span: this.from(start), name: n.text, nameSpan: this.span(n.start, n.end), params, body };
  }

  private probe(): A.Probe {
    this.rewind();
    this.lx.skipSpace();
    const start = this.lx.pos;
    let name: string | undefined;
    const nm = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(this.source.slice(start, start + 200));
    if (nm) {
      name = nm[1];
      this.lx.pos = start + nm[0].length;
    }
    const attachPoints: A.AttachPoint[] = [];
    for (;;) {
      const ap = this.lx.scanAttachPoint();
      if (ap.raw === '') {
        throw this.unexpected(this.peek(), attachPoints.length === 0 ? 'probe' : 'attach point');
      }
      if (!/^[A-Za-z_]/.test(ap.raw)) throw this.error(`invalid probe '${ap.raw}'`, ap.start, ap.end);
      const [provider, ...parts] = ap.parts;
      attachPoints.push({ kind: 'AttachPoint', span: this.span(ap.start, ap.end), raw: ap.raw, provider, parts });
      this.lastEnd = ap.end;
      this.lx.skipSpace();
      if (this.source[this.lx.pos] === ',') {
        this.lx.pos++;
        continue;
      }
      break;
    }
    let predicate: A.Expr | undefined;
    if (this.is('/')) {
      this.take();
      this.inPredicate = true;
      try {
        predicate = this.expression();
      } finally {
        this.inPredicate = false;
      }
      this.expectT('/', "'/'");
    }
    if (!this.is('{')) throw this.unexpected(this.peek(), '{');
    const body = this.block();
    return { kind: 'Probe', span: this.from(start), name, attachPoints, predicate, body };
  }

  // --- statements -----------------------------------------------------------------------

  /** `{ stmt; ... }` */
  private block(): A.Block {
    const start = this.expectT('{').start;
    const statements = this.statementList().statements;
    this.expectT('}');
    return { kind: 'Block', span: this.from(start), statements };
  }

  /** `{ stmt; ... [expr] }` in expression position. */
  private blockExpr(): A.BlockExpr {
    const start = this.expectT('{').start;
    const { statements, trailing } = this.statementList();
    this.expectT('}');
    let value: A.Expr | undefined;
    const last = statements[statements.length - 1];
    if (trailing && last && last.kind === 'ExprStmt' && !last.discard) {
      statements.pop();
      value = last.expr;
    }
    return { kind: 'BlockExpr', span: this.from(start), statements, value };
  }

  /**
   * Statements up to `}`. `trailing` is true when the last statement was an expression without
   * a terminating `;` (the value of a block expression).
   */
  private statementList(): { statements: A.Stmt[]; trailing: boolean } {
    const statements: A.Stmt[] = [];
    let trailing = false;
    while (!this.is('}')) {
      if (this.peek().kind === 'eof') throw this.unexpected(this.peek(), '}');
      if (this.acceptT(';')) continue;
      const s = this.statement();
      statements.push(s);
      trailing = false;
      if (isCompound(s)) continue;
      if (this.acceptT(';')) continue;
      if (this.is('}')) {
        trailing = true;
        break;
      }
      throw this.unexpected(this.peek(), "';' or '}'");
    }
    return { statements, trailing };
  }

  private statement(): A.Stmt {
    const t = this.peek();
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if': return this.ifStmt();
        case 'while': {
          this.take();
          this.expectT('(');
          const cond = this.expression();
          this.expectT(')');
          const body = this.block();
          return { kind: 'While', span: this.from(t.start), cond, body };
        }
        case 'unroll': {
          this.take();
          this.expectT('(');
          const count = this.expression();
          this.expectT(')');
          const body = this.block();
          return { kind: 'Unroll', span: this.from(t.start), count, body };
        }
        case 'for': return this.forStmt();
        case 'return': {
          this.take();
          const value = this.is(';') || this.is('}') ? undefined : this.expression();
          return { kind: 'Return', span: this.from(t.start), value };
        }
        case 'break': this.take(); return { kind: 'Break', span: this.from(t.start) };
        case 'continue': this.take(); return { kind: 'Continue', span: this.from(t.start) };
        case 'let': return this.letStmt();
        case 'delete':
          if (this.is('(', 1)) return this.deleteStmt();
          break;
        case '_':
          if (this.is('=', 1)) {
            this.take();
            this.take();
            const expr = this.expression();
            return { kind: 'ExprStmt', span: this.from(t.start), expr, discard: true };
          }
          break;
      }
    }
    const expr = this.expression();
    const op = this.peek();
    if (op.kind === 'punct' && (op.text === '=' || op.text in COMPOUND_ASSIGN)) {
      if (!isAssignable(expr)) {
        const at = offsetOf(this.source, expr.span);
        throw this.error('invalid assignment target', at, at + (expr.span.length ?? 1));
      }
      this.take();
      const value = this.expression();
      return { kind: 'Assign', span: this.from(t.start), target: expr as A.AssignTarget, op: op.text === '=' ? null : COMPOUND_ASSIGN[op.text], value };
    }
    return { kind: 'ExprStmt', span: this.from(t.start), expr };
  }

  private ifStmt(): A.IfStmt {
    const start = this.take().start;
    this.expectT('(');
    const cond = this.expression();
    this.expectT(')');
    const then = this.block();
    let elseBranch: A.Block | A.IfStmt | undefined;
    if (this.acceptT('else')) elseBranch = this.is('if') ? this.ifStmt() : this.block();
    return { kind: 'If', span: this.from(start), cond, then, else: elseBranch };
  }

  private forStmt(): A.ForMapStmt | A.ForRangeStmt {
    const start = this.take().start;
    const paren = !!this.acceptT('(');
    const v = this.peek();
    if (v.kind !== 'var') throw this.unexpected(v, 'variable');
    this.take();
    const variable: A.Variable = { kind: 'Variable', span: this.span(v.start, v.end), name: v.text };
    this.expectT(':');
    if (this.peek().kind === 'map' && (this.is(')', 1) || this.is('{', 1))) {
      const m = this.take();
      const map: A.MapRef = { kind: 'Map', span: this.span(m.start, m.end), name: m.text };
      if (paren) this.expectT(')');
      const body = this.block();
      return { kind: 'ForMap', span: this.from(start), variable, map, body };
    }
    const rangeStart = this.unary();
    this.expectT('..', "'..'");
    const rangeEnd = this.unary();
    if (paren) this.expectT(')');
    const body = this.block();
    return { kind: 'ForRange', span: this.from(start), variable, start: rangeStart, end: rangeEnd, body };
  }

  private letStmt(): A.LetStmt {
    const start = this.take().start;
    const v = this.peek();
    if (v.kind !== 'var') throw this.unexpected(v, 'variable');
    this.take();
    const variable: A.Variable = { kind: 'Variable', span: this.span(v.start, v.end), name: v.text };
    let declaredType: A.TypeExpr | undefined;
    if (this.acceptT(':')) declaredType = this.typeExpr();
    let value: A.Expr | undefined;
    if (this.acceptT('=')) value = this.expression();
    return { kind: 'Let', span: this.from(start), variable, declaredType, value };
  }

  /** `delete(@m, key)`, `delete(@m[k1, k2])`, `delete(@m)`. */
  private deleteStmt(): A.Stmt {
    const start = this.take().start;
    this.expectT('(');
    const args = this.argList();
    const span = this.from(start);
    const first = args[0];
    if (first?.kind === 'MapAccess' && args.length === 1) {
      return { kind: 'Delete', span, map: first.map, keys: first.keys };
    }
    if (first?.kind === 'Map' && args.length <= 2) {
      return { kind: 'Delete', span, map: first, keys: args.slice(1) };
    }
    // Anything else is checked (and rejected) by semantic analysis as a call.
    return { kind: 'ExprStmt', span, expr: { kind: 'Call', span, name: 'delete', nameSpan: this.span(start, start + 6), args } };
  }

  // --- expressions ----------------------------------------------------------------------

  expression(): A.Expr {
    return this.ternary();
  }

  private ternary(): A.Expr {
    const cond = this.binary(0);
    if (!this.is('?')) return cond;
    this.take();
    const then = this.ternary();
    this.expectT(':', "':'");
    const otherwise = this.ternary();
    return { kind: 'Ternary', span: this.from(offsetOf(this.source, cond.span)), cond, then, else: otherwise };
  }

  private binary(level: number): A.Expr {
    if (level >= BINARY_LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = BINARY_LEVELS[level];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !ops.includes(t.text as A.BinaryOp)) return left;
      // In a predicate, `/` followed by `{` closes it.
      if (this.inPredicate && t.text === '/' && this.is('{', 1)) return left;
      this.take();
      const right = this.binary(level + 1);
      const start = offsetOf(this.source, left.span);
      left = { kind: 'Binary', span: this.from(start), op: t.text as A.BinaryOp, opSpan: this.span(t.start, t.end), left, right };
    }
  }

  private unary(): A.Expr {
    const t = this.peek();
    if (t.kind === 'punct') {
      if (t.text === '-' || t.text === '!' || t.text === '~' || t.text === '*' || t.text === '&' || t.text === '+') {
        this.take();
        const operand = this.unary();
        // Fold `-<literal>` so `-1` is a literal (it types as int8, and -9223372036854775808 fits).
        if (t.text === '-' && operand.kind === 'Integer' && !operand.unit) {
          return { kind: 'Integer', span: this.from(t.start), value: -operand.value, text: '-' + operand.text, suffix: operand.suffix };
        }
        return { kind: 'Unary', span: this.from(t.start), op: t.text as A.UnaryOp, operand };
      }
      if (t.text === '++' || t.text === '--') {
        this.take();
        const target = this.unary();
        if (!isAssignable(target)) throw this.error(`${t.text} can only be applied to variables, maps and fields`, t.start, this.lastEnd);
        return { kind: 'Update', span: this.from(t.start), op: t.text, prefix: true, target: target as A.AssignTarget };
      }
      if (t.text === '(') {
        const cast = this.tryCast();
        if (cast) return cast;
      }
    }
    return this.postfix(this.primary());
  }

  /** `(type)expr` if the parenthesised text is a type followed by an expression start. */
  private tryCast(): A.Expr | undefined {
    const open = this.peek();
    const first = this.peek(1);
    const second = this.peek(2);
    let definite = false;
    if (first.kind !== 'ident') return undefined;
    if (first.text === 'struct' || first.text === 'union' || first.text === 'enum' || first.text === 'typeof') definite = true;
    else if (BPFTRACE_TYPE_NAMES.has(first.text) || C_TYPE_WORDS.has(first.text)) definite = true;
    else if (isBuiltinName(first.text)) return undefined;
    else if (second.kind === 'punct' && second.text === '(') return undefined; // (f(x))
    const saved = this.save();
    const savedEnd = this.lastEnd;
    this.take();
    let target: A.TypeExpr;
    try {
      target = this.typeExpr();
    } catch (e) {
      if (definite) throw e;
      this.restore(saved);
      this.lastEnd = savedEnd;
      return undefined;
    }
    if (!this.is(')') || (!definite && !this.startsExpression(this.peek(1)))) {
      if (definite && !this.is(')')) throw this.unexpected(this.peek(), "')'");
      if (!definite) {
        this.restore(saved);
        this.lastEnd = savedEnd;
        return undefined;
      }
    }
    this.take(); // )
    const expr = this.unary();
    return { kind: 'Cast', span: this.from(open.start), target, expr };
  }

  private startsExpression(t: Token): boolean {
    switch (t.kind) {
      case 'ident': case 'int': case 'string': case 'var': case 'param': case 'paramcount': case 'map': return true;
      case 'punct': return ['(', '-', '!', '~', '*', '&', '++', '--', '{'].includes(t.text);
      default: return false;
    }
  }

  private postfix(expr: A.Expr): A.Expr {
    const start = offsetOf(this.source, expr.span);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return expr;
      if (t.text === '.' || t.text === '->') {
        this.take();
        const f = this.peek();
        if (t.text === '.' && f.kind === 'int' && !f.unit && !f.suffix && /^[0-9]+$/.test(f.text)) {
          this.take();
          expr = { kind: 'TupleIndex', span: this.from(start), expr, index: Number(f.int) };
          continue;
        }
        if (f.kind !== 'ident') throw this.unexpected(f, 'field name');
        this.take();
        expr = { kind: 'FieldAccess', span: this.from(start), expr, field: f.text, fieldSpan: this.span(f.start, f.end), arrow: t.text === '->' };
        continue;
      }
      if (t.text === '[') {
        this.take();
        const index = this.expression();
        this.expectT(']');
        expr = { kind: 'Index', span: this.from(start), expr, index };
        continue;
      }
      if (t.text === '++' || t.text === '--') {
        if (!isAssignable(expr)) return expr;
        this.take();
        expr = { kind: 'Update', span: this.from(start), op: t.text, prefix: false, target: expr as A.AssignTarget };
        continue;
      }
      return expr;
    }
  }

  private primary(): A.Expr {
    const t = this.peek();
    const sp = () => this.span(t.start, t.end);
    switch (t.kind) {
      case 'int':
        this.take();
        return { kind: 'Integer', span: sp(), value: t.int!, text: t.text, ...(t.suffix ? { suffix: t.suffix } : {}), ...(t.unit ? { unit: t.unit } : {}) };
      case 'string': {
        this.take();
        return { kind: 'String', span: sp(), value: t.str! };
      }
      case 'var':
        this.take();
        return { kind: 'Variable', span: sp(), name: t.text };
      case 'param':
        this.take();
        return { kind: 'PositionalParam', span: sp(), index: Number(t.text.slice(1)) };
      case 'paramcount':
        this.take();
        return { kind: 'ParamCount', span: sp() };
      case 'map': {
        this.take();
        const map: A.MapRef = { kind: 'Map', span: sp(), name: t.text };
        if (!this.is('[')) return map;
        this.take();
        if (this.is(']')) throw this.unexpected(this.peek(), 'map key');
        const keys = [this.expression()];
        while (this.acceptT(',')) keys.push(this.expression());
        this.expectT(']');
        return { kind: 'MapAccess', span: this.from(t.start), map, keys };
      }
      case 'ident':
        return this.identExpr();
      case 'punct':
        if (t.text === '(') return this.parenExpr();
        if (t.text === '{') return this.blockExpr();
        break;
    }
    throw this.unexpected(t);
  }

  private identExpr(): A.Expr {
    const t = this.take();
    const sp = this.span(t.start, t.end);
    switch (t.text) {
      case 'true': case 'false':
        return { kind: 'Boolean', span: sp, value: t.text === 'true' };
      case 'sizeof': case 'typeof': {
        this.expectT('(');
        const arg = this.typeOrExpr();
        this.expectT(')');
        return t.text === 'sizeof' ? { kind: 'Sizeof', span: this.from(t.start), arg } : { kind: 'Typeof', span: this.from(t.start), arg };
      }
      case 'offsetof': {
        this.expectT('(');
        const arg = this.typeOrExpr();
        this.expectT(',');
        const fields: string[] = [];
        do {
          const f = this.peek();
          if (f.kind !== 'ident') throw this.unexpected(f, 'field name');
          fields.push(this.take().text);
        } while (this.acceptT('.'));
        this.expectT(')');
        return { kind: 'Offsetof', span: this.from(t.start), arg, fields };
      }
      case 'if': case 'else': case 'for': case 'while': case 'unroll': case 'return': case 'break': case 'continue': case 'let': case 'macro': case 'config': case 'import':
        throw this.error(`syntax error, unexpected ${t.text}`, t.start, t.end);
    }
    const bang = this.is('!') && this.is('(', 1);
    if (bang) this.take();
    if (this.is('(')) {
      this.take();
      const args = this.argList();
      return { kind: 'Call', span: this.from(t.start), name: t.text, nameSpan: sp, args, ...(bang ? { bang: true } : {}) };
    }
    if (isBuiltinName(t.text)) return { kind: 'Builtin', span: sp, name: t.text };
    return { kind: 'Identifier', span: sp, name: t.text };
  }

  /** Arguments after `(` up to and including `)`. */
  private argList(): A.Expr[] {
    const args: A.Expr[] = [];
    if (this.acceptT(')')) return args;
    do args.push(this.expression());
    while (this.acceptT(','));
    this.expectT(')', "')'");
    return args;
  }

  /** `(expr)`, tuples `(a, b)`, `(a,)`, `()`, records `(x = 1, y = 2)`. */
  private parenExpr(): A.Expr {
    const open = this.take();
    if (this.acceptT(')')) return { kind: 'Tuple', span: this.from(open.start), elements: [] };
    if (this.peek().kind === 'ident' && this.is('=', 1)) {
      const fields: A.RecordExpr['fields'] = [];
      do {
        if (this.is(')')) break;
        const n = this.peek();
        if (n.kind !== 'ident') throw this.unexpected(n, 'field name');
        this.take();
        this.expectT('=');
        fields.push({ name: n.text, span: this.span(n.start, n.end), value: this.expression() });
      } while (this.acceptT(','));
      this.expectT(')', "')'");
      return { kind: 'Record', span: this.from(open.start), fields };
    }
    const first = this.expression();
    // The parentheses belong to the expression's span, as in bpftrace's diagnostics.
    if (this.acceptT(')')) return { ...first, span: this.from(open.start) };
    const elements = [first];
    this.expectT(',', "')'");
    while (!this.is(')')) {
      elements.push(this.expression());
      if (!this.acceptT(',')) break;
    }
    this.expectT(')', "')'");
    return { kind: 'Tuple', span: this.from(open.start), elements };
  }

  /** sizeof/typeof/offsetof argument: a type if it looks like one, else an expression. */
  private typeOrExpr(): A.TypeExpr | A.Expr {
    const t = this.peek();
    if (t.kind === 'ident') {
      const n = this.peek(1);
      const isCall = n.kind === 'punct' && (n.text === '(' || n.text === '!');
      if (!isCall && !isBuiltinName(t.text) && t.text !== 'true' && t.text !== 'false' && t.text !== 'sizeof' && t.text !== 'offsetof') {
        return this.typeExpr();
      }
    }
    return this.expression();
  }

  // --- types ----------------------------------------------------------------------------

  /** A type in bpftrace's postfix syntax: base, then `*` and `[N]` suffixes. */
  typeExpr(): A.TypeExpr {
    const t = this.peek();
    let type: A.TypeExpr;
    if (t.kind !== 'ident') throw this.unexpected(t, 'type');
    if (t.text === 'struct' || t.text === 'union' || t.text === 'enum') {
      this.take();
      const n = this.peek();
      if (n.kind !== 'ident') throw this.unexpected(n, 'identifier');
      this.take();
      type = { kind: 'StructType', span: this.from(t.start), keyword: t.text, name: n.text };
    } else if (t.text === 'typeof') {
      this.take();
      this.expectT('(');
      const arg = this.typeOrExpr();
      this.expectT(')');
      type = { kind: 'TypeofType', span: this.from(t.start), arg };
    } else if (C_TYPE_WORDS.has(t.text)) {
      const words: string[] = [];
      while (this.peek().kind === 'ident' && C_TYPE_WORDS.has(this.peek().text)) {
        const w = this.take().text;
        if (w !== 'const' && w !== 'volatile') words.push(w);
      }
      // `const struct x *`, `const u32`
      if (words.length === 0) return this.typeSuffixes(this.typeExpr(), t.start);
      type = { kind: 'NamedType', span: this.from(t.start), name: words.join(' ') };
    } else {
      this.take();
      type = { kind: 'NamedType', span: this.from(t.start), name: t.text };
    }
    return this.typeSuffixes(type, t.start);
  }

  private typeSuffixes(type: A.TypeExpr, start: number): A.TypeExpr {
    for (;;) {
      if (this.is('*')) {
        this.take();
        type = { kind: 'PointerType', span: this.from(start), target: type };
        continue;
      }
      if (this.is('[') && (this.peek(1).kind === 'int' || this.is(']', 1))) {
        this.take();
        let length: number | undefined;
        if (this.peek().kind === 'int') length = Number(this.take().int);
        this.expectT(']');
        if (type.kind === 'NamedType' && SIZED_TYPE_NAMES.has(type.name) && type.size === undefined && length !== undefined) {
          type = { ...type, span: this.from(start), size: length };
        } else {
          type = { kind: 'ArrayType', span: this.from(start), element: type, length };
        }
        continue;
      }
      if (this.is('const')) { this.take(); continue; }
      return type;
    }
  }
}

function isCompound(s: A.Stmt): boolean {
  switch (s.kind) {
    case 'If': case 'While': case 'Unroll': case 'ForMap': case 'ForRange': return true;
    case 'ExprStmt': return s.expr.kind === 'BlockExpr';
    default: return false;
  }
}

function isAssignable(e: A.Expr): boolean {
  switch (e.kind) {
    case 'Variable': case 'Map': case 'MapAccess': case 'FieldAccess': case 'Index': case 'TupleIndex': return true;
    case 'Unary': return e.op === '*';
    default: return false;
  }
}

let lastTable: { source: string; starts: number[] } | undefined;

/** 0-based offset of a span's start (spans are line/column). */
export function offsetOf(source: string, span: Span): number {
  if (span.line === 1) return span.column - 1;
  if (!lastTable || lastTable.source !== source) {
    const starts = [0];
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
    lastTable = { source, starts };
  }
  const start = lastTable.starts[span.line - 1] ?? source.length;
  return start + span.column - 1;
}
