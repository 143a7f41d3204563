// The asm, disasm, run and demo subcommands, as a user runs them: a child process of the built CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../../src/isa/assembler.js';
import { encode } from '../../src/isa/encoding.js';

const main = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bpfkit-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function bpfkit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const SUM = `# sum of the input bytes
mov %r0, 0
loop:
jeq %r2, 0, done
ldxb %r3, [%r1]
add %r0, %r3
add %r1, 1
sub %r2, 1
ja loop
done:
exit
`;

test('asm writes the raw bytecode of the program', () => {
  const src = file('sum.s', SUM);
  const r = bpfkit('asm', src, '-o', join(dir, 'sum.bin'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'sum.bin'))), encode(assemble(SUM)));
  assert.match(r.stderr, /8 instructions, 8 slots, 64 bytes/);
  // default output name: FILE with .bin
  assert.equal(bpfkit('asm', src).code, 0);
  assert.equal(readFileSync(join(dir, "sum.bin")).length, 64);
});

test('asm on malformed text: FILE:LINE:COL, the line, a caret; exit 1, no stack', () => {
  const bad = file('bad.s', 'mov %r0, 0\nadd %r0, %r99\nexit\n');
  const r = bpfkit('asm', bad);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `${bad}:2:10: error: no register %r99 (registers are r0-r10)\nadd %r0, %r99\n         ^~~~\n`);
  const r2 = bpfkit('run', file('bad2.s', 'mov %r0, 1\n  jne %r0, 0, nowhere\nexit'));
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /bad2\.s:2:15: error: undefined label 'nowhere'\n  jne %r0, 0, nowhere\n              \^~~~~~~\n/);
  assert.doesNotMatch(r2.stderr, /at .*\.js/);
});

test('disasm lists bytecode in both syntaxes; the conformance listing assembles back', () => {
  file('sum.s', SUM);
  assert.equal(bpfkit('asm', join(dir, 'sum.s')).code, 0);
  const kernel = bpfkit('disasm', join(dir, 'sum.bin'), '--format', 'kernel');
  assert.equal(kernel.code, 0, kernel.stderr);
  assert.equal(kernel.stdout.split('\n')[0], '0: (b7) r0 = 0');
  assert.equal(kernel.stdout.split('\n')[1], '1: (15) if r2 == 0x0 goto pc+5');
  const text = bpfkit('disasm', join(dir, 'sum.bin'));
  assert.equal(text.code, 0);
  assert.deepEqual(encode(assemble(text.stdout)), encode(assemble(SUM)));
  assert.equal(bpfkit('disasm', join(dir, 'sum.bin'), '--format', 'intel').code, 1);
});

test('run executes text or bytecode with --mem as r1/r2 and prints r0', () => {
  file('sum.s', SUM);
  assert.equal(bpfkit('asm', join(dir, 'sum.s')).code, 0);
  for (const f of ['sum.s', 'sum.bin']) {
    const r = bpfkit('run', join(dir, f), '--mem', '01 02 03 ff');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0x105\n');
  }
  const jit = bpfkit('run', join(dir, 'sum.s'), '--mem', '01 02 03 ff', '--engine', 'jit');
  assert.equal(jit.code, 0, jit.stderr);
  assert.equal(jit.stdout, '0x105\n');
  assert.match(bpfkit('run', join(dir, 'sum.s'), '--engine', 'nope').stderr, /unknown --engine 'nope'/);
  const stats = bpfkit('run', join(dir, 'sum.s'), '--mem', '0102', '--stats');
  assert.match(stats.stderr, /^15 instructions in [\d.]+ ms; r0 = 3 /);
});

test('run reports a faulting program with its pc, instruction and line; exit 1', () => {
  const r = bpfkit('run', file('oob.s', 'mov %r0, 0\nldxdw %r0, [%r1+4]\nexit\n'), '--mem', '00 11 22 33 44 55 66 77');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: pc 1 \(79\) r0 = \*\(u64 \*\)\(r1 \+4\) \(line 2: ldxdw %r0, \[%r1\+4\]\): read of 8 bytes .* runs past the end of input/);
  const loop = bpfkit('run', file('loop.s', 'l: ja l\n'), '--max-instructions', '1000');
  assert.equal(loop.code, 1);
  assert.match(loop.stderr, /budget of 1000 exhausted/);
  assert.match(bpfkit('run', join(dir, 'nope.s')).stderr, /cannot read .*nope\.s: no such file/);
  assert.match(bpfkit('run', join(dir, 'sum.s'), '--mem', 'xyz').stderr, /--mem: expected hex bytes/);
});

test('demo assembles, lists, runs and faults a program, and says what it shows', () => {
  const r = bpfkit('demo');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /r0 = 0xb861: the checksum \(matches/);
  assert.match(r.stdout, /r0 = 0x0: the header verifies/);
  assert.match(r.stdout, /\d+ M instructions\/s/);
  assert.match(r.stdout, /memory-fault: pc 5 \(69\) r5 = \*\(u16 \*\)\(r4 \+0\)/);
  assert.doesNotMatch(r.stdout, /UNEXPECTED/);
});

test('help lists the new subcommands', () => {
  const r = bpfkit('help');
  for (const name of ['asm', 'disasm', 'run', 'demo']) assert.match(r.stdout, new RegExp(`^  ${name} +\\S`, 'm'));
});
