// `-d ast` output: the syntax tree as an indented outline, one node per line with its source
// position and (after semantic analysis) its type, in the spirit of bpftrace's `-d ast`.
// astToJSON gives the same tree as JSON (bigints as decimal strings) for tools.

import type * as A from './ast.js';
import { isTypeExpr } from './ast.js';
import { typeName } from './types.js';

/** JSON with bigints as strings, spans as "line:col". */
export function astToJSON(node: unknown, indent = 2): string {
  return JSON.stringify(node, (key, value) => {
    if (typeof value === 'bigint') return value.toString();
    if (key === 'span' || key === 'nameSpan' || key === 'opSpan' || key === 'fieldSpan' || key === 'mapTypeSpan') {
      const s = value as A.Span;
      return `${s.line}:${s.column}`;
    }
    return value;
  }, indent);
}

export function printAst(prog: A.Program): string {
  const out: string[] = [];
  const line = (depth: number, text: string, node?: { span: A.Span; type?: unknown }) => {
    let s = '  '.repeat(depth) + text;
    if (node && 'type' in node && node.type) s += ` :: ${typeName(node.type as Parameters<typeof typeName>[0])}`;
    if (node) s += `  @${node.span.line}:${node.span.column}`;
    out.push(s);
  };

  const typeText = (t: A.TypeExpr): string => {
    switch (t.kind) {
      case 'NamedType': return t.size !== undefined ? `${t.name}[${t.size}]` : t.name;
      case 'StructType': return `${t.keyword} ${t.name}`;
      case 'PointerType': return `${typeText(t.target)}*`;
      case 'ArrayType': return `${typeText(t.element)}[${t.length ?? ''}]`;
      case 'TypeofType': return 'typeof(...)';
    }
  };

  const expr = (e: A.Expr | A.TypeExpr, d: number): void => {
    if (isTypeExpr(e)) {
      line(d, `type ${typeText(e)}`, e);
      if (e.kind === 'TypeofType') expr(e.arg, d + 1);
      return;
    }
    switch (e.kind) {
      case 'Integer': line(d, `int: ${e.value}${e.unit ? ` (${e.text})` : ''}`, e); break;
      case 'String': line(d, `string: ${JSON.stringify(e.value)}`, e); break;
      case 'Boolean': line(d, `bool: ${e.value}`, e); break;
      case 'PositionalParam': line(d, `param: $${e.index}`, e); break;
      case 'ParamCount': line(d, 'param: $#', e); break;
      case 'Builtin': line(d, `builtin: ${e.name}`, e); break;
      case 'Identifier': line(d, `identifier: ${e.name}`, e); break;
      case 'Variable': line(d, `variable: ${e.name}`, e); break;
      case 'Map': line(d, `map: ${e.name}`, e); break;
      case 'MapAccess':
        line(d, `map: ${e.map.name}`, e);
        for (const k of e.keys) expr(k, d + 1);
        break;
      case 'Call':
        line(d, `call: ${e.name}${e.bang ? '!' : ''}`, e);
        for (const a of e.args) expr(a, d + 1);
        break;
      case 'Binary':
        line(d, e.op, e);
        expr(e.left, d + 1);
        expr(e.right, d + 1);
        break;
      case 'Unary':
        line(d, `unop: ${e.op}`, e);
        expr(e.operand, d + 1);
        break;
      case 'Update':
        line(d, `${e.prefix ? 'pre' : 'post'}: ${e.op}`, e);
        expr(e.target, d + 1);
        break;
      case 'Ternary':
        line(d, '?:', e);
        expr(e.cond, d + 1);
        expr(e.then, d + 1);
        expr(e.else, d + 1);
        break;
      case 'Cast':
        line(d, `(${typeText(e.target)})`, e);
        expr(e.expr, d + 1);
        break;
      case 'FieldAccess':
        line(d, `${e.arrow ? '->' : '.'} ${e.field}`, e);
        expr(e.expr, d + 1);
        break;
      case 'TupleIndex':
        line(d, `.${e.index}`, e);
        expr(e.expr, d + 1);
        break;
      case 'Index':
        line(d, '[]', e);
        expr(e.expr, d + 1);
        expr(e.index, d + 1);
        break;
      case 'Tuple':
        line(d, 'tuple:', e);
        for (const x of e.elements) expr(x, d + 1);
        break;
      case 'Record':
        line(d, 'record:', e);
        for (const f of e.fields) {
          line(d + 1, `${f.name} =`);
          expr(f.value, d + 2);
        }
        break;
      case 'Sizeof': line(d, 'sizeof', e); expr(e.arg, d + 1); break;
      case 'Typeof': line(d, 'typeof', e); expr(e.arg, d + 1); break;
      case 'Offsetof': line(d, `offsetof .${e.fields.join('.')}`, e); expr(e.arg, d + 1); break;
      case 'BlockExpr':
        line(d, 'block', e);
        stmts(e.statements, d + 1);
        if (e.value) expr(e.value, d + 1);
        break;
    }
  };

  const stmts = (ss: A.Stmt[], d: number) => {
    for (const s of ss) stmt(s, d);
  };

  const stmt = (s: A.Stmt, d: number): void => {
    switch (s.kind) {
      case 'ExprStmt':
        if (s.discard) line(d, '_ =', s);
        expr(s.expr, s.discard ? d + 1 : d);
        break;
      case 'Assign':
        line(d, s.op ? `${s.op}=` : '=', s);
        expr(s.target, d + 1);
        expr(s.value, d + 1);
        break;
      case 'Let':
        line(d, `let ${s.variable.name}${s.declaredType ? `: ${typeText(s.declaredType)}` : ''}`, s);
        if (s.value) expr(s.value, d + 1);
        break;
      case 'If':
        line(d, 'if', s);
        expr(s.cond, d + 1);
        line(d + 1, 'then');
        stmts(s.then.statements, d + 2);
        if (s.else) {
          line(d + 1, 'else');
          if (s.else.kind === 'If') stmt(s.else, d + 2);
          else stmts(s.else.statements, d + 2);
        }
        break;
      case 'While':
        line(d, 'while', s);
        expr(s.cond, d + 1);
        stmts(s.body.statements, d + 1);
        break;
      case 'Unroll':
        line(d, 'unroll', s);
        expr(s.count, d + 1);
        stmts(s.body.statements, d + 1);
        break;
      case 'ForMap':
        line(d, `for ${s.variable.name} : ${s.map.name}`, s);
        stmts(s.body.statements, d + 1);
        break;
      case 'ForRange':
        line(d, `for ${s.variable.name} : range`, s);
        expr(s.start, d + 1);
        expr(s.end, d + 1);
        stmts(s.body.statements, d + 1);
        break;
      case 'Return':
        line(d, 'return', s);
        if (s.value) expr(s.value, d + 1);
        break;
      case 'Break': line(d, 'break', s); break;
      case 'Continue': line(d, 'continue', s); break;
      case 'Delete':
        line(d, `delete ${s.map.name}`, s);
        for (const k of s.keys) expr(k, d + 1);
        break;
    }
  };

  line(0, 'Program');
  for (const c of prog.cDefinitions) {
    if (c.kind === 'CInclude') line(1, `#include ${c.system ? `<${c.path}>` : `"${c.path}"`}`, c);
    else if (c.kind === 'CDefine') line(1, `#define ${c.name} ${c.body}`, c);
    else line(1, `${c.keyword} ${c.name} (${c.fields.length || c.enumerators.length} members)`, c);
  }
  if (prog.config) {
    line(1, 'config', prog.config);
    for (const e of prog.config.entries) {
      const v = e.value;
      const text = v.kind === 'Identifier' ? v.name : v.kind === 'String' ? JSON.stringify(v.value) : String(v.value);
      line(2, `${e.key} = ${text}`, e);
    }
  }
  for (const i of prog.imports) line(1, `import "${i.path}"`, i);
  for (const m of prog.mapDecls) {
    line(1, `let ${m.map.name} = ${m.mapType}`, m);
    for (const a of m.args) expr(a, 2);
  }
  for (const m of prog.macros) {
    line(1, `macro ${m.name}(${m.params.map((p) => p.name).join(', ')})`, m);
    expr(m.body, 2);
  }
  for (const p of prog.probes) {
    line(1, `${p.name ? `${p.name}=` : ''}${p.attachPoints.map((a) => a.raw).join(',')}`, p);
    if (p.predicate) {
      line(2, 'pred');
      expr(p.predicate, 3);
    }
    stmts(p.body.statements, 2);
  }
  return out.join('\n') + '\n';
}
