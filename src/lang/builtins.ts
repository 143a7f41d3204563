// Type rules of bpftrace's builtins and functions (stdlib.md), one entry per name: arity,
// argument types, result type, where it may be used. The compiler's lowering of each builtin
// lives in src/ir/ under the same name; this file is only the language side.

import type * as A from './ast.js';
import type { ProbeContext } from './probe-context.js';
import { probeTypeName } from './probe-context.js';
import { checkFormat } from './printf.js';
import type { AggregateFunc, Type } from './types.js';
import { BOOL, I64, U32, U64, U8, VOID, int, ptr, str, typeName } from './types.js';

/** What a type rule can ask of the checker. */
export interface CallEnv {
  readonly call: A.CallExpr | A.Builtin | A.Identifier;
  readonly args: A.Expr[];
  readonly contexts: ProbeContext[];
  readonly unsafe: boolean;
  /** The call is the whole right-hand side of an assignment to a map (aggregates). */
  readonly mapValue: boolean;
  /** Type-check an argument (undefined: not known yet, in an early inference pass). */
  check(e: A.Expr): Type | undefined;
  error(message: string, node?: { span: A.Span }): never;
  warn(message: string, node?: { span: A.Span }): void;
  /** A compile-time integer, or an error naming `what`. */
  constInt(e: A.Expr, what: string): bigint;
  /** A string literal (or a string positional parameter), or an error. */
  constString(e: A.Expr, what: string): string;
  /** The map named by an argument (`@m`), checked for use without/with keys as given. */
  mapArg(e: A.Expr, what: string): { name: string; keyed?: boolean; value?: Type };
  /** Check `key` (one expression, possibly a tuple) against the keys of map `name`. */
  mapKey(name: string, key: A.Expr[], node: { span: A.Span }): void;
  /** Declare/unify a scratch variable used as an output argument (find()). */
  outVariable(e: A.Expr, t: Type | undefined): void;
  /** Size of str()/path() results without an explicit length: config max_strlen, else 64. */
  defaultStrlen: number;
  /** Upper bound for explicit lengths: config max_strlen, else 1024 (bpftrace's default). */
  maxStrlen: number;
  /** kstack/ustack's mode when the call names none: config stack_mode, else bpftrace. */
  defaultStackMode: 'bpftrace' | 'perf' | 'raw' | 'build_id';
}

export interface FunctionRule {
  /** Minimum and maximum argument count (Infinity for varargs). */
  min: number;
  max: number;
  /** Usable without parentheses (`pid`). */
  bare?: boolean;
  /** Needs --unsafe. */
  unsafe?: boolean;
  /** Only in these providers (canonical names); message lists them. */
  providers?: string[];
  /** Result type given the environment; undefined when not yet known. */
  type(env: CallEnv): Type | undefined;
}

// bpftrace's wording: "no arguments", "one argument", then digits ("4 arguments").
const NUMBER_WORDS = ['no', 'one'];

/** bpftrace's arity message: "count() requires no arguments (1 provided)". */
export function arityMessage(name: string, rule: FunctionRule, given: number): string | undefined {
  if (given >= rule.min && given <= rule.max) return undefined;
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  const word = (n: number) => NUMBER_WORDS[n] ?? String(n);
  if (rule.min === rule.max) return `${name}() requires ${word(rule.min)} ${plural(rule.min)} (${given} provided)`;
  if (given < rule.min) return `${name}() requires at least ${word(rule.min)} ${plural(rule.min)} (${given} provided)`;
  return `${name}() takes up to ${word(rule.max)} ${plural(rule.max)} (${given} provided)`;
}

const isIntLike = (t: Type): boolean =>
  t.kind === 'int' || t.kind === 'bool' || (t.kind === 'aggregate' && ['count', 'sum', 'min', 'max', 'avg'].includes(t.func));

