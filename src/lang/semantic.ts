// Semantic analysis: resolve probes, infer and check types, decide map kinds. The result is the
// same AST with `type` set on every expression, plus side tables (maps, per-probe variables and
// contexts, config) that the compiler consumes. Entry point: analyse(program, options).
//
// Inference runs to a fixed point, like ply and bpftrace: a map may be read in one probe before
// the probe that assigns it (END before BEGIN in the text), so passes repeat while map and
// variable types are still being learnt; only the last pass reports "not known" errors. Errors
// that do not depend on unknown types are reported in whichever pass meets them first.

import type * as A from './ast.js';
import { isTypeExpr } from './ast.js';
import { MISSING_PROBES_HINT, MissingProbeError, reasonFor, SourceError, type Span } from '../diagnostics.js';
import { FUNCTIONS, arityMessage, builtinType, type CallEnv } from './builtins.js';
import { cIntType } from './ctype.js';
import { listTracepoints, tracepointFormat } from '../kernel/tracefs.js';
import { canonicalProvider, defaultResolver, globToRegExp, probeTypeName, type ProbeContext, type ProbeContextResolver, type TracepointSource } from './probe-context.js';
import type { IntType, StructTypeT, Type } from './types.js';
import { BOOL, I64, U64, VOID, int, ptr, sizeOf, str, tupleLayout, typeName, alignOf } from './types.js';
import { isBuiltinName } from './names.js';
import { expandDefines, expandMacros } from './macros.js';
import { parseExpression } from './parser.js';
import { expandImports } from './imports.js';
import { headerDefines, resolveConstant } from './header-constants.js';

export class SemanticError extends SourceError {
  constructor(message: string, span: Span, file: string, source?: string) {
    super(message, span, file, source);
    this.name = 'SemanticError';
  }
}

export interface Warning {
  message: string;
  span: Span;
  /** Rendered like an error, with `warning:`. */
  render(): string;
}

export interface AnalyseOptions {
  /** Source text (for quoting lines in diagnostics). */
  source?: string;
  /** Positional parameters ($1 = params[0]). */
  params?: string[];
  /** --unsafe: allow system(), signal(), override(), ... */
  unsafe?: boolean;
  /** Probe contexts; defaults to the built-in resolver (tracefs for tracepoints). */
  resolver?: ProbeContextResolver;
  /** Tracepoint formats for the default resolver (default: tracefs, loaded lazily). */
  tracepoints?: TracepointSource;
  /** Directory `import` paths are relative to (default: the script's directory, or cwd for stdin). */
  importBase?: string;
  /**
   * Kernel enum constants (BTF), e.g. TCP_FIN_WAIT1, SKB_DROP_REASON_NOT_SPECIFIED, with their
   * enum's name so printf's %s prints the enumerator (btf/enums.ts kernelEnumConstant).
   */
  constants?: (name: string) => { value: bigint; enumName?: string } | undefined;
  /** Kernel struct types (BTF), for casts like `(struct task_struct *)`. */
  structs?: (keyword: 'struct' | 'union' | 'enum', name: string) => StructTypeT | undefined;
}

export type MapBpfType = 'hash' | 'lruhash' | 'percpuhash' | 'percpulruhash';

export interface MapInfo {
  name: string;
  /** true: `@m[k]`; false: scalar `@m`; undefined: only passed to functions so far. */
  keyed?: boolean;
  /** Key type (one key: its type; several: a tuple). Integers are widened to 64 bits. */
  key?: Type;
  /** Value type: an aggregate for count()/hist()/..., otherwise the stored value. */
  value?: Type;
  /** Declared with `let @m = lruhash(N);`. */
  declared?: { bpfType: MapBpfType; maxEntries: number; span: Span };
  /** Where first used (for messages). */
  span: Span;
}

export interface ProbeInfo {
  probe: A.Probe;
  /** One context per attach point. */
  contexts: ProbeContext[];
  /** Scratch variables of this probe and their final types. */
  variables: Map<string, Type>;
}

export interface AnalysedProgram {
  program: A.Program;
  maps: Map<string, MapInfo>;
  probes: ProbeInfo[];
  /** Config block, keys normalised to lower case without BPFTRACE_. */
  config: Record<string, string | bigint | boolean>;
  warnings: Warning[];
  /** Script-defined structs/unions, laid out. */
  structs: Map<string, StructTypeT>;
  /** Script-defined enums: enum name -> value -> enumerator name (for printf's %s). */
  enums: Map<string, Map<bigint, string>>;
}

const CONFIG_KEYS = new Set([
  'cache_user_symbols', 'cpp_demangle', 'lazy_symbolication', 'license', 'log_size', 'max_bpf_progs', 'max_cat_bytes',
  'max_map_keys', 'max_probes', 'max_strlen', 'missing_probes', 'on_stack_limit', 'perf_rb_pages', 'show_debug_info',
  'stack_mode', 'str_trunc_trailer', 'print_maps_on_exit', 'unstable_tseries', 'unstable_dw_ustack', 'unstable_map_decl',
  'unstable_macro', 'unstable_import', 'symbol_source',
]);

const ARITHMETIC_OPS = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);

const MAP_TYPES = new Set(['hash', 'lruhash', 'percpuhash', 'percpulruhash']);

/** Analyse a parsed program. Throws SemanticError (a SourceError) on the first error. */
export function analyse(program: A.Program, options: AnalyseOptions = {}): AnalysedProgram {
  return new Checker(program, options).run();
}

interface Scope {
  vars: Set<string>;
}

const isIntLikeAgg = (t: Type) => t.kind === 'aggregate' && ['count', 'sum', 'min', 'max', 'avg'].includes(t.func);

/** The integer view of a value in arithmetic: ints, bools (as uint8), int-like aggregates (int64). */
function asInt(t: Type): IntType | undefined {
  if (t.kind === 'int') return t;
  if (t.kind === 'bool') return int(8, false);
  if (isIntLikeAgg(t)) return I64;
  return undefined;
}

/** Smallest signed type holding a literal (uint64 beyond int64). */
function literalType(v: bigint): IntType {
  const bits = v >= -128n && v <= 127n ? 8 : v >= -32768n && v <= 32767n ? 16 : v >= -(2n ** 31n) && v < 2n ** 31n ? 32 : 64;
  if (v >= 2n ** 63n) return { kind: 'int', bits: 64, signed: false, literal: v };
  return { kind: 'int', bits, signed: true, literal: v };
}

function fits(v: bigint, t: IntType): boolean {
  const lo = t.signed ? -(2n ** BigInt(t.bits - 1)) : 0n;
  const hi = t.signed ? 2n ** BigInt(t.bits - 1) - 1n : 2n ** BigInt(t.bits) - 1n;
  return v >= lo && v <= hi;
}

/** Integer promotion for binary operators and unification. */
function promoteInts(a: IntType, b: IntType): IntType {
  if (a.literal !== undefined && b.literal === undefined && fits(a.literal, b)) return strip(b);
  if (b.literal !== undefined && a.literal === undefined && fits(b.literal, a)) return strip(a);
  const bits = Math.max(a.bits, b.bits) as IntType['bits'];
  if (a.signed === b.signed) return int(bits, a.signed);
  const [s, u] = a.signed ? [a, b] : [b, a];
  if (u.bits < s.bits) return int(s.bits, true);
  if (u.bits < 64) return int((u.bits * 2) as IntType['bits'], true);
  return I64;
}

function strip(t: IntType): IntType {
  // An enumerator's enum stays with the value, so `$r = SKB_...; printf("%s", $r)` prints its name.
  return t.enumName ? { ...int(t.bits, t.signed), enumName: t.enumName } : int(t.bits, t.signed);
}

