// The bpftrace syntax tree. Plain data: every node is an object literal with a `kind`
// discriminant and a `span` (where it was written), so it can be built in tests, compared with
// deepStrictEqual and printed as JSON (print-ast.ts; integers are bigint, print them with a
// replacer). Semantic analysis (semantic.ts) does not build a second tree: it fills the optional
// `type` field of expressions and returns side tables (maps, variables, probes), so the compiler
// walks this one tree.
//
// Names keep their sigil ($x, @m, @ for the anonymous map) so a node prints as it was written
// and scratch variables can never be confused with maps.

import type { Span } from '../diagnostics.js';
import type { Type } from './types.js';

export type { Span };

// ---------------------------------------------------------------------------------------------
// Program structure

export interface Program {
  kind: 'Program';
  span: Span;
  /** File name as given ("stdin" for -e). */
  file: string;
  /** `#include`, `#define`, `struct X { ... }` at the top, in order. */
  cDefinitions: CDefinition[];
  config?: ConfigBlock;
  imports: Import[];
  mapDecls: MapDecl[];
  macros: MacroDef[];
  /** Action blocks in source order (order matters: begin/end run in declaration order). */
  probes: Probe[];
}

export type CDefinition = CInclude | CDefine | CStruct;

/** `#include <linux/sched.h>` or `#include "x.h"`. */
export interface CInclude {
  kind: 'CInclude';
  span: Span;
  path: string;
  system: boolean;
}

/** `#define NAME text` (object-like macros only; the body is kept as text). */
export interface CDefine {
  kind: 'CDefine';
  span: Span;
  name: string;
  body: string;
}

/** A C `struct`/`union`/`enum` definition at the top of the script. */
export interface CStruct {
  kind: 'CStruct';
  span: Span;
  keyword: 'struct' | 'union' | 'enum';
  name: string;
  /** struct/union members in order (empty for enums). */
  fields: CField[];
  /** enum constants (empty for struct/union). `value` is undefined when implicit. */
  enumerators: { name: string; value?: bigint; span: Span }[];
  /** The text as written, for diagnostics and -d. */
  text: string;
}

export interface CField {
  span: Span;
  name: string;
  type: TypeExpr;
  /** Bit-field width (`int x : 3;`). */
  bits?: number;
}

/** `config = { key = value; ... }` */
export interface ConfigBlock {
  kind: 'Config';
  span: Span;
  entries: ConfigEntry[];
}

export interface ConfigEntry {
  kind: 'ConfigEntry';
  span: Span;
  /** As written (`stack_mode`, `BPFTRACE_STACK_MODE`, ...). */
  key: string;
  value: IntegerLiteral | StringLiteral | BooleanLiteral | Identifier;
}

/** `import "path";` */
export interface Import {
  kind: 'Import';
  span: Span;
  path: string;
}

/** `let @name = lruhash(100);` */
export interface MapDecl {
  kind: 'MapDecl';
  span: Span;
  map: MapRef;
  /** hash | lruhash | percpuhash | percpulruhash (validated by semantic analysis). */
  mapType: string;
  mapTypeSpan: Span;
  /** The max-entries argument as written (must be an integer literal). */
  args: Expr[];
}

/** `macro name(params) { body }`. */
export interface MacroDef {
  kind: 'Macro';
  span: Span;
  name: string;
  nameSpan: Span;
  params: MacroParam[];
  body: BlockExpr;
}

export interface MacroParam {
  span: Span;
  /** `$x`: a scratch variable argument; `@m`: a map argument; `x`: any expression. */
  paramKind: 'scratch' | 'map' | 'expr';
  /** With its sigil for scratch/map. */
  name: string;
}

/** `[name=]probe[,probe] /predicate/ { action }` */
export interface Probe {
  kind: 'Probe';
  span: Span;
  /** The optional `name=` prefix. */
  name?: string;
  attachPoints: AttachPoint[];
  predicate?: Expr;
  body: Block;
  /** Set on probes merged from an imported file: where their spans point. */
  origin?: { file: string; source: string };
}

/**
 * One attach point as written, split at top-level colons. Quotes are removed from quoted parts
 * (`uprobe:"/a b":f`), wildcards are kept (`tracepoint:syscalls:sys_enter_*`), and `$N`
 * positional parameters are kept as text (they are substituted by semantic analysis). The
 * provider is as written (`t`, `tracepoint`, `BEGIN`); probe-context.ts canonicalises aliases.
 */
