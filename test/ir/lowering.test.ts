// Lowering without a kernel: what the compiler emits for small scripts, and the errors it gives
// (with script locations) when a script cannot become a BPF program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/lang/parser.js';
import { analyse } from '../../src/lang/semantic.js';
import { compileScript } from '../../src/ir/compile.js';
import { SourceError } from '../../src/diagnostics.js';
import { Helper } from '../../src/isa/helpers.js';
import { Class, JmpOp } from '../../src/isa/opcodes.js';

function compile(source: string) {
  const ast = parse(source);
  analyse(ast, { source });
  return compileScript(ast, { source });
}

const helpersCalled = (insns: { code: number; imm: number; src: number }[]): number[] =>
  insns.filter((i) => i.code === (Class.JMP | JmpOp.CALL) && i.src === 0).map((i) => i.imm);

test('printf becomes one ring buffer record with the id and packed arguments', () => {
  const c = compile('BEGIN { printf("%d %s\\n", 42, "abc"); }');
  assert.equal(c.records.length, 1);
  const r = c.records[0];
  assert.ok(r.kind === 'printf');
  assert.equal(r.format, '%d %s\n');
  assert.deepEqual(r.fields.map((f) => f.offset), [8, 16]);
  // The lookup is the lost-event counter, on the path where the ring buffer is full.
  assert.deepEqual(helpersCalled(c.programs[0].insns), [Helper.ringbuf_output, Helper.map_lookup_elem]);
  assert.ok(c.mapSpecs.some((m) => m.name === 'ringbuf'));
});

test('count() updates a per-CPU hash in place, without atomics', () => {
  const c = compile('BEGIN { @[pid] = count(); }');
  const spec = c.mapSpecs.find((m) => m.name === 'AT_')!;
  assert.equal(spec.type, 5 /* BPF_MAP_TYPE_PERCPU_HASH */);
  assert.equal(spec.valueSize, 8);
  assert.deepEqual(helpersCalled(c.programs[0].insns), [Helper.get_current_pid_tgid, Helper.map_lookup_elem, Helper.map_update_elem]);
  assert.ok(!c.programs[0].insns.some((i) => (i.code & 0xe0) === 0xc0), 'no atomic instructions');
});

test('every instruction carries the script location it came from', () => {
  const c = compile('BEGIN {\n  $x = 1;\n  @y = $x + 2;\n}');
  const lines = new Set(c.programs[0].insns.map((i) => i.loc?.line));
  assert.ok(!lines.has(undefined));
  assert.ok(lines.has(3));
  const add = c.programs[0].insns.find((i) => i.loc?.text === '$x + 2');
  assert.ok(add, 'the addition is attributed to `$x + 2`');
});

test('exceeding the 512-byte stack is a source error at the expression that overflows', () => {
  const src = 'BEGIN { printf("%s %s %s %s %s %s %s %s %s\\n", str($1), str($1), str($1), str($1), str($1), str($1), str($1), str($1), str($1)); }';
  assert.throws(() => compile(src), (e: unknown) => e instanceof SourceError && e.span.line === 1 && e.span.column > 40 && /512-byte BPF stack/.test(e.message) && /\^~/.test(e.render()));
});

test('code after exit() is dropped (the kernel rejects unreachable instructions)', () => {
  const c = compile('BEGIN { exit(); printf("never\\n"); }');
  assert.equal(c.records.filter((r) => r.kind === 'printf').length, 1); // recorded, never emitted
  // The lookup is the lost-event counter, on the path where the ring buffer is full.
  assert.deepEqual(helpersCalled(c.programs[0].insns), [Helper.ringbuf_output, Helper.map_lookup_elem]);
});

test('a map read before any probe assigns it is laid out from the later assignment', () => {
  const c = compile('END { printf("%d\\n", @x[1]); } BEGIN { @x[1] = 5; }');
  assert.equal(c.programs.length, 2);
  assert.equal(c.maps[0].name, '@x');
});