/** Widen an integer to the 64-bit type maps store. */
function widen64(t: Type): Type {
  if (t.kind === 'int') return int(64, t.literal !== undefined ? t.literal >= 2n ** 63n ? false : true : t.signed);
  if (t.kind === 'tuple') return { kind: 'tuple', elements: t.elements.map(widen64) };
  return t;
}

/** The common type of two values stored in one place, or undefined if incompatible. */
export function unify(a: Type, b: Type): Type | undefined {
  if (a.kind === 'int' && b.kind === 'int') {
    if (a.literal !== undefined && b.literal !== undefined) return strip(promoteInts(a, b));
    return strip(promoteInts(a, b));
  }
  if (a.kind === 'string' && b.kind === 'string') return str(Math.max(a.size, b.size));
  if (a.kind === 'buffer' && b.kind === 'buffer') return { kind: 'buffer', size: Math.max(a.size, b.size) };
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    if (a.elements.length !== b.elements.length) return undefined;
    const els: Type[] = [];
    for (let i = 0; i < a.elements.length; i++) {
      const u = unify(a.elements[i], b.elements[i]);
      if (!u) return undefined;
      els.push(u);
    }
    return { kind: 'tuple', elements: els };
  }
  if (a.kind === 'record' && b.kind === 'record') {
    if (a.fields.length !== b.fields.length) return undefined;
    const fields: { name: string; type: Type }[] = [];
    for (const f of a.fields) {
      const g = b.fields.find((x) => x.name === f.name);
      if (!g) return undefined;
      const u = unify(f.type, g.type);
      if (!u) return undefined;
      fields.push({ name: f.name, type: u });
    }
    return { kind: 'record', fields };
  }
  if (a.kind === 'pointer' && b.kind === 'pointer') {
    if (a.target.kind === 'void') return b;
    if (b.target.kind === 'void' || typeName(a.target) === typeName(b.target)) return a;
    return undefined;
  }
  if (a.kind === 'aggregate' && b.kind === 'aggregate') {
    if (a.func !== b.func || a.params.join() !== b.params.join()) return undefined;
    const v = unify(a.valueType, b.valueType);
    return v ? { ...a, valueType: v } : undefined;
  }
  return typeName(a) === typeName(b) ? a : undefined;
}

class Checker {
  private file: string;
  private source?: string;
  private maps = new Map<string, MapInfo>();
  private probeInfos: ProbeInfo[] = [];
  private warnings: Warning[] = [];
  private structs = new Map<string, StructTypeT>();
  private enums = new Map<string, { value: bigint; enumName: string }>();
  private enumTables = new Map<string, Map<bigint, string>>();
  private resolver: ProbeContextResolver;
  private config: Record<string, string | bigint | boolean> = {};
  private maxStrlen = 1024;
  private defaultStrlen = 64;
  private defaultStackMode: CallEnv['defaultStackMode'] = 'bpftrace';

  // Per-pass state.
  private final = false;
  /** Set once inference has settled: see run(). */
  private guessArithmetic = false;
  private changed = false;
  private contexts: ProbeContext[] = [];
  private vars = new Map<string, Type | undefined>();
  private scopes: Scope[] = [];
  private loopDepth = 0;

  constructor(private program: A.Program, private options: AnalyseOptions) {
    this.file = program.file;
    this.source = options.source;
    this.resolver = options.resolver ?? defaultResolver(options.tracepoints ?? tracefsSource());
  }

  private error(message: string, node: { span: Span }, notes: string[] = []): never {
    const o = this.origin;
    const e = new SemanticError(message, node.span, o?.file ?? this.file, o ? o.source : this.source);
    e.notes = notes;
    throw e;
  }

  /** The imported file the probe being checked came from, if any. */
  private origin?: { file: string; source: string };

  /** A warning found by the type checker: recorded in the final pass, once the types are known. */
  private warn(message: string, node: { span: Span }): void {
    if (this.final) this.record(message, node);
  }

  /** A warning, rendered like an error with `warning:` (duplicates dropped). */
  private record(message: string, node: { span: Span }): void {
    const file = this.origin?.file ?? this.file;
    const source = this.origin ? this.origin.source : this.source;
    const span = node.span;
    if (this.warnings.some((w) => w.message === message && w.span.line === span.line && w.span.column === span.column)) return;
    this.warnings.push({
      message, span,
      render: () => new SourceError(message, span, file, source).render().replace(': error: ', ': warning: '),
    });
  }

  run(): AnalysedProgram {
    expandImports(this.program, (m, n) => this.error(m, n), { baseDir: this.options.importBase });
    this.cDefinitions();
    this.configBlock();
    this.mapDecls();
    expandDefines(this.program, (t) => parseExpression(t));
    expandMacros(this.program, (m, n) => this.error(m, n));
    for (const p of this.program.probes) {
      this.origin = p.origin;
      const contexts: ProbeContext[] = [];
      // Attach points that name nothing here and config missing_probes skips leave the tree
      // before type checking: the body is never checked against a context that does not exist,
      // and the compiler never sees them. A probe left without any goes too.
      p.attachPoints = p.attachPoints.filter((ap) => {
        const ctx = this.resolve(ap);
        if (ctx) contexts.push(ctx);
        return ctx !== undefined;
      });
      if (contexts.length) this.probeInfos.push({ probe: p, contexts, variables: new Map() });
    }
    this.program.probes = this.program.probes.filter((p) => p.attachPoints.length > 0);
    this.origin = undefined;
    // Fixed point: repeat while passes learn new types (bounded: each pass can only settle more).
    for (let pass = 0; pass < 8; pass++) {
      this.changed = false;
      this.pass();
      if (this.changed) continue;
      // Settled with something still unknown, e.g. `@total = @total + $n`, whose only source is
      // itself: give arithmetic with one unknown operand the other's type (as bpftrace does), once.
      if (this.guessArithmetic) break;
      this.guessArithmetic = true;
    }
    this.final = true;
    this.pass();
    for (const info of this.probeInfos) for (const [k, v] of info.variables) info.variables.set(k, stripType(v));
    return { program: this.program, maps: this.maps, probes: this.probeInfos, config: this.config, warnings: this.warnings, structs: this.structs, enums: this.enumTables };
  }

  private pass(): void {
    for (const info of this.probeInfos) {
      this.contexts = info.contexts;
      this.vars = info.variables as Map<string, Type | undefined>;
      this.scopes = [{ vars: new Set() }];
      this.loopDepth = 0;
      const p = info.probe;
      this.origin = p.origin;
      if (p.predicate) {
        const t = this.expr(p.predicate);
        if (t) this.condition(t, p.predicate, 'predicate');
      }
      this.block(p.body.statements);
      if (this.final) {
        for (const [name, t] of info.variables) if (t === undefined) this.error(`Could not resolve the type of ${name}`, p);
      }
    }
  }

  // --- top level ------------------------------------------------------------------------

  private cDefinitions(): void {
    for (const d of this.program.cDefinitions) {
      if (d.kind !== 'CStruct') continue;
      if (d.keyword === 'enum') {
        let next = 0n;
        const table = new Map<bigint, string>();
        for (const e of d.enumerators) {
          const v = e.value ?? next;
          this.enums.set(e.name, { value: v, enumName: d.name });
          if (!table.has(v)) table.set(v, e.name);
          next = v + 1n;
        }
        this.enumTables.set(d.name, table);
        continue;
      }
      const fields: StructTypeT['fields'] = [];
      let off = 0;
      let size = 0;
      let maxAlign = 1;
      for (const f of d.fields) {
        let t = this.resolveType(f.type);
        // As with BTF, char arrays are strings.
        if (t.kind === 'array' && f.type.kind === 'ArrayType' && f.type.element.kind === 'NamedType' && /^(unsigned |signed )?char$/.test(f.type.element.name)) t = str(t.length);
        const a = alignOf(t);
        maxAlign = Math.max(maxAlign, a);
        if (d.keyword === 'struct') off = Math.ceil(off / a) * a;
        fields.push({ name: f.name, type: t, offset: d.keyword === 'union' ? 0 : off });
        if (d.keyword === 'struct') off += sizeOf(t);
        size = Math.max(size, d.keyword === 'union' ? sizeOf(t) : off);
      }
      this.structs.set(`${d.keyword} ${d.name}`, { kind: 'struct', name: `${d.keyword} ${d.name}`, size: Math.ceil(size / maxAlign) * maxAlign, fields });
    }
  }

