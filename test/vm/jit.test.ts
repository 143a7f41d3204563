// The WebAssembly JIT beyond the conformance suite: errors with the pc of the faulting
// instruction, the loop budget, helpers (registry, callx, StopProgram), legacy packet loads,
// local calls and their depth limit, the verifier hook, and agreement with the interpreter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { ProgramBuilder, R0, R1, R2, R3, R6, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { Instruction } from '../../src/isa/instruction.js';
import { VmError } from '../../src/vm/errors.js';
import { HelperRegistry, StopProgram } from '../../src/vm/helpers.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmMemory } from '../../src/vm/memory.js';
import { JitProgram } from '../../src/vm/jit/jit.js';

const jit = (src: string, options = {}) => new JitProgram(assemble(src), options);

function assertVmError(fn: () => unknown, kind: string, pc: number, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof VmError, `expected VmError, got ${e}`);
    assert.equal(e.kind, kind);
    assert.equal(e.pc, pc);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('an out-of-bounds load faults with the pc and the instruction', () => {
  const p = jit('mov %r0, 0\nldxw %r0, [%r1+6]\nexit');
  assertVmError(() => p.run(new Uint8Array(8)), 'memory-fault', 1, /pc 1 .*r0 = \*\(u32 \*\)\(r1 \+6\).*past the end of input/);
  assert.equal(p.run(new Uint8Array([0, 0, 0, 0, 0, 0, 1, 0, 0, 0])), 1n);
});

test('NULL and wild pointers fault; the stack below the frame faults', () => {
  assertVmError(() => jit('mov %r1, 0\nldxb %r0, [%r1]\nexit').run(), 'memory-fault', 1);
  assertVmError(() => jit('lddw %r1, 0x100000000\nstxb [%r1], %r1\nexit').run(), 'memory-fault', 2, /not an address/);
  assertVmError(() => jit('mov %r1, %r10\nsub %r1, 520\nldxdw %r0, [%r1]\nexit').run(), 'memory-fault', 2, /below the 512-byte stack frame/);
});

test('a runaway loop ends with budget-exceeded at the backward jump', () => {
  const p = jit('mov %r0, 0\nloop:\nadd %r0, 1\nja loop', { maxInstructions: 10_000 });
  assertVmError(() => p.run(), 'budget-exceeded', 2);
  // A bounded loop below the budget runs to completion.
  assert.equal(jit('mov %r0, 0\nmov %r1, 100\nl:\nadd %r0, 2\nsub %r1, 1\njne %r1, 0, l\nexit', { maxInstructions: 10_000 }).run(), 200n);
});

test('local calls: callee-saved registers, frames and the depth limit', () => {
  const p = jit(`
    mov %r6, 7
    stdw [%r10-8], 11
    mov %r1, 5
    call local f
    ldxdw %r1, [%r10-8]
    add %r0, %r1
    add %r0, %r6
    exit
  f:
    mov %r6, 100
    stdw [%r10-8], 1000
    mov %r0, %r1
    exit`);
  assert.equal(p.run(), 5n + 11n + 7n);
  const rec = jit('call local f\nexit\nf:\ncall local f\nexit');
  assertVmError(() => rec.run(), 'call-depth', 2);
});

test('helpers come from the registry; StopProgram ends the run; unknown helpers trap when reached', () => {
  const seen: bigint[] = [];
  const helpers = new HelperRegistry()
    .register(Helper.ktime_get_ns, (_ctx, a, b) => { seen.push(a, b); return a * b; })
    .register(Helper.get_prandom_u32, (_ctx, a) => { throw new StopProgram(a + 1n); });
  assert.equal(jit('mov %r1, 6\nmov %r2, -1\ncall 5\nexit', { helpers }).run(), BigInt.asUintN(64, -6n));
  assert.deepEqual(seen, [6n, 2n ** 64n - 1n]);
  assert.equal(jit('mov %r1, 41\ncall 7\nmov %r0, 0\nexit', { helpers }).run(), 42n);
  const unknown = jit('mov %r0, 3\njeq %r0, 3, out\ncall 99\nout:\nexit', { helpers });
  assert.equal(unknown.run(), 3n);
  assertVmError(() => jit('call 99\nexit', { helpers }).run(), 'unknown-helper', 0);
  // callx: the helper id is in a register.
  assert.equal(jit('mov %r1, 3\nmov %r2, 4\nmov %r3, 5\ncall %r3\nexit', { helpers }).run(), 12n);
  assertVmError(() => jit('mov %r3, 77\ncall %r3\nexit', { helpers }).run(), 'unknown-helper', 1);
});

test('helpers see the input region and can read memory through the context', () => {
  const helpers = new HelperRegistry().register(Helper.ktime_get_ns, (ctx, a) => {
    assert.ok(ctx.input);
    return BigInt(ctx.memory.bytes[Number(a)] + ctx.input.size);
  });
  assert.equal(jit('add %r1, 2\ncall 5\nexit', { helpers }).run(new Uint8Array([1, 2, 30, 4])), 34n);
});

