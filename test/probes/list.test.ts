// `bpfkit -l PATTERN` against `bpftrace -l PATTERN`: the same probe names for tracepoints and
// uprobes (ELF function symbols), plus listings bpftrace 0.17 cannot produce checked against
// their sources (USDT notes as readelf shows them, software events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';
import { compileC } from '../kernel/fixtures.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));
const lines = (s: string): string[] => s.split('\n').filter((l) => l && !/RLIMIT_MEMLOCK|^WARNING/.test(l)).sort();
const bpfkit = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
const bpftrace = (...args: string[]) => spawnSync('bpftrace', args, { encoding: 'utf8', timeout: 60_000 });

for (const pattern of ['tracepoint:sched:*', 'uprobe:/bin/bash:read*', 't:syscalls:sys_enter_open*']) {
  test(`-l '${pattern}' lists what bpftrace lists`, needs('bpftrace'), () => {
    const ours = bpfkit('-l', pattern);
    assert.equal(ours.status, 0, ours.stderr);
    const theirs = bpftrace('-l', pattern);
    assert.equal(theirs.status, 0, theirs.stderr);
    const want = lines(theirs.stdout).map((l) => l.replace(/^t:/, 'tracepoint:'));
    assert.ok(want.length > 0);
    assert.deepEqual(lines(ours.stdout), want);
  });
}

test("-l 'usdt:BINARY:*' lists the binary's stapsdt notes", needs('gcc', 'readelf'), () => {
  const bin = compileC('usdt-list', `
#include <sys/sdt.h>
int main(int argc, char **argv) { STAP_PROBE1(alpha, one, argc); STAP_PROBE(alpha, two); STAP_PROBE(beta, one); return 0; }`);
  const ours = bpfkit('-l', `usdt:${bin}:*`);
  assert.equal(ours.status, 0, ours.stderr);
  assert.deepEqual(lines(ours.stdout), [`usdt:${bin}:alpha:one`, `usdt:${bin}:alpha:two`, `usdt:${bin}:beta:one`]);
  assert.deepEqual(lines(bpfkit('-l', `usdt:${bin}:alpha:*`).stdout), [`usdt:${bin}:alpha:one`, `usdt:${bin}:alpha:two`]);
});

test("-l 'software:*' and 'rawtracepoint:sched_switch' list from their sources", needs(), () => {
  const sw = lines(bpfkit('-l', 'software:*').stdout);
  assert.ok(sw.includes('software:cpu-clock:') && sw.includes('software:cs:'), sw.join(' '));
  assert.deepEqual(lines(bpfkit('-l', 'rawtracepoint:sched_switch').stdout), ['rawtracepoint:sched_switch']);
});
