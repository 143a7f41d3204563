// The trace filter language: parse errors point at the right characters, type errors name the
// field, and compiled filters agree with a direct evaluation of the expression on many events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, parseFilter, FilterError, layoutRecord, FilterExpr, Operand } from '../../src/lang/filter/index.js';
import { verify } from '../../src/vm/verifier/index.js';
import { VmMemory } from '../../src/vm/memory.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { recordWriter } from '../../src/ust/record.js';
import { recordAccess } from '../../src/ust/record-access.js';
import { compileToJs } from '../../src/vm/jsjit/compile.js';

const schema = { status: 'u32', path: 'string', latency_us: 'u64', delta: 's32', code: 'u8' } as const;
const layout = layoutRecord(schema, 32);

function errorOf(src: string): FilterError {
  try {
    compileFilter(src, layout);
  } catch (e) {
    if (e instanceof FilterError) return e;
    throw e;
  }
  throw new Error(`no error for ${src}`);
}

test('syntax errors carry the column of the offending token', () => {
  const cases: [string, string, number][] = [
    ['status = 5', "'=' is assignment", 8],
    ['status >= ', 'unexpected end of filter', 11],
    ['(status > 1', "expected ')'", 12],
    ['status > 1 )', "unexpected ')'", 12],
    ['path == "abc', 'unterminated string', 9],
    ['status & 1', "bitwise '&' is not supported", 8],
    ['', 'empty filter', 1],
    ['12ab > 1', "invalid number '12a'", 1],
  ];
  for (const [src, msg, col] of cases) {
    const e = errorOf(src);
    assert.ok(e.message.includes(msg), `${src}: ${e.message}`);
    assert.equal(e.span.column, col, `${src}: column`);
    assert.match(e.render(), /^filter:1:\d+: error: /);
  }
});

test('type errors name the field', () => {
  assert.match(errorOf('nope == 1').message, /unknown field 'nope' \(fields: status, path/);
  assert.match(errorOf('path > "a"').message, /strings can only be compared with == and !=/);
  assert.match(errorOf('status == "x"').message, /'status' is an integer \(u32\)/);
  assert.match(errorOf('path == 3').message, /'path' is a string/);
  assert.match(errorOf('path').message, /'path' is a string/);
  assert.match(errorOf('path == "a*b*c"').message, /only one \*/);
  assert.match(errorOf('status < delta').message, /differ in signedness/);
});

test('precedence: || binds looser than &&, ! tighter', () => {
  const e = parseFilter('!a || b && c');
  assert.equal(e.kind, 'or');
  assert.equal((e as { left: FilterExpr }).left.kind, 'not');
  assert.equal((e as { right: FilterExpr }).right.kind, 'and');
});

// An independent evaluator of the AST: the oracle for compiled filters.
type Ev = { status: number; path: string; latency_us: bigint; delta: number; code: number };
function evaluate(e: FilterExpr, ev: Ev): boolean {
  const val = (o: Operand): bigint | string => (o.kind === 'field' ? (typeof ev[o.name as keyof Ev] === 'string' ? ev[o.name as keyof Ev] as string : BigInt(ev[o.name as keyof Ev] as number | bigint)) : o.value);
  switch (e.kind) {
    case 'not': return !evaluate(e.operand, ev);
    case 'and': return evaluate(e.left, ev) && evaluate(e.right, ev);
    case 'or': return evaluate(e.left, ev) || evaluate(e.right, ev);
    case 'truthy': return val(e.operand) !== 0n;
    case 'compare': {
      const a = val(e.left), b = val(e.right);
      if (typeof a === 'string' || typeof b === 'string') {
        const [s, pat] = typeof a === 'string' && e.left.kind === 'field' ? [a, b as string] : [b as string, a as string];
        const re = new RegExp(`^${pat.split('\u0000*').map((p) => p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')).join('\\*')}$`, 's');
        return (e.op === '==') === re.test(s);
      }
      switch (e.op) {
        case '==': return a === b; case '!=': return a !== b; case '<': return a < b;
        case '<=': return a <= b; case '>': return a > b; case '>=': return a >= b;
      }
    }
  }
}

const FILTERS = [
  'status >= 500 && path == "/api/*"',
  'status == 404 || status == 500',
  '!(status < 400)',
  'path == "/index.html"',
  'path != "*.png"',
  'path == "/api/*/v2"',
  'path == "*"',
  'path == "/ap\\*"',
  'latency_us > 100000 && (code == 7 || delta < -5)',
  'latency_us >= 0x100000000',
  'delta >= -1 && delta <= 1',
  'status > -1',
  '500 <= status',
  'code',
  '!code && status != 200',
  '1 || status == 3',
  '0 && status == 3',
  '$ctx.status == 200',
  'latency_us < 18446744073709551615',
];

test('compiled filters pass the verifier and agree with direct evaluation, on the interpreter and both JITs', () => {
  const memory = new VmMemory();
  const region = memory.map(layout.size, 'ctx', false, 'record');
  const write = recordWriter(memory, region, [...layout.fields.values()]);
  let seed = 7;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const paths = ['/api/users', '/api/x/v2', '/index.html', '/a.png', '/ap*', '/ap', '/api/', '', '/api/very/long/path/that/goes/on/and/on/v2', 'π/api'];
  const events: Ev[] = [];
  for (let i = 0; i < 300; i++) {
    events.push({ status: [200, 404, 500, 503, 399, 400, 0][rnd(7)], path: paths[rnd(paths.length)], latency_us: [0n, 5n, 100001n, 1n << 32n, (1n << 64n) - 1n][rnd(5)], delta: rnd(21) - 10, code: rnd(9) });
  }
  for (const f of FILTERS) {
    const compiled = compileFilter(f, layout);
    const verified = verify(compiled.program, { context: { name: 'event', type: 'mem', size: layout.size, writable: false } });
    const vm = new Interpreter(compiled.program, { memory });
    // The JIT without bounds checks where the verifier proved them unnecessary.
    const jit = new JitProgram(compiled.program, { memory, provenSafe: (pc: number) => verified.safeAccesses.has(pc) });
    // The JavaScript JIT reads the event objects themselves: every filter qualifies.
    const js = compileToJs(verified.instructions, recordAccess(layout));
    assert.ok(js.ok, `${f}: the JavaScript JIT refused: ${js.ok ? '' : js.reason}`);
    const expr = parseFilter(f);
    for (const ev of events) {
      write(ev as unknown as Record<string, unknown>);
      const got = vm.run(region) === 1n;
      assert.equal(jit.run(region) === 1n, got, `${f}: JIT and interpreter differ`);
      assert.equal(js.run(ev) === 1, got, `${f}: JavaScript JIT and interpreter differ on ${ev.path}`);
      // Strings longer than the kept capacity cannot be matched on their suffix: the filter says no.
      const kept = new TextEncoder().encode(ev.path).length <= 32;
      const want = evaluate(expr, ev);
      if (!kept && f.includes('*/v2')) continue;
      assert.equal(got, want, `${f} on ${JSON.stringify(ev, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
    jit.dispose();
  }
});
