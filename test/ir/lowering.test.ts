// Lowering without a kernel: what the compiler emits for small scripts, and the errors it gives
// (with script locations) when a script cannot become a BPF program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/lang/parser.js';
import { analyse } from '../../src/lang/semantic.js';
import { compileScript } from '../../src/ir/compile.js';
import { SourceError } from '../../src/diagnostics.js';
import { Helper } from '../../src/isa/helpers.js';
import { AtomicOp, Class, JmpOp, LDDW, Mode, PseudoSrc, Size } from '../../src/isa/opcodes.js';

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
  assert.deepEqual(helpersCalled(c.programs[0].insns), [Helper.ringbuf_output]);
  // When the ring buffer is full, the lost-event counter is added to in place: its address is
  // loaded directly (no lookup helper) and the add is atomic.
  const insns = c.programs[0].insns;
  const counter = insns.findIndex((i) => i.code === LDDW && i.src === PseudoSrc.MAP_VALUE && i.ref === 'lost_events');
  assert.ok(counter > 0, 'the counter is addressed with a map-value lddw');
  assert.ok(insns.slice(counter).some((i) => i.code === (Class.STX | Size.DW | Mode.ATOMIC) && i.imm === AtomicOp.ADD));
  assert.equal(c.mapSpecs.find((m) => m.name === 'lost_events')?.type, 2 /* BPF_MAP_TYPE_ARRAY */);
  assert.ok(c.mapSpecs.some((m) => m.name === 'ringbuf'));
});

test('cat() is a record like printf: the name format stays in userspace, its arguments travel', () => {
  const c = compile('BEGIN { cat("/proc/%d/%s", pid, "comm"); }');
  assert.equal(c.records.length, 1);
  const r = c.records[0];
  assert.ok(r.kind === 'cat');
  assert.equal(r.format, '/proc/%d/%s');
  assert.deepEqual(r.fields.map((f) => f.offset), [8, 16]);
  assert.deepEqual(helpersCalled(c.programs[0].insns).filter((h) => h !== Helper.get_current_pid_tgid), [Helper.ringbuf_output]);
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
  assert.deepEqual(helpersCalled(c.programs[0].insns), [Helper.ringbuf_output]);
});

test('a map read before any probe assigns it is laid out from the later assignment', () => {
  const c = compile('END { printf("%d\\n", @x[1]); } BEGIN { @x[1] = 5; }');
  assert.equal(c.programs.length, 2);
  assert.equal(c.maps[0].name, '@x');
});

test('a string compared with a literal tests each byte against an immediate, without storing the literal', () => {
  const c = compile('tracepoint:syscalls:sys_enter_read /comm == "dd"/ { @ = count(); }');
  const insns = c.programs[0].insns;
  // jne of a loaded byte against 'd', 'd', then the terminating NUL.
  const byteJumps = insns.filter((i) => i.code === (Class.JMP | JmpOp.JNE) && i.src === 0).map((i) => i.imm);
  assert.deepEqual(byteJumps.slice(0, 3), [0x64, 0x64, 0]);
  // No 8-byte store of the literal "dd" (0x6464) to the stack.
  assert.ok(!insns.some((i) => i.code === (Class.ST | Size.DW | Mode.MEM) && i.imm === 0x6464), 'the literal was stored');
});

test('@[pid] stores the key with one 8-byte store, which also zeroes its padding', () => {
  const c = compile('tracepoint:syscalls:sys_enter_read { @[pid] = sum(args->count); }');
  const insns = c.programs[0].insns;
  const call = insns.findIndex((i) => i.code === (Class.JMP | JmpOp.CALL) && i.imm === Helper.get_current_pid_tgid);
  // Before the pid is known, nothing is written to the key: no zeroing store survives.
  assert.ok(!insns.slice(0, call).some((i) => (i.code & 0x07) === Class.ST), 'the key was zeroed first');
  assert.ok(insns.slice(call).some((i) => i.code === (Class.STX | Size.DW | Mode.MEM) && i.dst === 10));
});

test('an aggregate\'s side-effect-free value is read before the key: the context pointer is not kept across the key\'s calls', () => {
  const c = compile('tracepoint:syscalls:sys_enter_read { @[pid] = sum(args->count); }');
  const insns = c.programs[0].insns;
  // The first instruction loads args->count through r1 itself: no copy of r1 to a saved register.
  assert.equal(insns[0].code, Class.LDX | Size.DW | Mode.MEM);
  assert.equal(insns[0].src, 1);
  assert.ok(!insns.some((i) => i.code === (Class.ALU64 | 0xb0 | 0x08) && i.src === 1), 'r1 was copied');
});
