// Parser of trace filter expressions. Precedence, loosest first: || then && then ! then
// comparisons; parentheses group. Fields may be written `$ctx.name` or `name`.
import { Span } from '../../diagnostics.js';
import { CompareOp, FilterExpr, Operand } from './ast.js';
import { FilterError } from './errors.js';
import { Token, tokenize } from './lexer.js';

const COMPARE: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];

const join = (a: Span, b: Span): Span =>
  a.line === b.line ? { line: a.line, column: a.column, length: b.column + (b.length ?? 1) - a.column } : a;

export function parseFilter(source: string): FilterExpr {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token => tokens[pos];
  const next = (): Token => tokens[pos++];
  const fail = (msg: string, t: Token): never => { throw new FilterError(msg, t.span, source); };
  const isOp = (text: string): boolean => peek().kind === 'op' && peek().text === text;

  function or(): FilterExpr {
    let left = and();
    while (isOp('||')) { next(); const right = and(); left = { kind: 'or', left, right, span: join(left.span, right.span) }; }
    return left;
  }
  function and(): FilterExpr {
    let left = unary();
    while (isOp('&&')) { next(); const right = unary(); left = { kind: 'and', left, right, span: join(left.span, right.span) }; }
    return left;
  }
  function unary(): FilterExpr {
    if (isOp('!')) {
      const t = next();
      const operand = unary();
      return { kind: 'not', operand, span: join(t.span, operand.span) };
    }
    if (peek().kind === '(') {
      const open = next();
      const e = or();
      if (peek().kind !== ')') fail(`expected ')' to close the '(' at column ${open.span.column}`, peek());
      next();
      return e;
    }
    const left = operand();
    if (peek().kind === 'op' && COMPARE.includes(peek().text)) {
      const op = next().text as CompareOp;
      const right = operand();
      return { kind: 'compare', op, left, right, span: join(left.span, right.span) };
    }
    return { kind: 'truthy', operand: left, span: left.span };
  }
  function operand(): Operand {
    const t = peek();
    if (t.kind === 'ident') {
      next();
      const name = t.text.startsWith('$ctx.') ? t.text.slice(5) : t.text;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid field name '${t.text}'`, t);
      return { kind: 'field', name, span: t.span };
    }
    if (t.kind === 'int') { next(); return { kind: 'int', value: t.value as bigint, span: t.span }; }
    if (t.kind === 'op' && t.text === '!' ) fail('expected a field, a number or a string', t);
    if (t.kind === 'string') { next(); return { kind: 'string', value: t.value as string, span: t.span }; }
    // Unary minus on a number literal.
    return fail(t.kind === 'eof' ? 'unexpected end of filter; expected a field, a number or a string' : `expected a field, a number or a string, found '${t.text}'`, t);
  }

  if (peek().kind === 'eof') fail('empty filter', peek());
  const e = or();
  if (peek().kind !== 'eof') fail(`unexpected '${peek().text}' after a complete expression`, peek());
  return e;
}
