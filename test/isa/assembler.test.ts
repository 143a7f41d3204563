import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, AssemblyError } from '../../src/isa/assembler.js';
import { SourceError } from '../../src/diagnostics.js';
import { AtomicOp, CallSrc, Class, JmpOp, LDDW, Mode, PseudoSrc, Size, Source, AluOp } from '../../src/isa/opcodes.js';
import { Helper } from '../../src/isa/helpers.js';
import { encode } from '../../src/isa/encoding.js';

/** Assemble and expect a SourceError at line:col, returning its rendering. */
function failsAt(source: string, line: number, column: number, message: RegExp): string {
  try {
    assemble(source, { file: 'prog.s' });
  } catch (e) {
    assert.ok(e instanceof AssemblyError && e instanceof SourceError, `not a SourceError: ${e}`);
    assert.equal(e.span.line, line, `line of: ${e.message}`);
    assert.equal(e.span.column, column, `column of: ${e.message}`);
    assert.match(e.message, message);
    return e.render();
  }
  assert.fail(`assembled without error: ${source}`);
}

test('encodes the conformance syntax field by field', () => {
  const p = assemble([
    'mov32 %r0, 1',
    'add %r1, %r2',
    'sdiv32 %r3, -7',
    'smod %r4, %r5',
    'movsx1664 %r6, %r7',
    'ldxdw %r0, [%r1+8]',
    'ldxsh %r2, [%r10-2]',
    'stw [%r10-4], 0xffffffff',
    'stxb [%r1], %r9',
    'lock fetch xor32 [%r10-8], %r3',
    'lock cmpxchg [%r10-16], %r1',
    'be16 %r0',
    'le64 %r1',
    'bswap32 %r2',
    'swap64 %r3',
    'neg32 %r4',
  ].join('\n'));
  const f = p.map(({ code, dst, src, off, imm }) => [code, dst, src, off, imm]);
  assert.deepEqual(f, [
    [Class.ALU | AluOp.MOV | Source.K, 0, 0, 0, 1],
    [Class.ALU64 | AluOp.ADD | Source.X, 1, 2, 0, 0],
    [Class.ALU | AluOp.DIV | Source.K, 3, 0, 1, -7],
    [Class.ALU64 | AluOp.MOD | Source.X, 4, 5, 1, 0],
    [Class.ALU64 | AluOp.MOV | Source.X, 6, 7, 16, 0],
    [Class.LDX | Mode.MEM | Size.DW, 0, 1, 8, 0],
    [Class.LDX | Mode.MEMSX | Size.H, 2, 10, -2, 0],
    [Class.ST | Mode.MEM | Size.W, 10, 0, -4, -1],
    [Class.STX | Mode.MEM | Size.B, 1, 9, 0, 0],
    [Class.STX | Mode.ATOMIC | Size.W, 10, 3, -8, AtomicOp.XOR | AtomicOp.FETCH],
    [Class.STX | Mode.ATOMIC | Size.DW, 10, 1, -16, AtomicOp.CMPXCHG],
    [Class.ALU | AluOp.END | Source.X, 0, 0, 0, 16],
    [Class.ALU | AluOp.END | Source.K, 1, 0, 0, 64],
    [Class.ALU64 | AluOp.END, 2, 0, 0, 32],
    [Class.ALU64 | AluOp.END, 3, 0, 0, 64],
    [Class.ALU | AluOp.NEG, 4, 0, 0, 0],
  ]);
});

test('labels, numeric offsets and the implicit `exit` label count lddw as two slots', () => {
  const p = assemble([
    'jeq %r1, 0x4, +2  # numeric',
    'lddw %r0, 0x123456789',
    'ja out',
    'jne32 %r1, %r2, exit',
    'out: mov %r0, 0',
    'exit',
    'call local fn',
    'fn:',
    'exit',
  ].join('\n'));
  assert.equal(p[0].off, 2);
  assert.equal(p[1].code, LDDW);
  assert.equal(p[1].imm64, 0x123456789n);
  assert.equal(p[2].off, 1); // slot 3 -> slot 5
  assert.equal(p[3].off, 1); // first exit is slot 6
  assert.equal(p[6].src, CallSrc.LOCAL);
  assert.equal(p[6].imm, 0);
});

