// The `bpfkit` executable (src/cli/launcher.cts): it runs the bundle through V8's code cache.
// Checked on a copy of the built launcher and bundle, so the build's own cache is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const nodeModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));

function copyOfBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-launcher-'));
  for (const f of ['bpfkit.cjs', 'bpfkit.bundle.cjs']) copyFileSync(join(dist, f), join(dir, f));
  symlinkSync(nodeModules, join(dir, 'node_modules')); // koffi, as from the real install
  return dir;
}

const asmHelp = (dir: string) => spawnSync(process.execPath, [join(dir, 'bpfkit.cjs'), 'disasm', '--help'], { encoding: 'utf8' });
const stampOf = (dir: string): string => readFileSync(join(dir, 'bpfkit.bundle.cjs.cache'), 'latin1').split('\n', 1)[0];

test('the first run saves a code cache stamped with the bundle; a changed bundle gets a new one', () => {
  const dir = copyOfBuild();
  try {
    const first = asmHelp(dir);
    assert.equal(first.status, 0, first.stderr);
    const cache = join(dir, 'bpfkit.bundle.cjs.cache');
    assert.ok(existsSync(cache), 'no cache written');
    const bundle = statSync(join(dir, 'bpfkit.bundle.cjs'));
    assert.equal(stampOf(dir), `${bundle.size}:${bundle.mtimeMs}`);

    // A second run uses the cache and leaves it as it is.
    const before = statSync(cache).mtimeMs;
    const second = asmHelp(dir);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(cache).mtimeMs, before);

    // A rebuilt bundle: the old cache is not used (V8 alone would accept it for a bundle of the
    // same length), and is replaced.
    appendFileSync(join(dir, 'bpfkit.bundle.cjs'), '\n// rebuilt\n');
    const third = asmHelp(dir);
    assert.equal(third.status, 0, third.stderr);
    assert.equal(third.stdout, first.stdout);
    const rebuilt = statSync(join(dir, 'bpfkit.bundle.cjs'));
    assert.equal(stampOf(dir), `${rebuilt.size}:${rebuilt.mtimeMs}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache that is garbage is ignored and rewritten, not trusted', () => {
  const dir = copyOfBuild();
  try {
    const bundle = statSync(join(dir, 'bpfkit.bundle.cjs'));
    appendFileSync(join(dir, 'bpfkit.bundle.cjs.cache'), `${bundle.size}:${bundle.mtimeMs}\nnot a V8 code cache`);
    const r = asmHelp(dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /disasm/);
    assert.ok(statSync(join(dir, 'bpfkit.bundle.cjs.cache')).size > 10_000, 'the rejected cache was not replaced');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