export interface AttachPoint {
  kind: 'AttachPoint';
  span: Span;
  /** The whole attach point text as written. */
  raw: string;
  provider: string;
  /** The colon-separated parts after the provider (may be empty: `begin`). */
  parts: string[];
}

// ---------------------------------------------------------------------------------------------
// Statements

export type Stmt =
  | ExprStmt
  | AssignStmt
  | LetStmt
  | IfStmt
  | WhileStmt
  | UnrollStmt
  | ForMapStmt
  | ForRangeStmt
  | ReturnStmt
  | BreakStmt
  | ContinueStmt
  | DeleteStmt;

/** `{ stmt; stmt; }`: a probe body, loop body or if branch. */
export interface Block {
  kind: 'Block';
  span: Span;
  statements: Stmt[];
}

/** An expression evaluated for its effect. `_ = expr;` sets `discard` (no unused-value warning). */
export interface ExprStmt {
  kind: 'ExprStmt';
  span: Span;
  expr: Expr;
  discard?: boolean;
}

export type AssignTarget = Variable | MapRef | MapAccess | FieldAccess | IndexExpr | TupleIndex | UnaryExpr;

/** `target = value` or a compound `target op= value` (op is the binary operator, e.g. '+'). */
export interface AssignStmt {
  kind: 'Assign';
  span: Span;
  target: AssignTarget;
  /** null for plain `=`; otherwise the binary operator of `+=`, `<<=`, ... */
  op: BinaryOp | null;
  value: Expr;
}

/** `let $x [: type] [= value];` */
export interface LetStmt {
  kind: 'Let';
  span: Span;
  variable: Variable;
  declaredType?: TypeExpr;
  value?: Expr;
}

export interface IfStmt {
  kind: 'If';
  span: Span;
  cond: Expr;
  then: Block;
  /** `else { }` is a Block; `else if` is a nested IfStmt. */
  else?: Block | IfStmt;
}

/** Deprecated but supported: `while (cond) { }`. */
export interface WhileStmt {
  kind: 'While';
  span: Span;
  cond: Expr;
  body: Block;
}

/** `unroll(n) { }`: n must be a compile-time constant in 1..100. */
export interface UnrollStmt {
  kind: 'Unroll';
  span: Span;
  count: Expr;
  body: Block;
}

/** `for ($kv : @map) { }`: $kv is (key, value). */
export interface ForMapStmt {
  kind: 'ForMap';
  span: Span;
  variable: Variable;
  map: MapRef;
  body: Block;
}

/** `for ($i : start..end) { }`: start inclusive, end exclusive, both evaluated once. */
export interface ForRangeStmt {
  kind: 'ForRange';
  span: Span;
  variable: Variable;
  start: Expr;
  end: Expr;
  body: Block;
}

export interface ReturnStmt {
  kind: 'Return';
  span: Span;
  value?: Expr;
}

export interface BreakStmt {
  kind: 'Break';
  span: Span;
}

export interface ContinueStmt {
  kind: 'Continue';
  span: Span;
}

/**
 * `delete(@m, key)`, `delete(@m[key])` (old form) or `delete(@m)` for a scalar map. Kept as a
 * statement because it names a map element rather than evaluating one.
 */