function expectInt(env: CallEnv, i: number, what: string): Type | undefined {
  const t = env.check(env.args[i]);
  if (t && !isIntLike(t) && t.kind !== 'pointer') env.error(`${what} expects an integer (${typeName(t)} provided)`, env.args[i]);
  return t;
}

function expectString(env: CallEnv, i: number, what: string): Type | undefined {
  const t = env.check(env.args[i]);
  if (t && t.kind !== 'string') env.error(`${what} expects a string (${typeName(t)} provided)`, env.args[i]);
  return t;
}

function checkAll(env: CallEnv): (Type | undefined)[] {
  return env.args.map((a) => env.check(a));
}

/** Aggregate rule: must be assigned to a map; value args are integers. */
function aggregate(func: AggregateFunc, min: number, max: number, consts: number[]): FunctionRule {
  return {
    min, max,
    type(env) {
      if (!env.mapValue) env.error(`${func}() should be directly assigned to a map`);
      let valueType: Type = U64;
      if (env.args.length > 0) {
        const t = env.check(env.args[0]);
        if (t && !isIntLike(t)) env.error(`${func}() expects an integer argument (${typeName(t)} provided)`, env.args[0]);
        if (t && t.kind === 'int') valueType = int(64, t.signed && t.literal === undefined ? true : t.signed);
      }
      const params = consts.filter((i) => i < env.args.length).map((i) => env.constInt(env.args[i], `${func}() argument ${i + 1}`));
      if (func === 'hist' && params.length > 0 && (params[0] < 0n || params[0] > 5n)) env.error(`hist: bits ${params[0]} must be between 0 and 5`, env.args[1]);
      if (func === 'lhist') {
        const [lo, hi, step] = params;
        if (lo < 0n) env.error('lhist: invalid min value (must be non-negative literal)', env.args[1]);
        if (hi < 0n) env.error('lhist: invalid max value (must be non-negative literal)', env.args[2]);
        if (step <= 0n) env.error(`lhist() step must be >= 1 (${step} provided)`, env.args[3]);
        if (lo > hi) env.error('lhist: max value must be greater than min value', env.args[2]);
        if ((hi - lo) / step > 1000n) env.error(`lhist: too many buckets (${(hi - lo) / step}), maximum is 1000`, env.call);
      }
      if (func === 'tseries') {
        if (env.args.length === 4) {
          const agg = env.constString(env.args[3], 'tseries() aggregation');
          if (!['avg', 'max', 'min', 'sum'].includes(agg)) env.error(`tseries: aggregation must be one of avg, max, min, sum ('${agg}' given)`, env.args[3]);
        }
      }
      return { kind: 'aggregate', func, valueType, params };
    },
  };
}

/** Restricted to probes that provide something: check each attach point. */
function requireProviders(env: CallEnv, name: string, allowed: string[], message?: string): void {
  for (const c of env.contexts) {
    if (!allowed.includes(c.provider)) {
      env.error(message ?? `${name} can not be used with "${probeTypeName(c.provider)}" probes`, env.call);
    }
  }
}

const STACK_MODES = ['bpftrace', 'perf', 'raw', 'build_id'];

function stackRule(user: boolean): FunctionRule {
  return {
    min: 0, max: 2, bare: true,
    type(env) {
      let mode = env.defaultStackMode;
      let limit = 127;
      for (const a of env.args) {
        if (a.kind === 'Identifier') {
          if (!STACK_MODES.includes(a.name)) env.error(`${user ? 'ustack' : 'kstack'}: invalid stack mode '${a.name}' (expects bpftrace, perf, raw or build_id)`, a);
          mode = a.name as typeof mode;
        } else {
          const n = env.constInt(a, `${user ? 'ustack' : 'kstack'}() limit`);
          if (n < 0n || n > 1024n) env.error(`${user ? 'ustack' : 'kstack'}: limit must be between 0 and 1024`, a);
          limit = Number(n);
        }
      }
      return { kind: 'stack', user, mode, limit };
    },
  };
}