test('legacy packet loads: network byte order, out of bounds ends with 0, even in a callee', () => {
  const pkt = new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a]);
  assert.equal(jit('ldabsh 1\nexit').run(pkt), 0x3456n);
  assert.equal(jit('ldabsw 1\nexit').run(pkt), 0x3456789an);
  assert.equal(jit('mov %r2, 3\nldindb %r2, 1\nexit').run(pkt), 0x9an);
  assert.equal(jit('mov %r0, 9\nldabsw 2\nmov %r0, 9\nexit').run(pkt), 0n);
  assert.equal(jit('mov %r2, -1\nldindb %r2, 0\nexit').run(pkt), 0n);
  assert.equal(jit('call local f\nmov %r0, 9\nexit\nf:\nldabsb 100\nexit').run(pkt), 0n);
  assertVmError(() => jit('ldabsb 0\nexit').run(), 'memory-fault', 0, /without a packet/);
});

test('invalid instructions and jumps trap only when reached', () => {
  const p = new ProgramBuilder().mov64(R0, 1).jmp('jeq', R0, 1, 'ok')
    .emit({ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }).label('ok').exit().build();
  assert.equal(new JitProgram(p).run(), 1n);
  assertVmError(() => new JitProgram([{ code: 0xff, dst: 0, src: 0, off: 0, imm: 0 }]).run(), 'invalid-instruction', 0);
  assertVmError(() => jit('mov %r0, 0\nja +5\nexit').run(), 'jump-out-of-range', 1);
  // Running off the end is reported at the slot after the last instruction, as the interpreter does.
  assertVmError(() => jit('mov %r0, 0').run(), 'jump-out-of-range', 1);
  assertVmError(() => new Interpreter(assemble('mov %r0, 0')).run(), 'jump-out-of-range', 1);
  // A jump into the second slot of an lddw is an invalid instruction there.
  assertVmError(() => jit('ja +1\nlddw %r0, 5\nexit').run(), 'invalid-instruction', 2);
});

test('runs are independent: a fresh stack each run, and the module is compiled once', () => {
  const p = jit('ldxdw %r0, [%r10-8]\nstdw [%r10-8], 5\nexit');
  assert.equal(p.run(), 0n);
  assert.equal(p.run(), 0n);
  assert.ok(p.wasm.length > 8);
});

test('call(args) sets r1-r5', () => {
  assert.equal(jit('mov %r0, %r1\nadd %r0, %r5\nexit').call([40n, 0n, 0n, 0n, 2n]), 42n);
  assert.equal(jit('mov %r0, %r1\nexit').call([2n ** 64n - 1n]), 2n ** 64n - 1n);
});

test('the verifier hook removes checks: proven accesses run unchecked, others still fault', () => {
  const src = 'ldxb %r0, [%r1+4]\nexit';
  const checked = jit(src);
  const proven = jit(src, { provenSafe: () => true });
  assert.ok(proven.wasm.length < checked.wasm.length);
  assert.equal(proven.run(new Uint8Array([0, 0, 0, 0, 9])), 9n);
  assertVmError(() => checked.run(new Uint8Array(2)), 'memory-fault', 0);
});

test('shares the memory with the interpreter: a map-like region is visible to both', () => {
  const memory = new VmMemory();
  const shared = memory.map(16, 'map_value', true, 'counter');
  const b = new ProgramBuilder().lddw(R6, shared.start).mov64(R1, 1).atomic('dw', 'add', R6, 0, R1)
    .ldx('dw', R0, R6, 0).exit().build();
  const j = new JitProgram(b, { memory });
  const i = new Interpreter(b, { memory });
  assert.equal(j.run(), 1n);
  assert.equal(i.run(), 2n);
  assert.equal(j.run(), 3n);
  memory.unmap(shared);
  assertVmError(() => j.run(), 'memory-fault', 3); // lddw takes slots 0-1
});

test('runWith: an XDP-style context whose pointers lead into a packet region', () => {
  const memory = new VmMemory();
  const packet = memory.map(4, 'packet', true, 'packet');
  memory.write(packet, new Uint8Array([1, 2, 3, 4]));
  const ctx = memory.map(8, 'ctx', false, 'xdp_md');
  const view = memory.view;
  view.setUint32(ctx.start, packet.start, true);
  view.setUint32(ctx.start + 4, packet.start + 4, true);
  const prog = new ProgramBuilder().ldx('w', R2, R1, 0).ldx('w', R3, R1, 4).mov64(R0, 0)
    .mov64(R1, R2).add64(R1, 4).jmp('jgt', R1, R3, 'out').ldx('w', R0, R2, 0).st('b', R2, 0, 9)
    .label('out').exit().build();
  const j = new JitProgram(prog, { memory });
  assert.equal(j.runWith(ctx.start, 0, [packet, ctx]), 0x04030201n);
  assert.equal(memory.read(packet)[0], 9);
  // The context is read-only: a store to it faults even though it is a fast window.
  const store = new JitProgram(new ProgramBuilder().st('w', R1, 0, 1).mov64(R0, 0).exit().build(), { memory });
  assertVmError(() => store.runWith(ctx.start, 0, [packet, ctx]), 'memory-fault', 0, /read-only/);
  // Stack pointers passed around still work.
  const sp = new JitProgram(new ProgramBuilder().mov64(R2, R10).st('dw', R2, -8, 3).ldx('dw', R0, R10, -8).exit().build(), { memory });
  assert.equal(sp.runWith(ctx.start, 0, [packet, ctx]), 3n);
});