test('calls: helper ids and names, callx, kfunc, local', () => {
  const p = assemble('call 5\ncall bpf_map_lookup_elem\ncall get_current_pid_tgid\ncall %r2\ncall kfunc 77\ncall local +0\nexit');
  assert.deepEqual(p.slice(0, 5).map((i) => [i.code, i.dst, i.src, i.imm]), [
    [Class.JMP | JmpOp.CALL, 0, CallSrc.HELPER, 5],
    [Class.JMP | JmpOp.CALL, 0, CallSrc.HELPER, Helper.map_lookup_elem],
    [Class.JMP | JmpOp.CALL, 0, CallSrc.HELPER, Helper.get_current_pid_tgid],
    [Class.JMP | JmpOp.CALL | Source.X, 2, 0, 0],
    [Class.JMP | JmpOp.CALL, 0, CallSrc.KFUNC, 77],
  ]);
});

test('pseudo lddw, legacy packet loads and raw .insn', () => {
  const p = assemble('lddw %r1, map_fd(counts)\nlddw %r2, map_value(3, 16)\nldabsh 12\nldindw %r7, -4\n.insn 0x8f, 1, 2, 0, 0');
  assert.equal(p[0].src, PseudoSrc.MAP_FD);
  assert.equal(p[0].ref, 'counts');
  assert.equal(p[1].src, PseudoSrc.MAP_VALUE);
  assert.equal(p[1].imm, 3);
  assert.equal(p[1].imm64, (16n << 32n) | 3n);
  assert.deepEqual([p[2].code, p[2].imm], [Class.LD | Mode.ABS | Size.H, 12]);
  assert.deepEqual([p[3].code, p[3].src, p[3].imm], [Class.LD | Mode.IND | Size.W, 7, -4]);
  assert.deepEqual([p[4].code, p[4].dst, p[4].src], [0x8f, 1, 2]);
});

test('the lddw encoding matches the suite\'s -- raw words', () => {
  const bytes = encode(assemble('lddw %r0, 0x1122334455667788\nexit'));
  const v = new DataView(bytes.buffer);
  assert.deepEqual([0, 1, 2].map((i) => v.getBigUint64(i * 8, true)), [0x5566778800000018n, 0x1122334400000000n, 0x95n]);
});

test('errors point at the offending token with line, column and caret', () => {
  const rendered = failsAt('mov %r0, 1\n  frob %r1, 2\nexit', 2, 3, /unknown instruction 'frob'/);
  assert.equal(rendered, "prog.s:2:3: error: unknown instruction 'frob'\n  frob %r1, 2\n  ^~~~");
  failsAt('mov %r11, 1', 1, 5, /no register %r11/);
  failsAt('mov32 %r0, 0x100000000', 1, 12, /does not fit in 32 bits/);
  failsAt('lddw %r0, 0x10000000000000000', 1, 11, /does not fit in 64 bits/);
  failsAt('ldxw %r0, [%r1+40000]', 1, 11, /does not fit in 16 bits/);
  failsAt('ldxw %r0, %r1', 1, 11, /expected a memory operand/);
  failsAt('add %r0', 1, 1, /add needs 2 operands/);
  failsAt('add %r0, 1, 2', 1, 13, /too many operands/);
  failsAt('mov %r0 1', 1, 9, /missing comma/);
  failsAt('ja nowhere\nexit', 1, 4, /undefined label 'nowhere'/);
  failsAt('a:\na:\nexit', 2, 1, /label 'a' defined twice/);
  failsAt('lock frob [%r10-8], %r1', 1, 6, /unknown atomic operation/);
  failsAt('lock fetch xchg [%r10-8], %r1', 1, 12, /always fetches/);
  failsAt('call bpf_no_such_helper', 1, 6, /unknown helper/);
  failsAt('ldxw %r0, [%r1+8', 1, 11, /missing '\]'/);
  failsAt('mov %r0, $5', 1, 10, /unexpected '\$5'/);
});

test('comments and blank lines are ignored; registers may omit the %', () => {
  const p = assemble('# header\n\nmov r0, 1 // trailing\n  exit # done\n');
  assert.equal(p.length, 2);
  assert.equal(p[0].dst, 0);
});

test('locations are attached on request (for runtime errors that quote the source)', () => {
  const p = assemble('mov %r0, 1\n  exit', { locations: true });
  assert.deepEqual(p[1].loc, { line: 2, column: 3, text: 'exit' });
  assert.equal(assemble('exit')[0].loc, undefined);
});
