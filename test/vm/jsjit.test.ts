// The JavaScript JIT (src/vm/jsjit) against the interpreter, the reference: random loop-free
// programs of every instruction it accepts (64- and 32-bit arithmetic, shifts, sign extension,
// conditional jumps of every kind, context loads at fixed and run-time offsets) must return what
// the interpreter returns on the same context bytes; and what it refuses, it refuses with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Instruction } from '../../src/isa/instruction.js';
import { AluOp, Class, JmpOp, LDDW, Mode, Size, Source } from '../../src/isa/opcodes.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmMemory } from '../../src/vm/memory.js';
import { ContextAccess, compileToJs } from '../../src/vm/jsjit/compile.js';
import { assemble } from '../../src/isa/assembler.js';

const CTX_SIZE = 64;

/** A context that is plain bytes, the same ones the interpreter reads. */
function bytesContext(bytes: Uint8Array): ContextAccess {
  const word = (at: string, n: number): string => Array.from({ length: n }, (_, k) => `mem[${at} + ${k}] << ${8 * k}`).join(' | ');
  const load = (lo: string, hi: string, at: string, size: number, signed: boolean): string => {
    const shift = 32 - 8 * size;
    const ext = signed && size < 8 ? `${shift ? `${lo} = (${lo} << ${shift}) >> ${shift}; ` : ''}${hi} = ${lo} >> 31;` : '';
    return `${lo} = ${word(at, Math.min(size, 4))}; ${hi} = ${size === 8 ? word(`${at} + 4`, 4) : '0'}; ${ext}`;
  };
  return {
    bindings: { mem: bytes },
    prologue: () => '',
    load: (lo, hi, at, size, signed) => load(lo, hi, `${at}`, size, signed),
    loadAt: (lo, hi, at, size, signed) => `{ const o = ${at}; ${load(lo, hi, 'o', size, signed)} }`,
  };
}

function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const next = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const int = (n: number): number => next() % n;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const imm = (): number => pick([0, 1, -1, 7, 31, 32, 63, 0x7fffffff, -0x80000000, 0x12345678, -2, 255, 65535, next() | 0]);
  return { next, int, pick, imm };
}

const SCALARS = [0, 2, 3, 4, 5, 6, 7, 8, 9];
const ALU_OPS = [AluOp.ADD, AluOp.SUB, AluOp.AND, AluOp.OR, AluOp.XOR, AluOp.LSH, AluOp.RSH, AluOp.ARSH, AluOp.NEG, AluOp.MOV];
const JMP_OPS = [JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JSLT, JmpOp.JSLE, JmpOp.JSET];
const SIZES = [[Size.B, 1], [Size.H, 2], [Size.W, 4], [Size.DW, 8]] as const;