test('loops: structured wasm loops and the dispatcher agree, including loops entered in the middle', () => {
  const nested = `
    mov %r0, 0
    mov %r1, 0
  outer:
    mov %r2, 0
  inner:
    add %r0, %r2
    add %r2, 1
    jlt %r2, 7, inner
    jeq %r1, 3, skip
    add %r0, 100
  skip:
    add %r1, 1
    jlt %r1, 5, outer
    exit`;
  // Irreducible: the loop body is entered at `mid` as well as at `top`.
  const irreducible = `
    mov %r0, 0
    mov %r1, 10
    jeq %r1, 10, mid
  top:
    add %r0, 3
  mid:
    add %r0, 1
    sub %r1, 1
    jne %r1, 0, top
    exit`;
  for (const src of [nested, irreducible]) {
    const program = assemble(src);
    const expected = new Interpreter(program).run();
    assert.equal(new JitProgram(program).run(), expected);
    assert.equal(new JitProgram(program, { layout: 'dispatcher' }).run(), expected);
  }
  assert.equal(new JitProgram(assemble(nested)).run(), 5n * 21n + 400n);
  // Both layouts stop runaway loops.
  for (const layout of ['auto', 'dispatcher'] as const) {
    assertVmError(() => new JitProgram(assemble('l:\nja l'), { layout, maxInstructions: 1000 }).run(), 'budget-exceeded', 0);
  }
});

test('inputs still arrive after the shared memory grows between runs', () => {
  const memory = new VmMemory(1);
  const p = new JitProgram(assemble('ldxb %r0, [%r1+1]\nexit'), { memory });
  assert.equal(p.run(new Uint8Array([1, 2, 3])), 2n);
  const big = memory.map(4 << 20, 'heap', true, 'big'); // grows (and detaches) the buffer
  assert.equal(p.run(new Uint8Array([4, 5, 6])), 5n);
  memory.unmap(big);
  assert.equal(p.run(new Uint8Array([7, 8])), 8n);
});

test('a region cached by compiled code is forgotten when a helper unmaps it', () => {
  const memory = new VmMemory();
  const value = memory.map(8, 'map_value', true, 'value');
  const helpers = new HelperRegistry().register(Helper.ktime_get_ns, () => { memory.unmap(value); return 0n; });
  const b = new ProgramBuilder().lddw(R6, value.start).ldx('dw', R0, R6, 0).ldx('dw', R0, R6, 0)
    .call(Helper.ktime_get_ns).ldx('dw', R0, R6, 0).exit().build();
  const j = new JitProgram(b, { memory, helpers });
  assertVmError(() => j.run(), 'memory-fault', 5); // lddw 0-1, two loads, call at 4, load at 5
});

test('ktime_get_ns reads CLOCK_MONOTONIC in ns on both engines, as the kernel does; the JIT calls it bare', () => {
  const twoReads = new ProgramBuilder()
    .call(Helper.ktime_get_ns).mov64(R6, R0)
    .call(Helper.ktime_get_ns).alu64('sub', R0, R6).exit().build();
  const oneRead = new ProgramBuilder().call(Helper.ktime_get_ns).exit().build();
  const engines = [(p: Instruction[]) => new Interpreter(p), (p: Instruction[]) => new JitProgram(p)];
  for (const make of engines) {
    const gap = make(twoReads).run();
    assert.ok(gap >= 0n && gap < 50_000_000n, `two reads in a row ${gap} ns apart`);
    // The same clock as process.hrtime.bigint (and the kernel's bpf_ktime_get_ns): a read lies
    // between two reads of it taken around the run. A clock in other units or from another
    // origin (the process's start) falls outside.
    const clock = make(oneRead);
    clock.run();
    for (let i = 0; i < 3; i++) {
      const before = process.hrtime.bigint();
      const t = clock.run();
      const after = process.hrtime.bigint();
      assert.ok(before <= t && t <= after, `${before} <= ${t} <= ${after}`);
    }
  }
  // The clock is imported as it is (b<id>: () -> i64), not through the wrapper every other
  // helper's 32-bit variant goes through (f<id>).
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(new JitProgram(oneRead).wasm as Uint8Array<ArrayBuffer>)).map((i) => i.name);
  assert.ok(imports.includes(`b${Helper.ktime_get_ns}`), imports.join(' '));
  assert.ok(!imports.includes(`f${Helper.ktime_get_ns}`), imports.join(' '));
});
