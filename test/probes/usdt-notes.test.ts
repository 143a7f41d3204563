import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStapsdtNotes } from '../../src/elf/usdt-notes.js';
import { needsPrograms } from '../support/environment.js';

const SOURCE = `#include <sys/sdt.h>
int main(int argc, char **argv) {
  long total = 0;
  for (int i = 0; i < 5; i++) { total += i; DTRACE_PROBE2(demo, tick, i, total); }
  DTRACE_PROBE1(demo, done, argc);
  return 0;
}`;

test('stapsdt notes of a <sys/sdt.h> program match readelf -n', needsPrograms('gcc', 'objcopy', 'readelf'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-usdt-'));
  try {
    writeFileSync(join(dir, 'p.c'), SOURCE);
    execFileSync('gcc', ['-O1', '-o', join(dir, 'p'), join(dir, 'p.c')]);
    execFileSync('objcopy', [`--dump-section=.note.stapsdt=${join(dir, 'notes.bin')}`, join(dir, 'p'), join(dir, 'p.copy')]);
    const probes = parseStapsdtNotes(new Uint8Array(readFileSync(join(dir, 'notes.bin'))));
    const oracle = execFileSync('readelf', ['-n', join(dir, 'p')], { encoding: 'utf8' });
    const expected = [...oracle.matchAll(/Provider: (\S+)\s+Name: (\S+)\s+Location: (0x[0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: (0x[0-9a-f]+)\s+Arguments: ([^\n]*)/g)]
      .map((m) => `${m[1]}:${m[2]} ${BigInt(m[3])} ${BigInt(m[4])} ${m[5].trim()}`);
    assert.deepEqual(probes.map((p) => `${p.provider}:${p.name} ${p.pc} ${p.semaphore} ${p.argText}`), expected);
    assert.equal(probes.length, 2);
    assert.equal(probes[0].arguments.length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('prelink adjustment moves pc and semaphore with .stapsdt.base', () => {
  const desc = new Uint8Array(24 + 'p\0n\0\0'.length);
  const dv = new DataView(desc.buffer);
  dv.setBigUint64(0, 0x1000n, true); dv.setBigUint64(8, 0x2000n, true); dv.setBigUint64(16, 0x3000n, true);
  desc.set(new TextEncoder().encode('p\0n\0\0'), 24);
  const note = new Uint8Array(12 + 8 + ((desc.length + 3) & ~3));
  const nv = new DataView(note.buffer);
  nv.setUint32(0, 8, true); nv.setUint32(4, desc.length, true); nv.setUint32(8, 3, true);
  note.set(new TextEncoder().encode('stapsdt\0'), 12);
  note.set(desc, 20);
  const [p] = parseStapsdtNotes(note, 0x2100n);
  assert.equal(p.pc, 0x1100n);
  assert.equal(p.semaphore, 0x3100n);
  assert.deepEqual(p.arguments, []);
});