function randomProgram(seed: number): Instruction[] {
  const g = generator(seed);
  const p: Instruction[] = [];
  const ins = (code: number, dst: number, src: number, off: number, immediate: number): void => { p.push({ code, dst, src, off, imm: immediate }); };
  // Every scalar register starts with a known value (some 64-bit, through lddw).
  for (const r of SCALARS) {
    if (g.int(3) === 0) {
      const v = (BigInt(g.next()) << 32n) | BigInt(g.next());
      p.push({ code: LDDW, dst: r, src: 0, off: 0, imm: Number(v & 0xffffffffn) | 0, imm64: v });
    } else ins(Class.ALU64 | AluOp.MOV | Source.K, r, 0, 0, g.imm());
  }
  const length = 10 + g.int(40);
  const body: (Instruction & { target?: number })[] = [];
  /** Instructions inside a pointer sequence: no jump lands there (the pointer would not be set). */
  const inside = new Set<number>();
  for (let i = 0; i < length; i++) {
    const dst = g.pick(SCALARS);
    const what = g.int(10);
    if (what < 5) {
      const wide = g.int(2) === 0;
      const op = g.pick(ALU_OPS);
      const fromReg = g.int(2) === 0;
      let off = 0;
      let k = g.imm();
      if (op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) k = g.int(wide ? 64 : 32);
      if (op === AluOp.MOV && fromReg && g.int(3) === 0) off = g.pick(wide ? [8, 16, 32] : [8, 16]);
      body.push({ code: (wide ? Class.ALU64 : Class.ALU) | op | (op === AluOp.NEG ? Source.K : fromReg ? Source.X : Source.K), dst, src: fromReg && op !== AluOp.NEG ? g.pick(SCALARS) : 0, off, imm: fromReg || op === AluOp.NEG ? 0 : k });
    } else if (what < 7) {
      const [size, bytes] = g.pick(SIZES);
      const signed = bytes < 8 && g.int(3) === 0;
      const at = g.int(CTX_SIZE - bytes + 1);
      if (g.int(3) === 0) {
        // Through a moved copy of the context pointer: a run-time offset for the JIT.
        inside.add(body.length + 1).add(body.length + 2).add(body.length + 3);
        body.push({ code: Class.ALU64 | AluOp.MOV | Source.X, dst: 6, src: 1, off: 0, imm: 0 });
        body.push({ code: Class.ALU64 | AluOp.ADD | Source.K, dst: 6, src: 0, off: 0, imm: at });
        body.push({ code: Class.LDX | size | (signed ? Mode.MEMSX : Mode.MEM), dst: g.pick(SCALARS.filter((r) => r !== 6)), src: 6, off: 0, imm: 0 });
        body.push({ code: Class.ALU64 | AluOp.MOV | Source.K, dst: 6, src: 0, off: 0, imm: g.imm() });
      } else {
        body.push({ code: Class.LDX | size | (signed ? Mode.MEMSX : Mode.MEM), dst, src: 1, off: at, imm: 0 });
      }
    } else {
      const wide = g.int(2) === 0;
      const fromReg = g.int(2) === 0;
      body.push({ code: (wide ? Class.JMP : Class.JMP32) | g.pick(JMP_OPS) | (fromReg ? Source.X : Source.K), dst, src: fromReg ? g.pick(SCALARS) : 0, off: 0, imm: fromReg ? 0 : g.imm(), target: -1 });
    }
  }
  // Jumps go forward, to any later instruction or to the exit.
  body.push({ code: Class.JMP | JmpOp.EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  body.forEach((x, i) => {
    if (x.target === undefined) return;
    let t = i + 1 + g.int(body.length - i - 1);
    while (inside.has(t)) t++;
    x.off = t - (i + 1);
    delete x.target;
  });
  return [...p, ...body];
}

test('random loop-free programs: the JavaScript JIT returns what the interpreter returns', () => {
  const memory = new VmMemory();
  const region = memory.map(CTX_SIZE, 'ctx', false, 'context');
  const bytes = new Uint8Array(CTX_SIZE);
  let compared = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const program = randomProgram(seed);
    const js = compileToJs(program, bytesContext(bytes));
    assert.ok(js.ok, `seed ${seed}: refused: ${js.ok ? '' : js.reason}`);
    const interp = new Interpreter(program, { memory });
    const g = generator(seed * 7919);
    for (let input = 0; input < 4; input++) {
      for (let i = 0; i < CTX_SIZE; i++) bytes[i] = input === 0 ? 0xff : g.int(256);
      memory.write(region, bytes);
      const want = Number(interp.run(region) & 0xffffffffn);
      assert.equal(js.run(null), want, `seed ${seed}, input ${input}:\n${js.source}`);
      compared++;
    }
    interp.dispose();
  }
  assert.equal(compared, 12_000);
});

test('what the JavaScript JIT does not run, it refuses with the reason (the WebAssembly JIT runs it)', () => {
  const context = bytesContext(new Uint8Array(CTX_SIZE));
  const reasonFor = (asm: string): string => {
    const r = compileToJs(assemble(asm), context);
    assert.equal(r.ok, false, asm);
    return r.ok ? '' : r.reason;
  };
  assert.match(reasonFor('mov %r0, 3\nloop:\nsub %r0, 1\njne %r0, 0, loop\nexit'), /backward jump/);
  assert.match(reasonFor('stxdw [%r10-8], %r1\nmov %r0, 0\nexit'), /store/);
  assert.match(reasonFor('call 5\nexit'), /call/);
  assert.match(reasonFor('mov %r0, 3\nmul %r0, 7\nexit'), /multiplication/);
  assert.match(reasonFor('ldxdw %r0, [%r10-8]\nexit'), /other than the context/);
  assert.match(reasonFor('mov %r2, %r1\nlsh %r2, 1\nmov %r0, 0\nexit'), /context pointer/);
});
