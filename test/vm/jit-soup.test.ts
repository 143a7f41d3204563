// The JIT and the interpreter on random, mostly INVALID programs ("instruction soup"): every
// opcode byte, out-of-range registers, wild pointers, jumps out of the program. Whatever happens
// must happen identically: the same r0, or a VmError of the same kind at the same pc. Loops and
// local calls are left out on purpose: the engines charge their budgets differently (instructions
// vs loop lengths), and a callee's r6-r9 are undefined by the ISA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Instruction } from '../../src/isa/instruction.js';
import { CallSrc, Class, JmpOp, LDDW } from '../../src/isa/opcodes.js';
import { VmError } from '../../src/vm/errors.js';
import { defaultHelpers } from '../../src/vm/helpers.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmMemory } from '../../src/vm/memory.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { Random } from '../../src/vm/fuzz/generate.js';

const COUNT = Number(process.env.BPFKIT_SOUP_COUNT ?? 3000);

function soup(rnd: Random): Instruction[] {
  const n = 1 + rnd.int(24);
  const out: Instruction[] = [];
  for (let i = 0; i < n; i++) {
    const code = rnd.int(256);
    const reg = (): number => (rnd.chance(0.95) ? rnd.int(11) : rnd.int(16));
    const insn: Instruction = {
      code, dst: reg(), src: reg(),
      off: rnd.chance(0.7) ? rnd.int(16) - 4 : rnd.imm() & 0xffff,
      imm: rnd.chance(0.5) ? rnd.int(70) - 3 : rnd.imm(),
    };
    if (code === LDDW) insn.imm64 = rnd.chance(0.5) ? BigInt(rnd.int(0x20000)) : rnd.u64();
    const cls = code & 7;
    const op = code & 0xf0;
    if ((cls === Class.JMP || cls === Class.JMP32) && op !== JmpOp.EXIT) {
      // Forward jumps only (possibly past the end); calls only to helpers.
      insn.off = Math.abs(insn.off) % 8;
      if (cls === Class.JMP32 && op === JmpOp.JA) insn.imm = Math.abs(insn.imm) % 8;
      if (op === JmpOp.CALL && insn.src === CallSrc.LOCAL) insn.src = CallSrc.HELPER;
    }
    out.push(insn);
  }
  if (rnd.chance(0.8)) out.push({ code: Class.JMP | JmpOp.EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  return out;
}

type Outcome = { value: bigint } | { kind: string; pc: number } | { other: string };

function outcome(run: () => bigint): Outcome {
  try {
    return { value: run() };
  } catch (e) {
    if (e instanceof VmError) return { kind: e.kind, pc: e.pc };
    return { other: String(e) };
  }
}

test(`interpreter and JIT fail (or succeed) identically on ${COUNT} random programs`, () => {
  // Deterministic helpers only: time and randomness would differ between the two runs.
  const helpers = defaultHelpers().clone()
    .register('ktime_get_ns', () => 42n)
    .register('get_prandom_u32', () => 7n);
  const failures: string[] = [];
  let faulted = 0;
  for (let seed = 1; seed <= COUNT; seed++) {
    const rnd = new Random(seed * 7919);
    const program = soup(rnd);
    const input = new Uint8Array(rnd.int(64)).map(() => rnd.int(256));
    // Separate but identical address spaces: a wild access lands on the same neighbour in both.
    const interp = new Interpreter(program, { memory: new VmMemory(1), helpers, maxInstructions: 10_000 });
    const jit = new JitProgram(program, { memory: new VmMemory(1), helpers, maxInstructions: 10_000 });
    try {
      const a = outcome(() => interp.run(input));
      const b = outcome(() => jit.run(input));
      if ('kind' in a) faulted++;
      if (JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) {
        failures.push(`seed ${seed}: interpreter ${JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))} vs jit ${JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      }
    } finally {
      interp.dispose();
      jit.dispose();
    }
  }
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} disagreements`);
  // The soup must exercise the error paths, not just run clean programs.
  assert.ok(faulted > COUNT / 4, `only ${faulted} programs faulted`);
});