function simple(t: Type, min = 0, max = 0): FunctionRule {
  return { min, max, bare: min === 0, type: (env) => { checkAll(env); return t; } };
}

function formatted(name: string, result: Type, opts: Partial<FunctionRule> = {}): FunctionRule {
  return {
    min: 1, max: Infinity, ...opts,
    type(env) {
      const fmtArg = env.args[0];
      if (fmtArg.kind !== 'String') { const t = env.check(fmtArg); return env.error(`${name}() expects a string literal${t ? ` (${typeName(t)} provided)` : ''}`, fmtArg); }
      fmtArg.type = str(Buffer.byteLength(fmtArg.value, 'latin1') + 1);
      const types = env.args.slice(1).map((a) => env.check(a));
      if (types.some((t) => t === undefined)) return result;
      for (let i = 0; i < types.length; i++) {
        const t = types[i]!;
        if (t.kind === 'aggregate' && !isIntLike(t)) env.error(`${name}() cannot print a ${t.func}() map value; use print()`, env.args[i + 1]);
        if (t.kind === 'void') env.error(`${name}(): argument ${i + 1} has no value`, env.args[i + 1]);
      }
      const problem = checkFormat(name, fmtArg.value, types as Type[]);
      if (problem) env.error(problem.message, problem.arg >= 0 ? env.args[problem.arg + 1] : env.call);
      return result;
    },
  };
}

const STRING_MAX = 64;