  private configBlock(): void {
    const c = this.program.config;
    if (!c) return;
    for (const e of c.entries) {
      const key = e.key.toLowerCase().replace(/^bpftrace_/, '');
      if (!CONFIG_KEYS.has(key)) this.error(`Unrecognized config variable: ${e.key}`, e);
      const v = e.value;
      this.config[key] = v.kind === 'Identifier' ? v.name : v.value;
      if (['cpp_demangle', 'lazy_symbolication', 'print_maps_on_exit', 'show_debug_info'].includes(key)) {
        // Boolean settings: true/false or 1/0 (the documented `print_maps_on_exit=0`).
        const b = v.kind === 'Boolean' ? v.value : v.kind === 'Integer' && (v.value === 0n || v.value === 1n) ? v.value === 1n : undefined;
        if (b === undefined) this.error(`${key} must be true or false (or 1 or 0)`, v);
        this.config[key] = b;
      }
      if (key === 'max_strlen') {
        if (v.kind !== 'Integer') this.error('max_strlen must be an integer', v);
        this.maxStrlen = Number(v.value);
        this.defaultStrlen = Number(v.value);
      }
      if (['max_map_keys', 'log_size', 'max_bpf_progs', 'max_cat_bytes', 'max_probes', 'on_stack_limit', 'perf_rb_pages'].includes(key) && v.kind !== 'Integer') {
        this.error(`${key} must be an integer`, v);
      }
      if (key === 'stack_mode') {
        if (!['bpftrace', 'perf', 'raw', 'build_id'].includes(String(this.config[key]))) this.error(`Invalid value for stack_mode: ${String(this.config[key])}`, v);
        this.defaultStackMode = this.config[key] as CallEnv['defaultStackMode'];
      }
      if (key === 'missing_probes' && !['error', 'warn', 'ignore'].includes(String(this.config[key]))) {
        this.error(`Invalid value for missing_probes: ${String(this.config[key])}`, v);
      }
    }
  }

  private mapDecls(): void {
    for (const d of this.program.mapDecls) {
      if (!MAP_TYPES.has(d.mapType)) {
        this.error(`Invalid bpf map type: ${d.mapType} (expects hash, lruhash, percpuhash or percpulruhash)`, { span: d.mapTypeSpan });
      }
      if (d.args.length !== 1) this.error(`Map declarations require one argument, the max entries (${d.args.length} provided)`, d);
      const a = d.args[0];
      if (a.kind !== 'Integer' || a.value <= 0n) this.error('Map max entries must be a positive integer literal', a);
      if (this.maps.has(d.map.name)) this.error(`Map ${d.map.name} is already declared`, d.map);
      this.maps.set(d.map.name, { name: d.map.name, span: d.map.span, declared: { bpfType: d.mapType as MapBpfType, maxEntries: Number(a.value), span: d.span } });
    }
  }

  /** The attach point's context, or undefined when it is missing and config missing_probes skips it. */
  private resolve(ap: A.AttachPoint): ProbeContext | undefined {
    const provider = canonicalProvider(ap.provider);
    if (!provider) this.error(`Invalid probe type: ${ap.provider}`, ap);
    const parts = ap.parts.map((p) => p.replace(/\$(\d+)/g, (_, n: string) => this.options.params?.[Number(n) - 1] ?? ''));
    const need: Record<string, [number, number]> = {
      begin: [0, 0], end: [0, 0], tracepoint: [2, 2], rawtracepoint: [1, 2], kprobe: [1, 2], kretprobe: [1, 2],
      uprobe: [2, 3], uretprobe: [2, 3], usdt: [2, 3], interval: [1, 2], profile: [1, 2], software: [1, 2], hardware: [1, 2],
      fentry: [1, 3], fexit: [1, 3], watchpoint: [3, 3], iter: [1, 2], self: [2, 2], test: [0, 1], bench: [0, 1],
    };
    const [lo, hi] = need[provider] ?? [0, 9];
    const nparts = parts.length === 1 && parts[0] === '' ? 0 : parts.length;
    if (nparts < lo || nparts > hi) {
      if (lo === 0 && hi === 0) this.error(`${ap.provider} probes take no arguments`, ap);
      this.error(`Invalid ${probeTypeName(provider)} probe '${ap.raw}': expected ${lo === hi ? lo : `${lo} to ${hi}`} part${hi === 1 ? '' : 's'} after '${ap.provider}:'`, ap);
    }
    if (provider === 'interval' || provider === 'profile') {
      const last = parts[parts.length - 1];
      const unit = parts.length === 2 ? parts[0] : undefined;
      if (unit !== undefined && !['s', 'ms', 'us', 'hz', 'ns'].includes(unit)) this.error(`Invalid time unit for ${provider}: ${unit} (expects s, ms, us or hz)`, ap);
      if (!/^(\d[\d_]*(e\d+)?)(ns|us|ms|s|m|h|d)?$/.test(last) || (unit !== undefined && !/^\d[\d_]*(e\d+)?$/.test(last))) {
        this.error(`Invalid rate of ${provider} probe: '${last}'`, ap);
      }
    }
    try {
      return this.resolver({ ...ap, parts }, provider);
    } catch (e) {
      if (e instanceof MissingProbeError) return this.missingProbe(ap, e);
      if (e instanceof SourceError) throw e;
      this.error((e as Error).message, ap);
    }
  }

  /** What config missing_probes says to do with an attach point naming nothing that exists. */
  private missingProbe(ap: A.AttachPoint, e: MissingProbeError): undefined {
    // The diagnostic already points at the attach point.
    const why = reasonFor(ap.raw, e.message);
    const policy = this.config.missing_probes ?? 'error';
    if (policy === 'error') this.error(why, ap, [MISSING_PROBES_HINT]);
    if (policy === 'warn') this.record(`skipping ${ap.raw}: ${why}`, ap);
    return undefined;
  }

  // --- statements -----------------------------------------------------------------------

  private block(statements: A.Stmt[]): void {
    this.scopes.push({ vars: new Set() });
    try {
      for (const s of statements) this.stmt(s);
    } finally {
      this.scopes.pop();
    }
  }

  private declared(name: string): boolean {
    return this.scopes.some((s) => s.vars.has(name));
  }

