import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { Instruction } from '../../src/isa/instruction.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmError, VmErrorKind } from '../../src/vm/errors.js';
import { defaultHelpers, HelperRegistry, StopProgram } from '../../src/vm/helpers.js';
import { VmMemory } from '../../src/vm/memory.js';
import { UserError } from '../../src/diagnostics.js';

const memory = new VmMemory();
const vm = (src: string | Instruction[], opts: ConstructorParameters<typeof Interpreter>[1] = {}): Interpreter =>
  new Interpreter(typeof src === 'string' ? assemble(src, { locations: true }) : src, { memory, ...opts });
const run = (src: string, input?: Uint8Array, opts = {}): bigint => {
  const v = vm(src, opts);
  try { return v.run(input); } finally { v.dispose(); }
};

/**
 * Run and expect a VmError of `kind` at `pc` whose message matches. A fresh memory each time: the
 * VM checks addresses against mapped regions, so an access that strays into a neighbouring
 * region is not a fault (there is no pointer provenance); these tests want empty neighbours.
 */
function faults(src: string, kind: VmErrorKind, pc: number, message: RegExp, input?: Uint8Array, opts = {}): VmError {
  const v = vm(src, { memory: new VmMemory(1), ...opts });
  try {
    v.run(input);
  } catch (e) {
    assert.ok(e instanceof VmError, `not a VmError: ${e}`);
    assert.ok(e instanceof UserError, 'VmError must render without a stack in the CLI');
    assert.equal(e.kind, kind, e.message);
    assert.equal(e.pc, pc, e.message);
    assert.match(e.message, message);
    return e;
  } finally {
    v.dispose();
  }
  assert.fail('ran without a fault');
}

test('r1/r2 carry the input address and length; the result is r0 as u64', () => {
  assert.equal(run('mov %r0, %r2\nexit', new Uint8Array(13)), 13n);
  assert.equal(run('ldxw %r0, [%r1+1]\nexit', Uint8Array.of(9, 1, 2, 3, 4)), 0x04030201n);
  assert.equal(run('mov %r0, -1\nexit'), 0xffffffffffffffffn);
});

test('call(args) sets r1-r5; Region inputs are used in place; writes are visible', () => {
  const region = memory.map(8, 'ctx', true, 'ctx');
  try {
    const v = vm('stxdw [%r1], %r3\nmov %r0, %r2\nadd %r0, %r4\nexit');
    assert.equal(v.call([BigInt(region.start), 40n, 0x1122n, 2n]), 42n);
    assert.deepEqual([...memory.read(region)], [0x22, 0x11, 0, 0, 0, 0, 0, 0]);
    const w = vm('mov %r0, %r2\nexit');
    assert.equal(w.run(region), 8n);
    v.dispose();
    w.dispose();
  } finally {
    memory.unmap(region);
  }
});

test('64-bit arithmetic on register halves matches BigInt semantics', () => {
  const cases: [string, bigint][] = [
    ['lddw %r0, 0xffffffffffffffff\nadd %r0, 2', 1n],
    ['mov %r0, 0\nsub %r0, 1', 0xffffffffffffffffn],
    ['lddw %r0, 0x123456789abcdef\nlddw %r1, 0xfedcba987654321\nmul %r0, %r1', BigInt.asUintN(64, 0x123456789abcdefn * 0xfedcba987654321n)],
    ['lddw %r0, 0xfffffffffffffff0\ndiv %r0, 3', 0xfffffffffffffff0n / 3n],
    ['lddw %r0, 0xfffffffffffffff0\nmod %r0, 7', 0xfffffffffffffff0n % 7n],
    ['lddw %r0, -100000000000\nsdiv %r0, 7', BigInt.asUintN(64, -100000000000n / 7n)],
    ['lddw %r0, -100000000000\nsmod %r0, 7', BigInt.asUintN(64, -100000000000n % 7n)],
    ['lddw %r0, 0x8000000000000000\nsdiv %r0, -1', 0x8000000000000000n],
    ['mov %r0, 5\ndiv %r0, 0', 0n],
    ['mov %r0, 5\nmod %r0, 0', 5n],
    ['lddw %r0, 0x8000000000000000\narsh %r0, 63', 0xffffffffffffffffn],
    ['mov %r0, 1\nlsh %r0, 65', 2n],
    ['lddw %r0, 0x0102030405060708\nbswap64 %r0', 0x0807060504030201n],
    ['lddw %r0, 0x0102030405060708\nle16 %r0', 0x0708n],
    ['mov %r0, 0\nneg %r0', 0n],
    ['mov %r0, 1\nneg %r0', 0xffffffffffffffffn],
  ];
  for (const [src, want] of cases) assert.equal(run(`${src}\nexit`), want, src);
});

