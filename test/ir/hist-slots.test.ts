// hist() buckets are computed in the kernel: the slot the BPF code picks for a value must be the
// slot output/histogram.ts log2Slot() (the printer's reference) picks, for every k. Checked by
// running BEGIN programs through BPF_PROG_TEST_RUN and reading the per-CPU map back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { parse } from '../../src/lang/parser.js';
import { analyse } from '../../src/lang/semantic.js';
import { compileScript } from '../../src/ir/compile.js';
import { log2Slot } from '../../src/output/histogram.js';

const VALUES = [-5n, 0n, 1n, 2n, 3n, 4n, 5n, 7n, 8n, 9n, 15n, 16n, 17n, 100n, 1023n, 1024n, 1025n, 65535n, 1n << 20n, (1n << 32n) + 7n, (1n << 40n) - 1n, (1n << 62n) + 12345n];

for (const k of [0, 1, 2, 3, 5]) {
  test(`hist(n, ${k}) slots match log2Slot`, needs(), async () => {
    const { Session } = await import('../../src/runtime/session.js');
    const body = VALUES.map((v) => `@h[${v}] = hist(${v}, ${k});`).join(' ');
    const source = `BEGIN { ${body} }`;
    const ast = parse(source);
    analyse(ast, { source });
    const script = compileScript(ast, { source });
    const session = new Session(script, { format: 'text', write: () => {}, warn: () => {} });
    try {
      session.load();
      // Run BEGIN directly (the session's run() would also attach and wait).
      session.runOneShot('begin');
      const dump = session.dumpMaps().find((d) => d.name === '@h')!;
      assert.equal(dump.entries.length, VALUES.length);
      for (const e of dump.entries) {
        const key = e.key[0];
        assert.ok(key.kind === 'int' && e.value.kind === 'hist');
        const slot = e.value.buckets.findIndex((c) => c > 0n);
        assert.equal(slot, log2Slot(key.value, k), `value ${key.value}, k=${k}`);
      }
    } finally {
      session.close();
    }
  });
}

test('lhist buckets: below min, inside, at and above max', needs(), async () => {
  const { Session } = await import('../../src/runtime/session.js');
  const { dumpMap } = await import('../../src/runtime/map-dump.js');
  const values = [-1n, 0n, 9n, 10n, 55n, 99n, 100n, 1000n];
  const source = `BEGIN { ${values.map((v) => `@l[${v}] = lhist(${v}, 0, 100, 10);`).join(' ')} }`;
  const ast = parse(source);
  analyse(ast, { source });
  const script = compileScript(ast, { source });
  const session = new Session(script, { format: 'text', write: () => {}, warn: () => {} });
  try {
    session.load();
    session.runOneShot('begin');
    const dump = session.dumpMaps()[0];
    const want = (v: bigint): number => (v < 0n ? 0 : v >= 100n ? 11 : Number(v / 10n) + 1);
    for (const e of dump.entries) {
      const key = e.key[0];
      assert.ok(key.kind === 'int' && e.value.kind === 'lhist');
      assert.equal(e.value.buckets.findIndex((c) => c > 0n), want(key.value), `value ${key.value}`);
    }
  } finally {
    session.close();
  }
});