  private declare(name: string): void {
    this.scopes[this.scopes.length - 1].vars.add(name);
  }

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'ExprStmt': {
        const t = this.expr(s.expr);
        if (!s.discard && t && s.expr.kind !== 'Call' && s.expr.kind !== 'Update' && s.expr.kind !== 'BlockExpr' && t.kind !== 'void') {
          this.warn('Return value discarded', s.expr);
        }
        return;
      }
      case 'Assign': return this.assign(s);
      case 'Let': {
        if (this.scopes[this.scopes.length - 1].vars.has(s.variable.name)) this.error(`Variable ${s.variable.name} was already declared in this scope`, s.variable);
        if (this.declared(s.variable.name)) this.error(`Variable ${s.variable.name} was already declared`, s.variable);
        let declaredType = s.declaredType ? this.resolveType(s.declaredType) : undefined;
        const value = s.value ? this.expr(s.value) : undefined;
        if (declaredType && value && s.value) this.assignable(value, declaredType, s.value, s.variable.name, 'variable');
        if (!declaredType && value) {
          if (value.kind === 'void') this.error(`Value of type void cannot be assigned to ${s.variable.name}`, s.value!);
          if (value.kind === 'aggregate') this.error(`Aggregate values can only be assigned to maps, not to ${s.variable.name}`, s.value!);
          declaredType = value.kind === 'int' ? strip(value) : value;
        }
        this.declare(s.variable.name);
        const prev = this.vars.get(s.variable.name);
        const t = declaredType && prev ? (s.declaredType ? declaredType : unify(prev, declaredType) ?? declaredType) : declaredType ?? prev;
        this.setVar(s.variable.name, t);
        s.variable.type = t;
        return;
      }
      case 'If': {
        const t = this.expr(s.cond);
        if (t) this.condition(t, s.cond, 'if()');
        this.block(s.then.statements);
        if (s.else) {
          if (s.else.kind === 'If') this.stmt(s.else);
          else this.block(s.else.statements);
        }
        return;
      }
      case 'While': {
        const t = this.expr(s.cond);
        if (t) this.condition(t, s.cond, 'while()');
        this.loop(() => this.block(s.body.statements));
        return;
      }
      case 'Unroll': {
        const n = this.constInt(s.count, 'unroll count');
        if (n > 100n) this.error('unroll maximum value is 100', s);
        if (n < 1n) this.error('unroll minimum value is 1', s);
        s.count.type = literalType(n);
        this.block(s.body.statements);
        return;
      }
      case 'ForMap': {
        const info = this.useMap(s.map, undefined);
        if (info.keyed === false) this.error(`${s.map.name} has no explicit keys (scalar map), and cannot be used for iteration`, s.map);
        if (info.value?.kind === 'aggregate' && !isIntLikeAgg(info.value)) this.error(`${s.map.name} holds ${typeName(info.value)} values, which cannot be used in a for loop`, s.map);
        if (this.final && (info.key === undefined || info.value === undefined)) this.error(`Undefined map: ${s.map.name}`, s.map);
        if (this.declared(s.variable.name)) this.error(`Loop declaration shadows existing variable: ${s.variable.name}`, s.variable);
        const value = info.value?.kind === 'aggregate' ? I64 : info.value;
        const t: Type | undefined = info.key && value ? { kind: 'tuple', elements: [info.key, value] } : undefined;
        s.map.type = info.value;
        this.loop(() => {
          this.scopes.push({ vars: new Set([s.variable.name]) });
          try {
            this.setVar(s.variable.name, t);
            s.variable.type = t;
            this.block(s.body.statements);
          } finally {
            this.scopes.pop();
          }
        });
        return;
      }
      case 'ForRange': {
        const a = this.expr(s.start);
        const b = this.expr(s.end);
        if (a && !asInt(a)) this.error(`Loop range requires an integer for the start value (${typeName(a)} provided)`, s.start);
        if (b && !asInt(b)) this.error(`Loop range requires an integer for the end value (${typeName(b)} provided)`, s.end);
        if (this.declared(s.variable.name)) this.error(`Loop declaration shadows existing variable: ${s.variable.name}`, s.variable);
        const t = a && b ? strip(promoteInts(asInt(a)!, asInt(b)!)) : undefined;
        const vt = t && t.bits < 64 ? int(64, t.signed) : t;
        this.loop(() => {
          this.scopes.push({ vars: new Set([s.variable.name]) });
          try {
            this.setVar(s.variable.name, vt);
            s.variable.type = vt;
            this.block(s.body.statements);
          } finally {
            this.scopes.pop();
          }
        });
        return;
      }
      case 'Return':
        if (s.value) {
          const t = this.expr(s.value);
          if (t && !asInt(t)) this.error(`Return value must be an integer (${typeName(t)} provided)`, s.value);
        }
        return;
      case 'Break':
        if (this.loopDepth === 0) this.error('break used outside of a loop', s);
        return;
      case 'Continue':
        if (this.loopDepth === 0) this.error('continue used outside of a loop', s);
        return;
      case 'Delete': {
        const info = this.useMap(s.map, s.keys.length > 0 ? true : undefined);
        if (s.keys.length === 0 && info.keyed === true) this.error(`delete() on map ${s.map.name}, which has keys, requires a key argument`, s);
        if (s.keys.length > 0) this.mapKey(s.map.name, s.keys, s);
        s.map.type = info.value;
        return;
      }
    }
  }

  private loop(body: () => void): void {
    this.loopDepth++;
    try {
      body();
    } finally {
      this.loopDepth--;
    }
  }

  private condition(t: Type, node: A.Expr, what: string): void {
    if (!(t.kind === 'int' || t.kind === 'bool' || t.kind === 'pointer' || isIntLikeAgg(t))) {
      this.error(`Invalid condition in ${what}: ${typeName(t)}`, node);
    }
  }

  private setVar(name: string, t: Type | undefined): void {
    const prev = this.vars.get(name);
    if (t === undefined) {
      if (!this.vars.has(name)) this.vars.set(name, undefined);
      return;
    }
    if (prev === undefined || typeName(prev) !== typeName(t)) {
      this.vars.set(name, t);
      this.changed = true;
    }
  }

  private assign(s: A.AssignStmt): void {
    const target = s.target;
    if (target.kind === 'Variable') {
      const name = target.name;
      if (s.op !== null && !this.declared(name)) this.error(`Undefined or undeclared variable: ${name}`, target);
      let value = this.valueForAssign(s);
      if (!value) {
        if (!this.declared(name)) this.declare(name);
        this.setVar(name, undefined);
        return;
      }
      if (value.kind === 'void') this.error(`Value of type void cannot be assigned to ${name}`, s.value);
      if (value.kind === 'aggregate') {
        if (s.value.kind === 'Call') this.error(`${s.value.name}() should be directly assigned to a map`, s.value);
        this.error(`${typeName(value)} values can not be assigned to variables; cast to an integer first, e.g. (int64)`, s.value);
      }
      const prev = this.vars.get(name);
      if (!this.declared(name)) this.declare(name);
      if (prev) {
        {
          const u = unifyVar(prev, value);
          if (!u) this.error(`Type mismatch for ${name}: trying to assign value of type '${typeName(value)}' when variable already contains a value of type '${typeName(prev)}'`, target);
          if (prev.kind === 'int' && value.kind === 'int' && prev.signed !== value.signed && u.kind === 'int' && u.bits === 64 && prev.bits === 64 && value.bits === 64) {
            this.warn(`Type mismatch for ${name}: assigning ${typeName(value)} to ${typeName(prev)} (sign changes)`, s);
          }
          this.setVar(name, u);
        }
        target.type = stripType(this.vars.get(name));
      } else {
        this.setVar(name, value);
        target.type = stripType(value);
      }
      return;
    }
    if (target.kind === 'Map' || target.kind === 'MapAccess') {
      const mapNode = target.kind === 'Map' ? target : target.map;
      const info = this.useMap(mapNode, target.kind === 'MapAccess');
      if (target.kind === 'MapAccess') this.mapKey(mapNode.name, target.keys, target);
      if (s.op !== null && info.value?.kind === 'aggregate') this.error(`Operator ${s.op}= cannot be used on ${mapNode.name}, which holds ${typeName(info.value)} values`, s);
      let value = this.valueForAssign(s, true);
      if (!value) return;
      if (value.kind === 'void') this.error(`Value of type void cannot be assigned to map ${mapNode.name}`, s.value);
      if (value.kind === 'aggregate' && s.value.kind !== 'Call') {
        // Copying another map's aggregate: bpftrace reads it as an integer.
        if (!isIntLikeAgg(value)) this.error(`${typeName(value)} values cannot be copied to another map`, s.value);
        value = I64;
      }
      value = widen64(value);
      if (info.value) {
        const u = unify(info.value, value);
        if (!u) this.error(`Type mismatch for ${mapNode.name}: trying to assign value of type '${typeName(value)}' when map already contains a value of type '${typeName(info.value)}'`, target);
        if (typeName(u) !== typeName(info.value)) { info.value = u; this.changed = true; }
      } else {
        info.value = value;
        this.changed = true;
      }
      mapNode.type = info.value;
      target.type = info.value?.kind === 'aggregate' ? info.value : info.value;
      return;
    }
    // Writes through pointers and into fields are not allowed: BPF programs cannot write kernel memory.
    this.expr(target);
    this.expr(s.value);
    this.error(target.kind === 'Unary' ? 'Cannot assign through a pointer' : 'Cannot assign to a field or element; only variables and maps can be assigned', target);
  }

  /** Type of the assigned value, including compound `op=` (the target read first). */
  private valueForAssign(s: A.AssignStmt, toMap = false): Type | undefined {
    if (s.op === null) return this.expr(s.value, toMap);
    let cur: Type | undefined;
    if (s.target.kind === 'Variable') cur = this.vars.get(s.target.name);
    else cur = this.mapValue(s.target as A.MapRef | A.MapAccess) ?? (this.final ? I64 : undefined);
    // Maps start at zero when never assigned: `@x += 1` makes @x an int64.
    if (!cur && toMap) cur = I64;
    const v = this.expr(s.value);
    if (!cur || !v) return undefined;
    return this.binaryType(s.op, cur, v, s, s.target, s.value);
  }

  private mapValue(t: A.MapRef | A.MapAccess): Type | undefined {
    const name = t.kind === 'Map' ? t.name : t.map.name;
    return this.maps.get(name)?.value;
  }

  // --- maps -----------------------------------------------------------------------------

  private useMap(node: A.MapRef, keyed: boolean | undefined): MapInfo {
    let info = this.maps.get(node.name);
    if (!info) {
      info = { name: node.name, span: node.span };
      this.maps.set(node.name, info);
      this.changed = true;
    }
    if (keyed !== undefined) {
      if (info.keyed === undefined) {
        info.keyed = keyed;
        this.changed = true;
      } else if (info.keyed !== keyed) {
        if (keyed) this.error(`${node.name} used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)`, node);
        this.error(`${node.name} used as a map without an explicit key (scalar map), previously used with an explicit key (non-scalar map)`, node);
      }
    }
    return info;
  }

  /** Check and record key types; `keys` as written (several = one tuple key). */
  private mapKey(name: string, keys: A.Expr[], node: { span: Span }): void {
    const info = this.maps.get(name)!;
    const types = keys.map((k) => this.expr(k));
    if (types.some((t) => t === undefined)) return;
    for (let i = 0; i < keys.length; i++) {
      const t = types[i]!;
      if (t.kind === 'void' || t.kind === 'aggregate') this.error(`${typeName(t)} cannot be used as a map key`, keys[i]);
    }
    let key = keys.length === 1 ? types[0]! : { kind: 'tuple' as const, elements: types as Type[] };
    key = widen64(key);
    if (info.key === undefined) {
      info.key = key;
      info.keyed = true;
      this.changed = true;
      return;
    }
    const u = unify(info.key, key);
    if (!u || (info.key.kind === 'int' && key.kind === 'int' && !sameIntOrLiteral(info.key, key, types[0]!))) {
      this.error(`Argument mismatch for ${name}: trying to access with arguments: [${keyList(key)}] when map expects arguments: [${keyList(info.key)}]`, node);
    }
    if (typeName(u) !== typeName(info.key)) {
      info.key = u;
      this.changed = true;
    }
  }

  // --- expressions ----------------------------------------------------------------------

  /** Check an expression; returns its type (undefined: not known yet) and records it on the node. */
  expr(e: A.Expr, mapValue = false): Type | undefined {
    const t = this.exprInner(e, mapValue);
    e.type = t;
    return t;
  }

  private exprInner(e: A.Expr, mapValue: boolean): Type | undefined {
    switch (e.kind) {
      case 'Integer': return literalType(e.value);
      case 'String': return str(Buffer.byteLength(e.value, 'latin1') + 1);
      case 'Boolean': return BOOL;
      case 'PositionalParam': {
        const v = this.options.params?.[e.index - 1];
        if (v === undefined) return { ...I64, literal: 0n };
        if (/^-?(0x[0-9a-f]+|\d+)$/i.test(v)) return literalType(BigInt(v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v)));
        return str(Buffer.byteLength(v) + 1);
      }
      case 'ParamCount': return literalType(BigInt(this.options.params?.length ?? 0));
      case 'Builtin': {
        const bt = builtinType(e.name, this.contexts, (m) => this.error(m, e));
        if (bt) return bt;
        if (e.name === 'args') {
          if (this.final) this.error(`Could not resolve the type of args for ${this.contexts.map((c) => c.attachPoint.raw).join(', ')} (no tracepoint format, BTF or DWARF information)`, e);
          return undefined;
        }
        return this.call(e, e.name, [], mapValue);
      }
      case 'Identifier': {
        const en = this.enums.get(e.name);
        if (en) return { ...literalType(en.value), enumName: en.enumName };
        // A macro from an #included header is replaced before C sees a kernel enumerator.
        const hc = this.headerConstant(e.name);
        if (hc !== undefined) return literalType(hc);
        const kc = this.options.constants?.(e.name);
        if (kc) return kc.enumName ? { ...literalType(kc.value), enumName: kc.enumName } : literalType(kc.value);
        const rule = FUNCTIONS[e.name];
        if (rule?.bare && rule.min === 0) return this.call(e, e.name, [], mapValue);
        if (rule) this.error(`${e.name}() requires arguments; call it with parentheses`, e);
        this.error(`Unknown identifier: '${e.name}'`, e);
      }
      // falls through (unreachable: error() throws)
      case 'Variable': {
        if (!this.declared(e.name)) this.error(`Undefined or undeclared variable: ${e.name}`, e);
        const t = this.vars.get(e.name);
        if (t === undefined && this.final) this.error(`Variable used before it was assigned: ${e.name}`, e);
        return stripType(t);
      }
      case 'Map': {
        const info = this.useMap(e, false);
        if (info.value === undefined && this.final) this.error(`Undefined map: ${e.name}`, e);
        return info.value;
      }
      case 'MapAccess': {
        const info = this.useMap(e.map, true);
        this.mapKey(e.map.name, e.keys, e);
        if (info.value === undefined && this.final) this.error(`Undefined map: ${e.map.name}`, e.map);
        e.map.type = info.value;
        return info.value;
      }
      case 'Call': return this.call(e, e.name, e.args, mapValue);
      case 'Binary': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (!l || !r) {
          // `@total = @total + $n`: the map's type comes from the other operand, as in bpftrace.
          const known = l ?? r;
          if (this.guessArithmetic && !this.final && known?.kind === 'int' && ARITHMETIC_OPS.has(e.op)) return stripType(known);
          return undefined;
        }
        return this.binaryType(e.op, l, r, e, e.left, e.right);
      }
      case 'Unary': return this.unary(e);
      case 'Update': {
        const t = e.target;
        if (t.kind === 'Variable') {
          if (!this.declared(t.name)) this.error(`Undefined or undeclared variable: ${t.name}`, t);
          const vt = this.expr(t);
          if (vt && !(vt.kind === 'int' || vt.kind === 'pointer')) this.error(`The ${e.op} operator can not be used on expressions of type '${typeName(vt)}'`, e);
          return vt;
        }
        if (t.kind === 'Map' || t.kind === 'MapAccess') {
          const mapNode = t.kind === 'Map' ? t : t.map;
          const info = this.useMap(mapNode, t.kind === 'MapAccess');
          if (t.kind === 'MapAccess') this.mapKey(mapNode.name, t.keys, t);
          if (info.value === undefined) {
            info.value = I64;
            this.changed = true;
          }
          if (!(info.value.kind === 'int' || info.value.kind === 'pointer')) this.error(`The ${e.op} operator can not be used on expressions of type '${typeName(info.value)}'`, e);
          mapNode.type = info.value;
          t.type = info.value;
          return info.value;
        }
        this.expr(t);
        this.error(`The ${e.op} operator can only be applied to variables and maps`, e);
      }
      // falls through (unreachable)
      case 'Ternary': {
        const c = this.expr(e.cond);
        if (c) this.condition(c, e.cond, 'ternary');
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        if (!a || !b) return undefined;
        if (a.kind === 'void' && b.kind === 'void') return VOID;
        const u = unify(a.kind === 'int' ? a : a, b);
        if (!u) this.error(`Ternary operator must return the same type: have '${typeName(a)}' and '${typeName(b)}'`, e);
        return u;
      }
      case 'Cast': return this.cast(e);
      case 'FieldAccess': {
        const base = this.expr(e.expr);
        if (!base) return undefined;
        return this.field(base, e.field, e);
      }
      case 'TupleIndex': {
        const base = this.expr(e.expr);
        if (!base) return undefined;
        if (base.kind !== 'tuple') this.error(`Can not access index ${e.index} on type '${typeName(base)}' (not a tuple)`, e);
        if (e.index >= base.elements.length) this.error(`Invalid tuple index: ${e.index}. Found ${base.elements.length} elements in tuple.`, e);
        return base.elements[e.index];
      }
      case 'Index': {
        const base = this.expr(e.expr);
        const idx = this.expr(e.index);
        if (!base || !idx) return undefined;
        if (base.kind === 'tuple') {
          const i = Number(this.constInt(e.index, 'tuple index'));
          if (i < 0 || i >= base.elements.length) this.error(`Invalid tuple index: ${i}. Found ${base.elements.length} elements in tuple.`, e.index);
          return base.elements[i];
        }
        if (!asInt(idx)) this.error(`The array index operator [] expects an integer index (${typeName(idx)} provided)`, e.index);
        if (base.kind === 'array') {
          if (e.index.kind === 'Integer' && (e.index.value < 0n || e.index.value >= BigInt(base.length))) {
            this.error(`The array index operator [] is out of bounds: ${e.index.value} (array has ${base.length} elements)`, e.index);
          }
          return base.element;
        }
        if (base.kind === 'pointer') {
          if (base.target.kind === 'void') this.error('Can not index a void pointer', e);
          return base.target;
        }
        if (base.kind === 'string') return int(8, true);
        this.error(`The array index operator [] can not be used on expressions of type '${typeName(base)}'`, e);
      }
      // falls through (unreachable)
      case 'Tuple': {
        const types = e.elements.map((x) => this.expr(x));
        if (types.some((t) => t === undefined)) return undefined;
        for (let i = 0; i < types.length; i++) {
          const t = types[i]!;
          if (t.kind === 'void' || t.kind === 'aggregate') this.error(`Invalid tuple element of type ${typeName(t)}`, e.elements[i]);
        }
        return { kind: 'tuple', elements: (types as Type[]).map((t) => (t.kind === 'int' ? strip(t) : t)) };
      }
      case 'Record': {
        const seen = new Set<string>();
        const fields: { name: string; type: Type }[] = [];
        let unknown = false;
        for (const f of e.fields) {
          if (seen.has(f.name)) this.error(`Duplicate field name in record: ${f.name}`, f);
          seen.add(f.name);
          const t = this.expr(f.value);
          if (!t) unknown = true;
          else fields.push({ name: f.name, type: t.kind === 'int' ? strip(t) : t });
        }
        return unknown ? undefined : { kind: 'record', fields };
      }
      case 'Sizeof': {
        const t = isTypeExpr(e.arg) ? this.resolveType(e.arg) : this.expr(e.arg);
        if (!t) return undefined;
        if (t.kind === 'struct' && t.size === 0 && t.fields.length === 0) this.error(`Unknown type size: ${t.name} (no BTF or definition)`, e);
        return { ...U64, literal: BigInt(sizeOf(t)) };
      }
      case 'Offsetof': {
        const t0 = isTypeExpr(e.arg) ? this.resolveType(e.arg) : this.expr(e.arg);
        if (!t0) return undefined;
        let t: Type = t0;
        let off = 0;
        for (const f of e.fields) {
          if (t.kind === 'pointer') t = t.target;
          if (t.kind === 'struct' && t.fields.length === 0) t = this.lookupStruct(t.name) ?? t;
          if (t.kind !== 'struct') return this.error(`offsetof() expects a struct type (${typeName(t)} provided)`, e);
          const fld: StructTypeT['fields'][number] | undefined = t.fields.find((x) => x.name === f);
          if (!fld) return this.error(`'${t.name}' has no field named '${f}'`, e);
          off += fld.offset;
          t = fld.type;
        }
        return { ...U64, literal: BigInt(off) };
      }
      case 'Typeof':
        this.error('typeof() can only be used where a type is expected (casts, let declarations, macro arguments)', e);
      // falls through (unreachable)
      case 'BlockExpr': {
        this.scopes.push({ vars: new Set() });
        try {
          for (const s of e.statements) this.stmt(s);
          return e.value ? this.expr(e.value) : VOID;
        } finally {
          this.scopes.pop();
        }
      }
    }
  }

  private call(node: A.CallExpr | A.Builtin | A.Identifier, name: string, args: A.Expr[], mapValue: boolean): Type | undefined {
    const rule = FUNCTIONS[name];
    if (!rule) {
      if (isBuiltinName(name)) this.error(`${name} can not be called with parentheses`, node);
      this.error(`Unknown function: ${name}`, node.kind === 'Call' ? { span: node.nameSpan } : node);
    }
    const arity = arityMessage(name, rule, args.length);
    if (arity) this.error(arity, node);
    if (rule.unsafe && !this.options.unsafe) this.error(`${name}() is an unsafe function being used in safe mode`, node);
    const env: CallEnv = {
      call: node,
      args,
      contexts: this.contexts,
      unsafe: !!this.options.unsafe,
      mapValue,
      maxStrlen: this.maxStrlen,
      defaultStrlen: this.defaultStrlen,
      defaultStackMode: this.defaultStackMode,
      check: (x) => this.expr(x),
      error: (m, n) => this.error(m, n ?? node),
      warn: (m, n) => this.warn(m, n ?? node),
      constInt: (x, what) => this.constInt(x, what),
      constString: (x, what) => {
        this.expr(x);
        if (x.kind === 'String') return x.value;
        if (x.kind === 'PositionalParam') return this.options.params?.[x.index - 1] ?? '';
        this.error(`${what} must be a string literal`, x);
      },
      mapArg: (x, what) => {
        if (x.kind !== 'Map') this.error(`${what.replace(/\(\)$/, '')}() expects a map to be provided`, x);
        const info = this.useMap(x, undefined);
        x.type = info.value;
        if (this.final && info.value === undefined) this.error(`Undefined map: ${x.name}`, x);
        return { name: x.name, keyed: info.keyed, value: info.value };
      },
      mapKey: (mapName, key, n) => {
        const info = this.maps.get(mapName)!;
        if (info.keyed === false) this.error(`${mapName} used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)`, n);
        // One argument that is a tuple is the whole key: has_key(@m, (1, 2)) matches @m[1, 2].
        const keys = key.length === 1 && key[0].kind === 'Tuple' && info.key?.kind === 'tuple' ? key[0].elements : key;
        this.mapKey(mapName, keys, n);
        if (keys !== key) key[0].type = info.key;
      },
      outVariable: (x, t) => {
        if (x.kind !== 'Variable') return;
        if (!this.declared(x.name)) this.error(`Undefined or undeclared variable: ${x.name}`, x);
        const prev = this.vars.get(x.name);
        if (t && prev && !unify(prev, t)) this.error(`Type mismatch for ${x.name}: the map holds '${typeName(t)}' values but the variable contains '${typeName(prev)}'`, x);
        if (t) this.setVar(x.name, prev ? unify(prev, t) : t);
        x.type = this.vars.get(x.name);
      },
    };
    return rule.type(env);
  }

  /** A compile-time integer: literals, positional parameters, sizeof/offsetof, folded arithmetic. */
  private constInt(e: A.Expr, what: string): bigint {
    const v = this.fold(e);
    if (v === undefined) this.error(`${what} must be an integer literal`, e);
    this.expr(e);
    return v;
  }

  private fold(e: A.Expr): bigint | undefined {
    switch (e.kind) {
      case 'Integer': return e.value;
      case 'Boolean': return e.value ? 1n : 0n;
      case 'PositionalParam': {
        const v = this.options.params?.[e.index - 1];
        if (v === undefined) return 0n;
        return /^-?(0x[0-9a-f]+|\d+)$/i.test(v) ? (v.startsWith('-') ? -BigInt(v.slice(1)) : BigInt(v)) : undefined;
      }
      case 'ParamCount': return BigInt(this.options.params?.length ?? 0);
      case 'Sizeof': case 'Offsetof': {
        const t = this.expr(e);
        return t?.kind === 'int' ? t.literal : undefined;
      }
      case 'Identifier': return this.enums.get(e.name)?.value ?? this.headerConstant(e.name) ?? this.options.constants?.(e.name)?.value;
      case 'Cast': return this.fold(e.expr);
      case 'Unary': {
        const v = this.fold(e.operand);
        if (v === undefined) return undefined;
        return e.op === '-' ? -v : e.op === '~' ? ~v : e.op === '!' ? (v === 0n ? 1n : 0n) : e.op === '+' ? v : undefined;
      }
      case 'Binary': {
        const a = this.fold(e.left);
        const b = this.fold(e.right);
        if (a === undefined || b === undefined) return undefined;
        switch (e.op) {
          case '+': return a + b;
          case '-': return a - b;
          case '*': return a * b;
          case '/': return b === 0n ? undefined : a / b;
          case '%': return b === 0n ? undefined : a % b;
          case '<<': return a << b;
          case '>>': return a >> b;
          case '&': return a & b;
          case '|': return a | b;
          case '^': return a ^ b;
          default: return undefined;
        }
      }
      default: return undefined;
    }
  }

  private binaryType(op: A.BinaryOp, l: Type, r: Type, node: { span: Span }, left: A.Expr, right: A.Expr): Type {
    const mismatch = (): never => this.error(`Type mismatch for '${op}': comparing '${typeName(l)}' with '${typeName(r)}'`, node);
    if (op === '&&' || op === '||') {
      this.condition(l, left, `'${op}'`);
      this.condition(r, right, `'${op}'`);
      return BOOL;
    }
    if (op === '==' || op === '!=') {
      const li = asInt(l);
      const ri = asInt(r);
      if ((li || l.kind === 'pointer') && (ri || r.kind === 'pointer')) return BOOL;
      if (l.kind === 'string' && r.kind === 'string') return BOOL;
      if ((l.kind === 'string' && r.kind === 'array') || (l.kind === 'array' && r.kind === 'string')) return BOOL;
      if (l.kind === 'array' && r.kind === 'array' && sizeOf(l) === sizeOf(r)) return BOOL;
      if (l.kind === 'tuple' && r.kind === 'tuple' && unify(l, r)) return BOOL;
      if (l.kind === 'special' && r.kind === 'special' && l.name === r.name) return BOOL;
      return mismatch();
    }
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      if ((asInt(l) || l.kind === 'pointer') && (asInt(r) || r.kind === 'pointer')) return BOOL;
      return mismatch();
    }
    // Arithmetic and bitwise.
    if (l.kind === 'pointer' && (op === '+' || op === '-') && asInt(r)) return l;
    if (r.kind === 'pointer' && op === '+' && asInt(l)) return r;
    if (l.kind === 'pointer' && r.kind === 'pointer' && op === '-') return I64;
    const li = asInt(l);
    const ri = asInt(r);
    if (!li || !ri) return mismatch();
    if ((op === '/' || op === '%') && right.kind === 'Integer' && right.value === 0n) this.warn('Division by zero (the result is 0 in BPF)', right);
    // Literal arithmetic stays a literal so `1 << 16` or `2 * 1000` still widen freely.
    if (li.literal !== undefined && ri.literal !== undefined) {
      const v = this.fold({ kind: 'Binary', op, span: node.span, opSpan: node.span, left, right });
      if (v !== undefined && v >= -(2n ** 63n) && v < 2n ** 64n) return literalType(v);
    }
    if (op === '<<' || op === '>>') return strip(li.literal !== undefined ? I64 : li);
    let t = promoteInts(li, ri);
    // Subtraction yields a signed type (it is addition of a negative number).
    if (op === '-' && !t.signed) t = int(t.bits, true);
    return strip(t);
  }

  private unary(e: A.UnaryExpr): Type | undefined {
    if (e.op === '&') {
      const t = this.expr(e.operand);
      if (!t) return undefined;
      if (!['Variable', 'Map', 'MapAccess', 'FieldAccess', 'Index'].includes(e.operand.kind)) this.error('The address-of operator & can only be applied to variables, maps and fields', e);
      return ptr(t, 'kernel');
    }
    const t = this.expr(e.operand);
    if (!t) return undefined;
    switch (e.op) {
      case '!':
        this.condition(t, e.operand, "'!'");
        return BOOL;
      case '*':
        // bpftrace reads 8 bytes through an integer used as an address.
        if (t.kind === 'int') return U64;
        if (t.kind !== 'pointer') this.error(`Can not dereference non-pointer type '${typeName(t)}'`, e);
        if (t.target.kind === 'void') this.error('Can not dereference a void pointer', e);
        return t.target;
      case '-': case '~': case '+': {
        const i = asInt(t);
        if (!i) this.error(`Invalid operand for unary '${e.op}': '${typeName(t)}' (expects an integer)`, e);
        if (e.op === '-') return int(i.bits, true);
        return strip(i);
      }
    }
    return undefined;
  }

  private cast(e: A.CastExpr): Type | undefined {
    const target = this.resolveType(e.target);
    const from = this.expr(e.expr);
    if (!from) return target;
    const bad = (): never => this.error(`Cannot cast from '${typeName(from)}' to '${typeName(target)}'`, e);
    const fi = asInt(from);
    switch (target.kind) {
      case 'int': case 'bool':
        if (fi || from.kind === 'pointer') return target;
        if (from.kind === 'array' && target.kind === 'int' && sizeOf(from) === target.bits / 8) return target;
        return bad();
      case 'pointer':
        if (fi || from.kind === 'pointer') return target;
        return bad();
      case 'array': {
        let t = target;
        if (t.length === 0) {
          // `(int8[])x`: length inferred from the value's size.
          const el = sizeOf(t.element) || 1;
          t = { ...t, length: Math.max(1, Math.floor(sizeOf(from) / el)) };
        }
        if ((from.kind === 'int' || from.kind === 'array' || from.kind === 'string') && sizeOf(from) === sizeOf(t)) return t;
        if (from.kind === 'int' && from.literal !== undefined && sizeOf(t) <= 8) return t;
        this.error(`Cannot cast from '${typeName(from)}' to '${typeName(t)}': sizes differ (${sizeOf(from)} and ${sizeOf(t)} bytes)`, e);
      }
      // falls through (unreachable)
      case 'string':
        if (from.kind === 'string' || from.kind === 'array' || from.kind === 'pointer' || fi) return target;
        return bad();
      default:
        return bad();
    }
  }

  private field(base: Type, name: string, node: A.FieldAccess): Type | undefined {
    let t = base;
    if (t.kind === 'pointer') t = t.target;
    if (t.kind === 'record') {
      const f = t.fields.find((x) => x.name === name);
      if (!f) this.error(`Record does not contain a field named '${name}'`, { span: node.fieldSpan });
      return f.type;
    }
    if (t.kind === 'struct') {
      if (t.size === 0 && t.fields.length === 0) {
        const resolved = this.lookupStruct(t.name);
        if (resolved) t = resolved;
        else this.error(`Unknown struct/union: '${t.name}' (no BTF type information or definition)`, node.expr);
      }
      const f = (t as StructTypeT).fields.find((x) => x.name === name);
      if (!f) {
        // Multi-attach-point probes: the field must exist in every tracepoint's args.
        this.error(`Can not access field '${name}' on type '${t.kind === 'struct' ? t.name : typeName(t)}'`, node);
      }
      if (node.expr.kind === 'Builtin' && node.expr.name === 'args') {
        for (const c of this.contexts.slice(1)) {
          const g = c.args?.fields.find((x) => x.name === name);
          if (c.args && !g) this.error(`Can not access field '${name}' on type '${c.args.name}' (probe ${c.attachPoint.raw})`, node);
          if (g && typeName(g.type) !== typeName(f.type)) this.error(`Field '${name}' has different types in the probes of this block: '${typeName(f.type)}' and '${typeName(g.type)}'`, node);
        }
      }
      return f.type;
    }
    this.error(`Can not access field '${name}' on expression of type '${typeName(base)}'`, node);
  }

  private headerDefs?: Map<string, string>;

  /** An integer constant #defined in an #included system header (AF_INET, O_RDONLY, ...). */
  private headerConstant(name: string): bigint | undefined {
    if (!this.headerDefs) {
      const includes = this.program.cDefinitions.flatMap((d) => (d.kind === 'CInclude' ? [{ path: d.path, system: d.system }] : []));
      this.headerDefs = includes.length ? headerDefines(includes) : new Map();
    }
    if (!this.headerDefs.has(name)) return undefined;
    return resolveConstant(name, this.headerDefs, (text) => {
      try {
        return this.fold(parseExpression(text));
      } catch {
        return undefined;
      }
    });
  }

  private lookupStruct(name: string): StructTypeT | undefined {
    const mine = this.structs.get(name);
    if (mine) return mine;
    const [kw, n] = name.split(' ');
    return this.options.structs?.(kw as 'struct', n);
  }

  /** Resolve a written type to a Type. */
  resolveType(t: A.TypeExpr): Type {
    switch (t.kind) {
      case 'NamedType': {
        switch (t.name) {
          case 'string': return str(t.size ?? 64);
          case 'buffer': return { kind: 'buffer', size: t.size ?? 64 };
          case 'inet': return { kind: 'special', name: 'inet', size: t.size ?? 24 };
          case 'void': return VOID;
        }
        const c = cIntType(t.name);
        if (c) return c;
        this.error(`Cannot resolve unknown type "${t.name}"`, t);
      }
      // falls through (unreachable)
      case 'StructType': {
        const name = `${t.keyword} ${t.name}`;
        if (t.keyword === 'enum') return { ...int(64, false), enumName: t.name };
        return this.lookupStruct(name) ?? { kind: 'struct', name, size: 0, fields: [] };
      }
      case 'PointerType': return ptr(this.resolveType(t.target));
      case 'ArrayType': {
        const el = this.resolveType(t.element);
        return { kind: 'array', element: el, length: t.length ?? 0 };
      }
      case 'TypeofType': {
        const r = isTypeExpr(t.arg) ? this.resolveType(t.arg) : this.expr(t.arg);
        if (!r) this.error('Could not resolve the type in typeof()', t);
        return r;
      }
    }
  }

  /** `let $x: T = value`: literals must fit; other integers widen with a warning. */
  private assignable(value: Type, target: Type, node: A.Expr, name: string, what: string): void {
    if (target.kind === 'int' && value.kind === 'int') {
      if (value.literal !== undefined) {
        if (!fits(value.literal, target)) this.error(`Type mismatch for ${name}: value ${value.literal} does not fit in '${typeName(target)}'`, node);
        return;
      }
      if (value.bits > target.bits || value.signed !== target.signed) this.warn(`Implicit conversion of '${typeName(value)}' to '${typeName(target)}' for ${name} may change the value`, node);
      return;
    }
    if (!unify(target, value)) this.error(`Type mismatch for ${name}: trying to assign value of type '${typeName(value)}' when ${what} has type '${typeName(target)}'`, node);
  }
}