test('atomics return old values and compare-exchange on r0', () => {
  assert.equal(run('stdw [%r10-8], 5\nmov %r1, 3\nlock fetch add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nlsh %r0, 8\nor %r0, %r1\nexit'), (8n << 8n) | 5n);
  assert.equal(run('stw [%r10-4], 7\nmov %r0, 7\nmov %r1, 9\nlock cmpxchg32 [%r10-4], %r1\nldxw %r0, [%r10-4]\nexit'), 9n);
});

test('legacy packet loads are big-endian and end the program with 0 when out of bounds', () => {
  const pkt = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
  assert.equal(run('ldabsh 1\nexit', pkt), 0x3456n);
  assert.equal(run('mov %r7, 1\nldindw %r7, -1\nexit', pkt), 0x12345678n);
  assert.equal(run('mov %r0, 9\nldabsw 1\nmov %r0, 7\nexit', pkt), 0n);
});

test('local calls get a fresh frame and keep r6-r9', () => {
  assert.equal(run(`
    mov %r6, 1
    stdw [%r10-8], 100
    call local f
    ldxdw %r1, [%r10-8]
    add %r0, %r1
    add %r0, %r6
    exit
  f:
    stdw [%r10-8], 5
    mov %r6, 50
    ldxdw %r0, [%r10-8]
    exit`), 106n);
});