export const FUNCTIONS: Record<string, FunctionRule> = {
  // --- builtins usable bare ---
  pid: { min: 0, max: 1, bare: true, type: () => U32 },
  tid: { min: 0, max: 1, bare: true, type: () => U32 },
  uid: simple(U64),
  gid: simple(U64),
  nsecs: { min: 0, max: 1, bare: true, type(env) {
    if (env.args[0] && (env.args[0].kind !== 'Identifier' || !['monotonic', 'boot', 'tai', 'sw_tai'].includes(env.args[0].name))) {
      env.error('nsecs: invalid timestamp mode (expects monotonic, boot, tai or sw_tai)', env.args[0]);
    }
    return U64;
  } },
  elapsed: simple(U64),
  numaid: simple(U32),
  cpu: simple(U32),
  ncpus: simple(U64),
  comm: { min: 0, max: 1, bare: true, type(env) { if (env.args[0]) expectInt(env, 0, 'comm()'); return str(16); } },
  pcomm: { min: 0, max: 1, bare: true, type(env) { checkAll(env); return str(16); } },
  leader_comm: { min: 0, max: 1, bare: true, type(env) { checkAll(env); return str(16); } },
  leader_tid: { min: 0, max: 1, bare: true, type(env) { checkAll(env); return U32; } },
  ppid: { min: 0, max: 1, bare: true, type(env) { checkAll(env); return U32; } },
  // A pointer to the current task_struct; `->` resolves the struct from kernel BTF.
  curtask: simple(ptr({ kind: 'struct', name: 'struct task_struct', size: 0, fields: [] }, 'kernel')),
  rand: simple(U32),
  cgroup: simple(U64),
  cpid: simple(U32),
  has_cpid: simple(BOOL),
  jiffies: simple(U64),
  usermode: simple(U8),
  username: simple({ kind: 'special', name: 'username', size: 8 }),
  probe: simple({ kind: 'special', name: 'probe', size: 8 }),
  probetype: simple(str(16)),
  kstack: stackRule(false),
  ustack: stackRule(true),
  func: {
    min: 0, max: 0, bare: true,
    type(env) {
      const kinds = env.contexts.map((c) => c.func);
      if (kinds.some((k) => k === undefined)) {
        const bad = env.contexts.find((c) => !c.func)!;
        env.error(`The func builtin can not be used with '${probeTypeName(bad.provider)}' probes`, env.call);
      }
      return { kind: 'special', name: kinds[0] === 'usym' ? 'usym' : 'ksym', size: 8 };
    },
  },
  // --- output and control (async) ---
  printf: formatted('printf', VOID),
  errorf: formatted('errorf', VOID),
  warnf: formatted('warnf', VOID),
  cat: formatted('cat', VOID),
  system: formatted('system', VOID, { unsafe: true }),
  fail: formatted('fail', VOID),
  print: {
    min: 1, max: 3,
    type(env) {
      const a = env.args[0];
      if (a.kind === 'Map') {
        env.mapArg(a, 'print()');
        for (let i = 1; i < env.args.length; i++) env.constInt(env.args[i], i === 1 ? 'print() top' : 'print() div');
        return VOID;
      }
      if (env.args.length > 1 && a.kind === 'MapAccess') env.error('The map passed to print() should not be indexed by a key', env.call);
      if (env.args.length > 1) env.error(`Non-map print() only takes 1 argument, ${env.args.length} found`, env.call);
      const t = env.check(a);
      if (t && t.kind === 'void') env.error('print(): the argument has no value', a);
      return VOID;
    },
  },
  exit: { min: 0, max: 1, bare: true, type(env) { if (env.args[0]) expectInt(env, 0, 'exit()'); return VOID; } },
  time: { min: 0, max: 1, bare: true, type(env) { if (env.args[0]) env.constString(env.args[0], 'time() format'); return VOID; } },
  join: { min: 1, max: 2, type(env) { env.check(env.args[0]); if (env.args[1]) env.constString(env.args[1], 'join() separator'); return VOID; } },
  clear: { min: 1, max: 1, type(env) { env.mapArg(env.args[0], 'clear()'); return VOID; } },
  zero: { min: 1, max: 1, type(env) { env.mapArg(env.args[0], 'zero()'); return VOID; } },
  len: {
    min: 1, max: 1,
    type(env) {
      const a = env.args[0];
      if (a.kind === 'Map') { env.mapArg(a, 'len()'); return I64; }
      const t = env.check(a);
      if (t && t.kind !== 'stack') env.error(`len() expects a map or a stack (${typeName(t)} provided)`, a);
      return I64;
    },
  },
  has_key: {
    min: 2, max: 2,
    type(env) {
      const m = env.mapArg(env.args[0], 'has_key()');
      env.mapKey(m.name, [env.args[1]], env.args[1]);
      return BOOL;
    },
  },
  delete: {
    min: 1, max: 2,
    type(env) {
      const a = env.args[0];
      if (a.kind === 'MapAccess' && env.args.length === 1) {
        env.mapKey(a.map.name, a.keys, a);
        return BOOL;
      }
      const m = env.mapArg(a, 'delete()');
      if (env.args.length === 2) env.mapKey(m.name, [env.args[1]], env.args[1]);
      else if (m.keyed) env.error(`delete() on map ${m.name}, which has keys, requires a key argument`, env.call);
      return BOOL;
    },
  },
  find: {
    min: 3, max: 3,
    type(env) {
      const m = env.mapArg(env.args[0], 'find()');
      if (m.keyed === false) env.error(`find() can not be used on scalar map ${m.name}`, env.args[0]);
      env.mapKey(m.name, [env.args[1]], env.args[1]);
      if (env.args[2].kind !== 'Variable') env.error('find() expects a scratch variable as its third argument', env.args[2]);
      env.outVariable(env.args[2], m.value);
      return BOOL;
    },
  },
  // --- aggregates ---
  count: aggregate('count', 0, 0, []),
  sum: aggregate('sum', 1, 1, []),
  min: aggregate('min', 1, 1, []),
  max: aggregate('max', 1, 1, []),
  avg: aggregate('avg', 1, 1, []),
  stats: aggregate('stats', 1, 1, []),
  hist: aggregate('hist', 1, 2, [1]),
  lhist: aggregate('lhist', 4, 4, [1, 2, 3]),
  tseries: aggregate('tseries', 3, 4, [1, 2]),
  // --- strings and memory ---
  str: {
    min: 1, max: 2,
    type(env) {
      const t = env.check(env.args[0]);
      let size = env.defaultStrlen;
      if (env.args[1]) {
        const n = env.args[1].kind === 'Integer' ? env.constInt(env.args[1], 'str() length') : undefined;
        if (n !== undefined) size = Math.max(1, Math.min(Number(n) + 1, env.maxStrlen));
        else expectInt(env, 1, 'str() length');
      }
      if (t && !(t.kind === 'int' || t.kind === 'pointer' || t.kind === 'string' || t.kind === 'array')) {
        env.error(`str() expects an integer or a pointer type as first argument (${typeName(t)} provided)`, env.args[0]);
      }
      if (t && t.kind === 'string' && env.args[0].kind !== 'PositionalParam') return t;
      return str(size);
    },
  },
  buf: {
    min: 1, max: 2,
    type(env) {
      const t = env.check(env.args[0]);
      let size = 64;
      if (env.args[1]) {
        if (env.args[1].kind === 'Integer') size = Number(env.constInt(env.args[1], 'buf() length'));
        else { expectInt(env, 1, 'buf() length'); size = env.maxStrlen; }
      } else if (t && t.kind === 'array') {
        size = t.length * (t.element.kind === 'int' ? t.element.bits / 8 : 1);
      } else if (t) {
        env.error('buf() requires a length argument for a non-array value', env.call);
      }
      if (t && !(t.kind === 'int' || t.kind === 'pointer' || t.kind === 'array')) env.error(`buf() expects an integer, pointer or array (${typeName(t)} provided)`, env.args[0]);
      return { kind: 'buffer', size: Math.min(size, env.maxStrlen) };
    },
  },
  strlen: { min: 1, max: 1, type(env) { env.check(env.args[0]); return U64; } },
  strncmp: {
    min: 3, max: 3,
    type(env) { expectString(env, 0, 'strncmp()'); expectString(env, 1, 'strncmp()'); env.constInt(env.args[2], 'strncmp() length'); return I64; },
  },
  strcontains: { min: 2, max: 2, type(env) { expectString(env, 0, 'strcontains()'); expectString(env, 1, 'strcontains()'); return BOOL; } },
  strstr: { min: 2, max: 2, type(env) { expectString(env, 0, 'strstr()'); expectString(env, 1, 'strstr()'); return I64; } },
  str_concat: {
    min: 2, max: 2,
    type(env) {
      const a = expectString(env, 0, 'str_concat()');
      const b = expectString(env, 1, 'str_concat()');
      return a?.kind === 'string' && b?.kind === 'string' ? str(a.size + b.size - 1) : str(STRING_MAX);
    },
  },
  strcap: { min: 1, max: 1, type(env) { env.check(env.args[0]); return I64; } },
  strerror: { min: 1, max: 1, type(env) { expectInt(env, 0, 'strerror()'); return { kind: 'special', name: 'strerror', size: 8 }; } },
  strftime: { min: 2, max: 2, type(env) { env.constString(env.args[0], 'strftime() format'); expectInt(env, 1, 'strftime()'); return { kind: 'special', name: 'timestamp', size: 16 }; } },
  memcmp: { min: 3, max: 3, type(env) { checkAll(env); env.constInt(env.args[2], 'memcmp() length'); return I64; } },
  bswap: {
    min: 1, max: 1,
    type(env) {
      const t = expectInt(env, 0, 'bswap()');
      return t?.kind === 'int' ? int(t.literal !== undefined ? 64 : t.bits, false) : U64;
    },
  },
  signal_name: { min: 1, max: 1, type(env) { expectInt(env, 0, 'signal_name()'); return { kind: 'special', name: 'signal_name', size: 8 }; } },
  syscall_name: { min: 1, max: 1, type(env) { expectInt(env, 0, 'syscall_name()'); return { kind: 'special', name: 'syscall_name', size: 8 }; } },
  // --- symbols and addresses ---
  ksym: { min: 1, max: 1, type(env) { expectInt(env, 0, 'ksym()'); return { kind: 'special', name: 'ksym', size: 8 }; } },
  usym: { min: 1, max: 1, type(env) { expectInt(env, 0, 'usym()'); return { kind: 'special', name: 'usym', size: 16 }; } },
  kaddr: { min: 1, max: 1, type(env) { env.constString(env.args[0], 'kaddr() symbol'); return U64; } },
  uaddr: { min: 1, max: 1, type(env) { env.constString(env.args[0], 'uaddr() symbol'); return ptr(int(64, false), 'user'); } },
  percpu_kaddr: { min: 1, max: 2, type(env) { env.constString(env.args[0], 'percpu_kaddr() symbol'); if (env.args[1]) expectInt(env, 1, 'percpu_kaddr()'); return ptr(U64, 'kernel'); } },
  kptr: { min: 1, max: 1, type(env) { const t = env.check(env.args[0]); return t?.kind === 'pointer' ? { ...t, addrSpace: 'kernel' } : t; } },
  uptr: { min: 1, max: 1, type(env) { const t = env.check(env.args[0]); return t?.kind === 'pointer' ? { ...t, addrSpace: 'user' } : t; } },
  reg: {
    min: 1, max: 1,
    type(env) {
      const name = env.constString(env.args[0], 'reg() register name');
      const REGS = ['r15', 'r14', 'r13', 'r12', 'bp', 'bx', 'r11', 'r10', 'r9', 'r8', 'ax', 'cx', 'dx', 'si', 'di', 'orig_ax', 'ip', 'cs', 'flags', 'sp', 'ss'];
      if (!REGS.includes(name)) env.error(`'${name}' is not a valid register on this architecture`, env.args[0]);
      for (const c of env.contexts) if (!c.registers) env.error(`reg can not be used with "${probeTypeName(c.provider)}" probes`, env.call);
      return U64;
    },
  },
  ntop: {
    min: 1, max: 2,
    type(env) {
      const t = env.check(env.args[env.args.length - 1]);
      if (env.args.length === 2) expectInt(env, 0, 'ntop() address family');
      if (t && !(t.kind === 'int' || (t.kind === 'array' && (t.length === 4 || t.length === 16)) || t.kind === 'pointer')) {
        env.error(`ntop() expects an integer or an array of size 4 or 16 (${typeName(t)} provided)`, env.args[env.args.length - 1]);
      }
      return { kind: 'special', name: 'inet', size: 24 };
    },
  },
  pton: {
    min: 1, max: 1,
    type(env) {
      const s = env.constString(env.args[0], 'pton() address');
      if (s.includes(':')) return { kind: 'array', element: U8, length: 16 };
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(s)) env.error(`pton: invalid address '${s}'`, env.args[0]);
      return { kind: 'array', element: U8, length: 4 };
    },
  },
  macaddr: { min: 1, max: 1, type(env) { env.check(env.args[0]); return { kind: 'special', name: 'macaddr', size: 6 }; } },
  cgroupid: { min: 1, max: 1, type(env) { env.constString(env.args[0], 'cgroupid() path'); return U64; } },
  cgroup_path: { min: 1, max: 2, type(env) { expectInt(env, 0, 'cgroup_path()'); if (env.args[1]) env.constString(env.args[1], 'cgroup_path() filter'); return { kind: 'special', name: 'cgroup_path', size: 16 }; } },
  path: { min: 1, max: 2, type(env) { checkAll(env); return str(env.defaultStrlen); } },
  socket_cookie: { min: 1, max: 1, type(env) { env.check(env.args[0]); return U64; } },
  skboutput: { min: 4, max: 4, type(env) { env.constString(env.args[0], 'skboutput() path'); checkAll(env); return U32; } },
  getopt: {
    min: 1, max: 3,
    type(env) {
      env.constString(env.args[0], 'getopt() name');
      if (env.args.length === 1) return BOOL;
      const d = env.check(env.args[1]);
      if (env.args[2]) env.constString(env.args[2], 'getopt() description');
      if (d && d.kind === 'int') return I64;
      return d;
    },
  },
  // --- unsafe ---
  signal: { min: 1, max: 1, unsafe: true, type(env) { env.check(env.args[0]); return VOID; } },
  signal_thread: { min: 1, max: 1, unsafe: true, type(env) { env.check(env.args[0]); return VOID; } },
  override: { min: 1, max: 1, unsafe: true, type(env) { expectInt(env, 0, 'override()'); requireProviders(env, 'override', ['kprobe'], 'override() can only be used with kprobes'); return VOID; } },
  write_user: { min: 3, max: 3, unsafe: true, type(env) { checkAll(env); return BOOL; } },
  unwatch: { min: 1, max: 1, type(env) { expectInt(env, 0, 'unwatch()'); return VOID; } },
  // --- compile-time checks ---
  assert: { min: 2, max: 2, type(env) { env.check(env.args[0]); env.constString(env.args[1], 'assert() message'); return VOID; } },
  static_assert: {
    min: 2, max: 2,
    type(env) {
      const v = env.constInt(env.args[0], 'static_assert() condition');
      const msg = env.constString(env.args[1], 'static_assert() message');
      if (v === 0n) env.error(`static_assert failed: ${msg}`, env.call);
      return VOID;
    },
  },
  is_integer: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  is_unsigned_integer: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  is_ptr: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  is_str: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  is_array: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  is_literal: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  is_err: { min: 1, max: 1, type(env) { env.check(env.args[0]); return BOOL; } },
  kfunc_exist: { min: 1, max: 1, type(env) { env.constString(env.args[0], 'kfunc_exist() name'); return BOOL; } },
  kfunc_allowed: { min: 1, max: 1, type(env) { env.constString(env.args[0], 'kfunc_allowed() name'); return BOOL; } },
};

