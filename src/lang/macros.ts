// Macro expansion, before type checking: every call of a script macro (`add_one(x)`,
// `greet!()`, or a bare `one` for a zero-parameter macro) is replaced by a copy of the macro's
// block expression with its parameters substituted. Macros are hygienic, as in bpftrace:
//  - `$a` parameters take a scratch variable (renamed in the body), `@m` parameters a map,
//    plain parameters any expression (inserted wherever the name appears);
//  - variables the body creates are renamed so they cannot clash with the caller's;
//  - maps not passed as arguments cannot be touched.

import type * as A from './ast.js';

const MAX_DEPTH = 32;

type ErrorFn = (message: string, node: { span: A.Span }) => never;

export function expandMacros(program: A.Program, error: ErrorFn): void {
  if (program.macros.length === 0) return;
  const macros = new Map<string, A.MacroDef>();
  for (const m of program.macros) {
    if (macros.has(m.name)) error(`Macro ${m.name} is already defined`, { span: m.nameSpan });
    macros.set(m.name, m);
  }
  let counter = 0;

  const instantiate = (m: A.MacroDef, call: A.CallExpr | A.Identifier, depth: number): A.BlockExpr => {
    if (depth > MAX_DEPTH) error(`Macro expansion of ${m.name} is too deep (recursive macro?)`, call);
    const args = call.kind === 'Call' ? call.args : [];
    if (args.length !== m.params.length) {
      error(`Macro ${m.name} expects ${m.params.length} argument${m.params.length === 1 ? '' : 's'} (${args.length} provided)`, call);
    }
    const exprParams = new Map<string, A.Expr>();
    const varRename = new Map<string, string>();
    const mapRename = new Map<string, string>();
    m.params.forEach((p, i) => {
      const a = args[i];
      if (p.paramKind === 'scratch') {
        if (a.kind !== 'Variable') error(`Macro ${m.name} expects a scratch variable for parameter ${p.name}`, a);
        varRename.set(p.name, a.name);
      } else if (p.paramKind === 'map') {
        if (a.kind !== 'Map') error(`Macro ${m.name} expects a map for parameter ${p.name}`, a);
        mapRename.set(p.name, a.name);
      } else {
        // A map or variable passed for an expression parameter is the same as `{ @y }`.
        exprParams.set(p.name, a);
      }
    });
    const id = ++counter;
    const body = structuredClone(m.body);
    const sub = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(sub);
      if (!node || typeof node !== 'object') return node;
      const n = node as { kind?: string; [k: string]: unknown };
      if (n.kind === 'Identifier' && exprParams.has(n.name as string)) return structuredClone(exprParams.get(n.name as string));
      // A parameter used as a type (`(a*)b`) takes a `typeof(...)` argument.
      if (n.kind === 'NamedType' && exprParams.has(n.name as string)) {
        const a = exprParams.get(n.name as string)!;
        if (a.kind !== 'Typeof') error(`Macro ${m.name} uses parameter ${n.name as string} as a type: pass it as typeof(...)`, a);
        return { kind: 'TypeofType', span: n.span, arg: structuredClone(a.arg) };
      }
      if (n.kind === 'Variable') {
        const name = n.name as string;
        return { ...n, name: varRename.get(name) ?? `$${name.slice(1)}__${m.name}_${id}` };
      }
      if (n.kind === 'Map') {
        const name = n.name as string;
        const to = mapRename.get(name);
        if (!to) error(`Macro ${m.name} accesses map ${name}, which was not passed as an argument`, n as { span: A.Span });
        return { ...n, name: to };
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(n)) out[k] = k === 'span' || k === 'type' ? v : sub(v);
      return out;
    };
    const expanded = sub(body) as A.BlockExpr;
    expanded.span = call.span;
    return expanded;
  };

  const visit = (node: unknown, depth: number): unknown => {
    if (Array.isArray(node)) return node.map((x) => visit(x, depth));
    if (!node || typeof node !== 'object') return node;
    const n = node as Record<string, unknown> & { kind?: string };
    for (const [k, v] of Object.entries(n)) {
      if (k === 'span' || k === 'type' || !v || typeof v !== 'object') continue;
      n[k] = visit(v, depth);
    }
    if (n.kind === 'Call' || n.kind === 'Identifier') {
      const m = macros.get(n.name as string);
      if (m && (n.kind === 'Call' || m.params.length === 0)) {
        return visit(instantiate(m, n as unknown as A.CallExpr, depth + 1), depth + 1);
      }
    }
    return n;
  };

  for (const p of program.probes) {
    if (p.predicate) p.predicate = visit(p.predicate, 0) as A.Expr;
    p.body.statements = visit(p.body.statements, 0) as A.Stmt[];
  }
}

/**
 * Object-like `#define NAME body` in the C definitions: uses of NAME in probes and macros are
 * replaced by the body parsed as an expression (as the C preprocessor would substitute it).
 * Defines whose body is not an expression (types, statements) are left to C code.
 */
export function expandDefines(program: A.Program, parseExpr: (text: string) => A.Expr): void {
  const bodies = new Map<string, A.Expr>();
  for (const d of program.cDefinitions) {
    if (d.kind !== 'CDefine' || d.body === '') continue;
    try {
      bodies.set(d.name, parseExpr(d.body));
    } catch {
      // Not an expression: not usable from bpftrace code.
    }
  }
  if (bodies.size === 0) return;
  const respan = (node: unknown, span: A.Span): unknown => {
    if (Array.isArray(node)) return node.map((x) => respan(x, span));
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k.endsWith('pan') ? span : respan(v, span);
    return out;
  };
  const visit = (node: unknown, depth: number): unknown => {
    if (Array.isArray(node)) return node.map((x) => visit(x, depth));
    if (!node || typeof node !== 'object') return node;
    const n = node as Record<string, unknown> & { kind?: string; name?: string; span?: A.Span };
    if (n.kind === 'Identifier' && bodies.has(n.name!) && depth < 16) {
      // Defines may refer to other defines; the span of every piece is the use site.
      return visit(respan(bodies.get(n.name!), n.span!), depth + 1);
    }
    for (const [k, v] of Object.entries(n)) {
      if (k === 'span' || k === 'type' || !v || typeof v !== 'object') continue;
      n[k] = visit(v, depth);
    }
    return n;
  };
  for (const p of program.probes) {
    if (p.predicate) p.predicate = visit(p.predicate, 0) as A.Expr;
    p.body.statements = visit(p.body.statements, 0) as A.Stmt[];
  }
  for (const m of program.macros) m.body = visit(m.body, 0) as A.BlockExpr;
}
