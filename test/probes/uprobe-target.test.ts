import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseLdCache, libraryMatches, resolveUprobeTarget, mappedFiles, UprobeTargetError } from '../../src/probes/uprobe/resolve-target.js';

test('library names match the way users write them', () => {
  assert.ok(libraryMatches('libc.so.6', 'libc'));
  assert.ok(libraryMatches('libc.so.6', 'c'));
  assert.ok(libraryMatches('libc.so.6', 'libc.so.6'));
  assert.ok(!libraryMatches('libcrypt.so.1', 'libc'));
  assert.ok(libraryMatches('libpthread-2.31.so', 'pthread'));
});

test('ld.so.cache agrees with ldconfig -p', { skip: existsSync('/etc/ld.so.cache') ? false : 'no ld.so.cache' }, () => {
  const entries = parseLdCache(new Uint8Array(readFileSync('/etc/ld.so.cache')));
  const oracle = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).split('\n').slice(1)
    .map((l) => /^\s*(\S+) .*=> (\S+)$/.exec(l)).filter((m): m is RegExpExecArray => !!m).map((m) => `${m[1]} ${m[2]}`);
  assert.ok(entries.length > 10);
  assert.deepEqual(entries.map((e) => `${e.name} ${e.path}`).sort(), oracle.sort());
});

test('libc, a program on PATH, an absolute path and a mapped file resolve; nonsense does not', () => {
  const libc = resolveUprobeTarget('libc');
  assert.match(libc, /libc\.so\.6$|libc-[\d.]+\.so$/);
  assert.equal(resolveUprobeTarget('sh'), realpathSync(execFileSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).trim()));
  assert.equal(resolveUprobeTarget('/bin/sh'), realpathSync('/bin/sh'));
  assert.ok(mappedFiles(process.pid).some((f) => f.includes('libc')));
  assert.match(resolveUprobeTarget('libc', { pid: process.pid }), /libc/);
  assert.throws(() => resolveUprobeTarget('no-such-thing-bpfkit'), UprobeTargetError);
});