/** A variable's type without the literal marker (the marker only says "so far only literals"). */
function stripType<T extends Type | undefined>(t: T): T {
  return (t && t.kind === 'int' && t.literal !== undefined ? strip(t) : t) as T;
}

/**
 * Unify a scratch variable's type with a newly assigned value. A variable that so far only held
 * literals stays flexible: `$a = 1; $a = (uint64)2;` makes $a a uint64 (bpftrace semantics).
 */
function unifyVar(prev: Type, value: Type): Type | undefined {
  if (prev.kind === 'int' && value.kind === 'int' && (prev.literal !== undefined || value.literal !== undefined)) {
    const p = promoteInts(prev, value);
    if (prev.literal !== undefined && value.literal !== undefined) {
      // Still only literals: keep the marker, with the value that needed the wider type.
      const lit = fits(prev.literal, strip(value)) ? value.literal : prev.literal;
      return { ...strip(p), literal: lit };
    }
    return strip(p);
  }
  return unify(prev, value);
}

function keyList(t: Type): string {
  return t.kind === 'tuple' ? t.elements.map(typeName).join(', ') : typeName(t);
}

function sameIntOrLiteral(a: IntType, b: IntType, written: Type): boolean {
  if (written.kind === 'int' && written.literal !== undefined) return true;
  return a.signed === b.signed || (a.bits === 64 && b.bits === 64);
}

/**
 * The tracefs-backed TracepointSource (reads the kernel only when a tracepoint is resolved).
 * The listing and formats are cached for the process: they only change when modules load.
 */
let allTracepoints: string[] | undefined;
const formats = new Map<string, ReturnType<typeof tracepointFormat>>();
function tracefsSource(): TracepointSource {
  return {
    list: (pattern) => {
      const [c, e] = pattern.split(':');
      const rc = globToRegExp(c);
      const re = globToRegExp(e);
      allTracepoints ??= listTracepoints();
      return allTracepoints.filter((n) => {
        const [a, b] = n.split(':');
        return rc.test(a) && re.test(b);
      });
    },
    format: (c, n) => {
      let f = formats.get(`${c}:${n}`);
      if (!f) formats.set(`${c}:${n}`, (f = tracepointFormat(c, n)));
      return f;
    },
  };
}
