// Register allocation: no two values live at once share a register, pressure beyond r6-r9
// spills to the stack, loops keep values live across the back edge, and (with a kernel) the
// allocated code passes the verifier and computes the right result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FunctionBuilder } from '../../src/ir/function-builder.js';
import { allocateRegisters, liveIntervals } from '../../src/ir/regalloc.js';
import { emitProgram } from '../../src/ir/emit.js';
import type { IrFunction, VReg } from '../../src/ir/ir.js';
import { needs } from '../support/environment.js';

/** sum of `n` constants all loaded before any is added: n values live at once. */
function pressure(n: number): { fn: IrFunction; frame: FunctionBuilder['frame']; expected: number } {
  const b = new FunctionBuilder('pressure');
  const vs: VReg[] = [];
  for (let i = 1; i <= n; i++) vs.push(b.const(i * 3));
  const acc = b.const(0);
  for (const v of vs) b.alu('add', acc, v);
  b.emit({ op: 'exit', value: acc });
  return { fn: b.finish(), frame: b.frame, expected: (3 * n * (n + 1)) / 2 };
}

function assertNoConflicts(fn: IrFunction, locations: Map<number, { reg: number } | { spill: number }>): void {
  const ivs = liveIntervals(fn);
  for (const a of ivs) for (const b of ivs) {
    if (a === b) continue;
    const la = locations.get(a.vreg.id)!, lb = locations.get(b.vreg.id)!;
    const overlap = a.start <= b.end && b.start <= a.end;
    if (overlap && 'reg' in la && 'reg' in lb) assert.notEqual(la.reg, lb.reg, `%${a.vreg.id} and %${b.vreg.id} overlap in r${la.reg}`);
    if (overlap && 'spill' in la && 'spill' in lb) assert.notEqual(la.spill, lb.spill);
  }
}

test('four live values fit in r6-r9 (and r0 while no call clobbers it) without spilling', () => {
  const { fn, frame } = pressure(3);
  const alloc = allocateRegisters(fn, frame);
  assert.equal(alloc.spilled, 0);
  assertNoConflicts(fn, alloc.locations);
  for (const l of alloc.locations.values()) assert.ok('reg' in l && (l.reg === 0 || (l.reg >= 6 && l.reg <= 9)));
});

test('a helper result used before the next call stays in r0 (no move); one live across a call does not', () => {
  const b = new FunctionBuilder('r0');
  const a = b.call(1, [{ imm: 0 }])!; // used right away
  const x = b.mov(a);
  const c = b.call(2, [])!; // live across the next call
  b.call(3, [], false);
  b.alu('add', x, c);
  b.emit({ op: 'exit', value: x });
  const fn = b.finish();
  const alloc = allocateRegisters(fn, b.frame);
  assertNoConflicts(fn, alloc.locations);
  assert.deepEqual(alloc.locations.get(a.id), { reg: 0 });
  assert.notDeepEqual(alloc.locations.get(c.id), { reg: 0 });
  assert.notDeepEqual(alloc.locations.get(x.id), { reg: 0 });
});

test('ten live values spill to distinct 8-byte stack slots', () => {
  const { fn, frame } = pressure(10);
  const alloc = allocateRegisters(fn, frame);
  assert.ok(alloc.spilled >= 6, `expected spills, got ${alloc.spilled}`);
  assertNoConflicts(fn, alloc.locations);
  assert.ok(frame.size >= alloc.spilled * 8);
  const insns = emitProgram(fn, alloc);
  // Spilled operands are reloaded through scratch registers only.
  for (const i of insns) assert.ok(i.dst <= 10 && i.src <= 10);
});

test('a value used inside a loop stays live until the back edge', () => {
  const b = new FunctionBuilder('loop');
  const k = b.const(7, 'k');
  const i = b.const(0, 'i');
  b.emit({ op: 'loop', edge: 'begin', id: 0 });
  b.place('.top');
  const t = b.mov(k); // last textual use of k, but the loop reads it again
  const u = b.const(1);
  b.alu('add', i, u);
  b.alu('add', t, i);
  b.jmp('jlt', i, 10, '.top');
  b.emit({ op: 'loop', edge: 'end', id: 0 });
  b.emit({ op: 'exit', value: i });
  const fn = b.finish();
  const ivs = liveIntervals(fn);
  const kIv = ivs.find((x) => x.vreg.id === k.id)!;
  const endPos = fn.insns.findIndex((x) => x.op === 'loop' && x.edge === 'end');
  assert.equal(kIv.end, endPos);
  const alloc = allocateRegisters(fn, b.frame);
  assertNoConflicts(fn, alloc.locations);
});

test('the stack frame refuses to grow past 512 bytes, naming the script location', () => {
  const b = new FunctionBuilder('big');
  b.loc = { line: 3, column: 5, text: 'printf(...)' };
  b.frame.alloc(500, b.loc);
  assert.throws(() => b.frame.alloc(16, b.loc, 'string'), (e: Error & { span?: { line: number } }) => e.span?.line === 3 && /512-byte BPF stack/.test(e.message));
});

test('spilled code passes the kernel verifier and computes the same sum', needs(), async () => {
  const { Program, ProgramType } = await import('../../src/kernel/programs.js');
  for (const n of [3, 4, 5, 12, 40]) {
    const { fn, frame, expected } = pressure(n);
    const alloc = allocateRegisters(fn, frame);
    const prog = Program.load({ name: 'ra_test', type: ProgramType.RAW_TRACEPOINT, instructions: emitProgram(fn, alloc) });
    try {
      assert.equal(prog.testRun({}).retval, expected, `n=${n}`);
    } finally {
      prog.close();
    }
  }
});
