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