export interface DeleteStmt {
  kind: 'Delete';
  span: Span;
  map: MapRef;
  /** The key expressions (empty for a scalar map); several keys form a tuple key. */
  keys: Expr[];
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | IntegerLiteral
  | StringLiteral
  | BooleanLiteral
  | PositionalParam
  | ParamCount
  | Builtin
  | Identifier
  | Variable
  | MapRef
  | MapAccess
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | UpdateExpr
  | TernaryExpr
  | CastExpr
  | FieldAccess
  | TupleIndex
  | IndexExpr
  | TupleExpr
  | RecordExpr
  | SizeofExpr
  | OffsetofExpr
  | TypeofExpr
  | BlockExpr;

/** Fields every expression has. `type` is filled in by semantic analysis. */
interface ExprBase {
  span: Span;
  type?: Type;
}

/**
 * An integer. `value` is the final value (durations already in nanoseconds, scientific
 * notation expanded); `text` is the literal as written.
 */
export interface IntegerLiteral extends ExprBase {
  kind: 'Integer';
  value: bigint;
  text: string;
  /** C suffix (`u`, `ul`, `ll`, ...) lowercased; parsed for compatibility, no effect on type. */
  suffix?: string;
  /** Duration unit when the literal was a duration (`1ms`). */
  unit?: 'ns' | 'us' | 'ms' | 's' | 'm' | 'h' | 'd';
}

/**
 * A string literal with escapes decoded. Every char code is 0..255 (one byte): `\xff` is the
 * byte 0xff, non-ASCII source text is stored as its UTF-8 bytes.
 */
export interface StringLiteral extends ExprBase {
  kind: 'String';
  value: string;
}

export interface BooleanLiteral extends ExprBase {
  kind: 'Boolean';
  value: boolean;
}

/** `$1`, `$2`, ... (index >= 1). */
export interface PositionalParam extends ExprBase {
  kind: 'PositionalParam';
  index: number;
}

/** `$#`: the number of positional parameters. */
export interface ParamCount extends ExprBase {
  kind: 'ParamCount';
}

/**
 * A builtin named by a bare identifier: `pid`, `comm`, `nsecs`, `args`, `arg0`, `retval`,
 * `probe`, `ctx`, `kstack`, ... (the parser classifies names in builtins.ts's list; `pid()` with
 * parentheses is a CallExpr and semantic analysis treats both alike).
 */
export interface Builtin extends ExprBase {
  kind: 'Builtin';
  name: string;
}

/** Any other bare identifier: a zero-argument macro, an enum constant, or an error. */
export interface Identifier extends ExprBase {
  kind: 'Identifier';
  name: string;
}

/** A scratch variable `$x` (name includes the `$`). */
export interface Variable extends ExprBase {
  kind: 'Variable';
  name: string;
}

/** A map used without keys: `@m` (scalar map, or the map itself as an argument), `@`. */
export interface MapRef extends ExprBase {
  kind: 'Map';
  name: string;
}

/** `@m[k1, k2]`: keys as written; several keys are the same as one tuple key `@m[(k1, k2)]`. */
export interface MapAccess extends ExprBase {
  kind: 'MapAccess';
  map: MapRef;
  keys: Expr[];
}

/** `name(args)`: a function, a builtin called with parentheses, or a macro (`name!(args)`). */
export interface CallExpr extends ExprBase {
  kind: 'Call';
  name: string;
  nameSpan: Span;
  args: Expr[];
  /** Written with `!` (explicit macro call). */
  bang?: boolean;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%'
  | '&' | '|' | '^' | '<<' | '>>'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '&&' | '||';

export interface BinaryExpr extends ExprBase {
  kind: 'Binary';
  op: BinaryOp;
  opSpan: Span;
  left: Expr;
  right: Expr;
}

/** `-x`, `!x`, `~x`, `*p` (dereference), `&x` (address of), `+x`. */
export type UnaryOp = '-' | '!' | '~' | '*' | '&' | '+';

export interface UnaryExpr extends ExprBase {
  kind: 'Unary';
  op: UnaryOp;
  operand: Expr;
}

/** `x++`, `++x`, `x--`, `--x`. */
export interface UpdateExpr extends ExprBase {
  kind: 'Update';
  op: '++' | '--';
  prefix: boolean;
  target: AssignTarget;
}

export interface TernaryExpr extends ExprBase {
  kind: 'Ternary';
  cond: Expr;
  then: Expr;
  else: Expr;
}

/** `(type)expr`. */
export interface CastExpr extends ExprBase {
  kind: 'Cast';
  target: TypeExpr;
  expr: Expr;
}

/** `expr.field` or `expr->field` (the same thing in bpftrace: `.` auto-dereferences). */
export interface FieldAccess extends ExprBase {
  kind: 'FieldAccess';
  expr: Expr;
  field: string;
  fieldSpan: Span;
  arrow: boolean;
}

/** `tuple.0` */
export interface TupleIndex extends ExprBase {
  kind: 'TupleIndex';
  expr: Expr;
  index: number;
}

/** `expr[index]`: array/pointer element, or a tuple element with a constant index. */
export interface IndexExpr extends ExprBase {
  kind: 'Index';
  expr: Expr;
  index: Expr;
}

/** `(a, b)`, `(a,)`, `()`. */
export interface TupleExpr extends ExprBase {
  kind: 'Tuple';
  elements: Expr[];
}

/** `(name = a, size = b)`. */
export interface RecordExpr extends ExprBase {
  kind: 'Record';
  fields: { name: string; span: Span; value: Expr }[];
}

/** `sizeof(type)` or `sizeof(expr)`. */
export interface SizeofExpr extends ExprBase {
  kind: 'Sizeof';
  arg: TypeExpr | Expr;
}

/** `offsetof(struct foo, a.b)` or `offsetof(expr, a)`. */
export interface OffsetofExpr extends ExprBase {
  kind: 'Offsetof';
  arg: TypeExpr | Expr;
  /** Field path (`a.b` -> ['a', 'b']). */
  fields: string[];
}

/** `typeof(type-or-expr)` used as an expression argument (macros). */
export interface TypeofExpr extends ExprBase {
  kind: 'Typeof';
  arg: TypeExpr | Expr;
}

/** `{ stmt; stmt; value }`: a block whose value is its last expression (no trailing `;`). */
export interface BlockExpr extends ExprBase {
  kind: 'BlockExpr';
  statements: Stmt[];
  value?: Expr;
}

// ---------------------------------------------------------------------------------------------
// Types as written (casts, `let $x: T`, sizeof, struct fields)

export type TypeExpr = NamedType | StructTypeRef | PointerType | ArrayType | TypeofType;

/**
 * A named type: `int32`, `uint8`, `bool`, `string`, `void`, C names (`int`, `unsigned long`,
 * `u32`, `pid_t`, ...). `size` is the `[N]` of the parameterised types string/buffer/inet
 * (`string[64]`), which is a size, not an array.
 */
export interface NamedType {
  kind: 'NamedType';
  span: Span;
  name: string;
  size?: number;
}

/** `struct task_struct`, `union u`, `enum e`. */
export interface StructTypeRef {
  kind: 'StructType';
  span: Span;
  keyword: 'struct' | 'union' | 'enum';
  name: string;
}

export interface PointerType {
  kind: 'PointerType';
  span: Span;
  target: TypeExpr;
}

/** `T[N]`; `T[]` (length undefined) in casts means "inferred from the value's size". */
export interface ArrayType {
  kind: 'ArrayType';
  span: Span;
  element: TypeExpr;
  length?: number;
}

/** `typeof(expr)` / `typeof(type)` in a type position. */
export interface TypeofType {
  kind: 'TypeofType';
  span: Span;
  arg: TypeExpr | Expr;
}

export type Node = Program | CDefinition | ConfigBlock | ConfigEntry | Import | MapDecl | MacroDef | Probe | AttachPoint | Block | Stmt | Expr | TypeExpr;

const TYPE_KINDS = new Set(['NamedType', 'StructType', 'PointerType', 'ArrayType', 'TypeofType']);

/** True when a sizeof/offsetof/typeof argument is a type rather than an expression. */
export function isTypeExpr(x: TypeExpr | Expr): x is TypeExpr {
  return TYPE_KINDS.has(x.kind);
}

/** Every node under `node` (itself included) for which `test` holds, in no particular order. */
export function findNodes(node: unknown, test: (n: { kind?: unknown; name?: unknown }) => boolean): { kind?: unknown; name?: unknown }[] {
  const found: { kind?: unknown; name?: unknown }[] = [];
  const seen = new Set<object>();
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) { for (const y of x) visit(y); return; }
    const n = x as { kind?: unknown; name?: unknown };
    if (test(n)) found.push(n);
    // Every child node hangs off some property; types and spans hold no nodes.
    for (const [key, value] of Object.entries(x)) if (key !== 'type' && key !== 'span') visit(value);
  };
  visit(node);
  return found;
}

/** Names of the scratch variables read or written anywhere under `node` (a statement, block or expression). */
export function variablesUsedIn(node: unknown): Set<string> {
  return new Set(findNodes(node, (n) => n.kind === 'Variable' && typeof n.name === 'string').map((n) => n.name as string));
}
