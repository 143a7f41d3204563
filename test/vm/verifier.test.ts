// The static verifier against the kernel's: every unsafe program in verifier-cases.ts must be
// rejected by ours with the kernel's message, and (as root) by the kernel with the same message,
// so the expected texts are checked against the real thing, not our memory of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../../src/isa/encoding.js';
import { Instruction } from '../../src/isa/instruction.js';
import { verify, VerifierError, XDP_CONTEXT, MapInfo } from '../../src/vm/verifier/index.js';
import { needs } from '../support/environment.js';
import { SAFE, UNSAFE } from './verifier-cases.js';

export const TEST_MAPS: Record<number, MapInfo> = {
  1: { handle: 1, name: 'hash', kind: 'hash', keySize: 4, valueSize: 16, maxEntries: 16 },
  2: { handle: 2, name: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 },
  3: { handle: 3, name: 'array', kind: 'array', keySize: 4, valueSize: 16, maxEntries: 1 },
};
const opts = { context: XDP_CONTEXT, maps: (h: number) => TEST_MAPS[h] };

function ourReason(program: Instruction[]): string {
  try {
    verify(program, opts);
  } catch (e) {
    if (e instanceof VerifierError) return e.reason;
    throw e;
  }
  return 'ACCEPTED';
}

test(`at least 60 unsafe programs are listed`, () => {
  assert.ok(UNSAFE.length >= 60, `${UNSAFE.length} cases`);
});

for (const c of UNSAFE) {
  test(`rejects: ${c.name}`, () => {
    const reason = ourReason(c.program);
    assert.ok(reason.includes(c.message), `expected "${c.message}", got "${reason}"`);
  });
}

for (const c of SAFE) {
  test(`accepts: ${c.name}`, () => {
    assert.equal(ourReason(c.program), 'ACCEPTED');
  });
}

test('safe accesses are reported for the JIT', () => {
  const v = verify(SAFE[0].program, opts);
  // pkt(): two context loads at 0 and 1; the packet read at slot 5.
  assert.deepEqual([...v.safeAccesses].sort((a, b) => a - b), [0, 1, 5]);
});