test('faults name the pc, the instruction and the source line', () => {
  const e = faults('mov %r0, 0\nldxw %r0, [%r1+6]\nexit', 'memory-fault', 1, /read of 4 bytes .* runs past the end of input/, new Uint8Array(8));
  assert.match(e.message, /^pc 1 \(61\) r0 = \*\(u32 \*\)\(r1 \+6\) \(line 2: ldxw %r0, \[%r1\+6\]\):/);
  faults('ldxdw %r0, [%r1]\nexit', 'memory-fault', 0, /outside every mapped region/);
  faults('ldxb %r0, [%r1+19]\nexit', 'memory-fault', 0, /read of 1 bytes at 0x[0-9a-f]+: 3 bytes past the end of input \(16 bytes/, new Uint8Array(16));
  faults('stxdw [%r10-520], %r1\nexit', 'memory-fault', 0, /below the 512-byte stack frame/);
  faults('stdw [%r10], 1\nexit', 'memory-fault', 0, /write of 8 bytes at 0x[0-9a-f]+: just past the end of stack \(4096 bytes/);
  faults('lddw %r1, 0x100000000\nldxb %r0, [%r1]\nexit', 'memory-fault', 2, /not an address/);
  faults('.insn 0xff, 0, 0, 0, 0\nexit', 'invalid-instruction', 0, /unknown ALU operation 0xf0/);
  faults('mov %r0, 0\nja +5\nexit', 'jump-out-of-range', 1, /jump to pc 7, outside the program/);
  faults('mov %r0, 0', 'jump-out-of-range', 1, /ran past the last instruction/);
  faults('ja +1\nlddw %r0, 1\nexit', 'invalid-instruction', 2, /second half of the lddw/);
  faults('mov %r10, 1\nexit', 'invalid-instruction', 0, /r10 is read-only/);
  faults('loop: ja loop', 'budget-exceeded', 0, /budget of 1000/, undefined, { maxInstructions: 1000 });
  faults('f: call local f\nexit', 'call-depth', 0, /call depth exceeds 8/);
  faults('call 999\nexit', 'unknown-helper', 0, /unknown helper #999/);
  faults('mov %r2, 77\ncall %r2\nexit', 'unknown-helper', 1, /callx to unknown helper #77/);
  faults('call kfunc 3\nexit', 'unknown-helper', 0, /kfunc/);
  faults('lddw %r1, map_fd(3)\nexit', 'invalid-instruction', 0, /needs a loader/);
  faults('ldabsb 0\nexit', 'memory-fault', 0, /without a packet/);
});

test('a read-only input cannot be written', () => {
  const ro = memory.map(8, 'ctx', false, 'context');
  try {
    const v = vm('stb [%r1], 1\nexit');
    assert.throws(() => v.run(ro), (e: unknown) => e instanceof VmError && /context is read-only/.test(e.message));
    v.dispose();
  } finally {
    memory.unmap(ro);
  }
});

test('helpers: registry by kernel id, failures become VmErrors, StopProgram ends the run', () => {
  const helpers = new HelperRegistry()
    .register(100, (_c, a, b) => a * b, 'mul')
    .register(101, () => { throw new Error('boom'); }, 'boom')
    .register(102, (_c, a) => { throw new StopProgram(a + 1n); }, 'stop')
    .register(103, (c, p) => { c.memory.check(Number(p), 8, true); return 0n; }, 'touch');
  assert.equal(run('mov %r1, 6\nmov %r2, 7\ncall 100\nexit', undefined, { helpers }), 42n);
  faults('call 101\nexit', 'helper-failed', 0, /helper failed: boom/, undefined, { helpers });
  assert.equal(run('mov %r1, 41\ncall 102\nmov %r0, 0\nexit', undefined, { helpers }), 42n);
  faults('mov %r1, 16\ncall 103\nexit', 'memory-fault', 1, /in helper/, undefined, { helpers });
});

test('default helpers: ids, time, trace_printk through the trace sink', () => {
  const lines: string[] = [];
  const d = defaultHelpers();
  assert.ok(d.has(5) && d.has(14) && d.has(6));
  const t = run('call 5\nexit');
  assert.ok(t > 0n);
  assert.equal(run('call get_current_pid_tgid\nrsh %r0, 32\nexit'), BigInt(process.pid));
  const src = `
    lddw %r1, 0x000a6425203d2078   # "x = %d\\n\\0" little-endian
    stxdw [%r10-8], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    mov %r3, -42
    call trace_printk
    exit`;
  run(src, undefined, { trace: (l: string) => lines.push(l) });
  assert.deepEqual(lines, ['x = -42']);
});

test('pseudo lddw values come from resolvePseudo', () => {
  const seen: string[] = [];
  const v = vm('lddw %r0, map_fd(counts)\nexit', { resolvePseudo: (i) => { seen.push(i.ref!); return 0xabcdn; } });
  assert.equal(v.run(), 0xabcdn);
  assert.deepEqual(seen, ['counts']);
  v.dispose();
});

test('executed counts instructions; the stack starts zeroed every run', () => {
  const v = vm('ldxdw %r0, [%r10-8]\nstdw [%r10-8], 9\nexit');
  assert.equal(v.run(), 0n);
  assert.equal(v.executed, 3);
  assert.equal(v.run(), 0n);
  v.dispose();
});

test('random garbage never escapes as anything but a VmError (never crashes Node)', () => {
  let seed = 7;
  const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let round = 0; round < 2000; round++) {
    const program: Instruction[] = [];
    const len = 1 + rnd(12);
    for (let i = 0; i < len; i++) {
      const code = rnd(256);
      program.push(code === 0x18
        ? { code, dst: rnd(12), src: 0, off: 0, imm: rnd(1 << 30), imm64: BigInt(rnd(1 << 30)) }
        : { code, dst: rnd(12), src: rnd(12), off: rnd(40) - 20, imm: rnd(200) - 100 });
    }
    const v = new Interpreter(program, { memory, helpers: new HelperRegistry(), maxInstructions: 10_000 });
    try {
      v.run(new Uint8Array(16));
    } catch (e) {
      assert.ok(e instanceof VmError, `round ${round}: ${e}`);
    } finally {
      v.dispose();
    }
  }
});