/** Builtins that are only bare words and take no call syntax (args, ctx, argN, retval). */
export function builtinType(name: string, contexts: ProbeContext[], error: (m: string) => never): Type | undefined {
  if (/^arg[0-9]+$/.test(name)) {
    const n = Number(name.slice(3));
    for (const c of contexts) {
      if (c.argRegisters === 0) error(`The ${name} builtin can only be used with 'kprobes', 'uprobes', 'usdt' and 'rawtracepoint' probes (${probeTypeName(c.provider)} used here)`);
      if (n >= c.argRegisters) error(`${name} is not a valid argument: ${probeTypeName(c.provider)} probes have ${c.argRegisters} argument registers`);
    }
    return contexts[0]?.argTypes?.[n] ?? U64;
  }
  if (/^sarg[0-9]+$/.test(name)) {
    for (const c of contexts) if (!['kprobe', 'uprobe'].includes(c.provider)) error(`The ${name} builtin can only be used with 'kprobes' and 'uprobes' probes (${probeTypeName(c.provider)} used here)`);
    return U64;
  }
  switch (name) {
    case 'retval': {
      for (const c of contexts) if (!c.retval) error(`The retval builtin can only be used with 'kretprobe', 'uretprobe' and 'fexit' probes (${probeTypeName(c.provider)} used here)`);
      return contexts[0]?.retval ?? U64;
    }
    case 'args': {
      for (const c of contexts) {
        if (!['tracepoint', 'rawtracepoint', 'fentry', 'fexit', 'uprobe', 'ust'].includes(c.provider)) {
          error(`The args builtin can only be used with tracepoint, rawtracepoint, fentry, fexit and uprobe probes (${probeTypeName(c.provider)} used here)`);
        }
      }
      return contexts[0]?.args;
    }
    case 'ctx':
      return ptr(VOID, 'kernel');
  }
  return undefined;
}