test('the kernel verifier agrees: same message for every unsafe program, accepts the safe ones', needs('gcc'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-verifier-'));
  try {
    const source = fileURLToPath(new URL('../../../test/vm/kernel-verifier-loader.c', import.meta.url));
    const loader = join(dir, 'loader');
    execFileSync('gcc', ['-O1', '-o', loader, source]);
    const mismatches: string[] = [];
    for (const c of UNSAFE) {
      const hex = Buffer.from(encode(c.program)).toString('hex');
      const out = spawnSync(loader, [String(c.progType ?? 6)], { input: hex, encoding: 'utf8', maxBuffer: 1 << 26 });
      const log = out.stdout;
      if (c.kernel === 'accepts' ? !log.startsWith('ACCEPT') : !log.startsWith('REJECT') || !log.includes(c.message)) {
        mismatches.push(`${c.name}: kernel said ${JSON.stringify(log.split('\n').slice(-4).join(' | '))}`);
      }
    }
    for (const c of SAFE) {
      const out = spawnSync(loader, ['6'], { input: Buffer.from(encode(c.program)).toString('hex'), encoding: 'utf8' });
      if (!out.stdout.startsWith('ACCEPT')) mismatches.push(`${c.name}: kernel rejected: ${out.stdout.split('\n').slice(-3).join(' | ')}`);
    }
    assert.deepEqual(mismatches, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('random instruction soup never crashes the verifier: it accepts or says why not', () => {
  let seed = 12345;
  const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  const codes = [0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd4, 0xdc,
    0x04, 0x0c, 0x14, 0x24, 0x34, 0x3c, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0x9c, 0xa4, 0xb4, 0xbc, 0xc4,
    0x61, 0x69, 0x71, 0x79, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb, 0x81, 0x89, 0x91,
    0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x45, 0x55, 0x5d, 0x65, 0x75, 0xa5, 0xad, 0xb5, 0xc5, 0xd5, 0x16, 0x1e, 0x26, 0xa6, 0x85, 0x95, 0x8d, 0x06, 0x96,
    0x00, 0x20, 0x28, 0x30, 0x40, 0xe5, 0xf7, 0xff];
  let accepted = 0;
  for (let n = 0; n < 3000; n++) {
    const len = 1 + rnd(12);
    const program: Instruction[] = [];
    for (let i = 0; i < len; i++) {
      const code = codes[rnd(codes.length)];
      const imm = [0, 1, -1, 8, 64, 0x7fffffff, rnd(1 << 16) - 32768, 0xe1, 0xf1, 1][rnd(10)];
      program.push({ code, dst: rnd(12), src: rnd(12), off: [0, 1, -1, -8, 2, -4, 4, -512, 3][rnd(9)], imm });
    }
    program.push({ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
    try {
      // Alternate raw soup with well-formed random programs (which often are valid).
      verify(n % 2 ? program : randomProgram(rnd), { ...opts, insnLimit: 20000 });
      accepted++;
    } catch (e) {
      if (!(e instanceof VerifierError)) throw new Error(`crash on ${JSON.stringify(program)}: ${(e as Error).stack}`);
    }
  }
  assert.ok(accepted > 0, 'some random programs are valid');
});

/** Small random programs over ALU, loads/stores, atomics and jumps, with their unused fields clear. */
function randomProgram(rnd: (n: number) => number): Instruction[] {
  const codes = [0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f, 0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd4, 0xdc,
    0x04, 0x0c, 0x14, 0x24, 0x34, 0x3c, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0x9c, 0xa4, 0xb4, 0xbc, 0xc4,
    0x61, 0x69, 0x71, 0x79, 0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xdb,
    0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x45, 0x55, 0x5d, 0x65, 0x75, 0xa5, 0xad, 0xb5, 0xc5, 0xd5, 0x16, 0x1e, 0x26, 0xa6, 0x95];
  const I = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({ code, dst, src, off, imm });
  const program = [I(0xb7, 2, 0, 0, 5), I(0xb7, 3, 0, 0, -3), I(0xbf, 6, 1, 0, 0), I(0xbf, 7, 10, 0, 0), I(0xb7, 0, 0, 0, 0), I(0x7a, 10, 0, -8, 0)];
  const regs = [0, 1, 2, 6, 7, 10, 3];
  const len = 2 + rnd(10);
  for (let i = 0; i < len; i++) {
    const code = codes[rnd(codes.length)];
    const cls = code & 7, x = code & 8, isJump = cls === 5 || cls === 6;
    const insn = I(code, regs[rnd(7)], regs[rnd(7)], isJump ? rnd(3) : [0, 1, -1, -8, 2, -4, 4, -16, 8][rnd(9)],
      (code & 0xe7) === 0xc3 ? [0, 1, 0x40, 0x41, 0xe1, 0xf1][rnd(6)] : [0, 1, -1, 8, 64, 3, rnd(64) - 16, 0xe1, 0xf1, 1, 24, -8][rnd(12)]);
    if (cls === 4 || cls === 7) {
      insn.off = 0;
      if (x) insn.imm = 0; else insn.src = 0;
      if ((code & 0xf0) === 0xd0) { insn.imm = [16, 32, 64][rnd(3)]; insn.src = 0; }
      if ((code & 0xf0) === 0x80) { insn.imm = 0; insn.src = 0; }
    }
    if (cls === 1 || (cls === 3 && (code & 0xe0) === 0x60)) insn.imm = 0;
    if (cls === 2) insn.src = 0;
    if (isJump) { if (x) insn.imm = 0; else insn.src = 0; }
    program.push(insn);
  }
  program.push(I(0xb7, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0));
  return program;
}

test('the kernel verifier gives the same verdict on 1500 random programs', needs('gcc'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-verifier-'));
  try {
    const source = fileURLToPath(new URL('../../../test/vm/kernel-verifier-loader.c', import.meta.url));
    const loader = join(dir, 'loader');
    execFileSync('gcc', ['-O1', '-o', loader, source]);
    let seed = 20261123;
    const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    const disagreements: string[] = [];
    let accepted = 0;
    for (let n = 0; n < 1500; n++) {
      const program = randomProgram(rnd);
      const ours = ourReason(program);
      const out = spawnSync(loader, ['6'], { input: Buffer.from(encode(program)).toString('hex'), encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
      const kernelAccepts = out.startsWith('ACCEPT');
      if ((ours === 'ACCEPTED') === kernelAccepts) { if (kernelAccepts) accepted++; continue; }
      // Known, deliberate differences: we refuse uninitialised stack reads (root may do them in
      // the kernel) and pointers as return values (XDP does not check R0).
      if (kernelAccepts && /read from stack|At program exit/.test(ours)) continue;
      disagreements.push(`ours: ${ours}; kernel: ${kernelAccepts ? 'accepts' : out.trim().split('\n').slice(-2, -1)[0]}; ${program.map((i) => [i.code.toString(16), i.dst, i.src, i.off, i.imm].join(',')).join(' ')}`);
    }
    assert.deepEqual(disagreements.slice(0, 5), []);
    assert.ok(accepted > 50, `only ${accepted} random programs valid: the comparison would prove little`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
