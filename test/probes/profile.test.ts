// `bpfkit profile`: sampling a Node.js process that spins in a named JavaScript function, run
// with --perf-basic-prof so V8 writes /tmp/perf-PID.map. The JIT frame must come out named in
// the folded stacks (bpftrace 0.17 prints such frames as bare addresses), and the flame graph
// must be a self-contained HTML file carrying the same frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));

const SPIN_JS = `
function spinInNamedFunction(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; return x; }
const end = Date.now() + Number(process.argv[2]);
let s = 0;
while (Date.now() < end) s += spinInNamedFunction(1e6);
console.log(s > 0 ? 'done' : 'done');
`;

test('profile -p: folded stacks of a Node.js process name its spinning JS function', needs(), async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-profile-'));
  const script = join(dir, 'spin.js');
  writeFileSync(script, SPIN_JS);
  const child = spawn(process.execPath, ['--perf-basic-prof', script, '30000'], { stdio: 'ignore' });
  try {
    // Let V8 optimize the function and write its perf map entry.
    await new Promise((r) => setTimeout(r, 1000));
    const html = join(dir, 'flame.html');
    const folded = spawnSync(process.execPath, [MAIN, 'profile', '-p', String(child.pid), '-d', '1.5'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(folded.status, 0, folded.stderr);
    const lines = folded.stdout.trim().split('\n');
    for (const l of lines) assert.match(l, /^node;.+ \d+$/, 'folded format: comm;frames COUNT');
    const hits = lines.filter((l) => /JS:\*?spinInNamedFunction/.test(l)).reduce((n, l) => n + Number(/ (\d+)$/.exec(l)![1]), 0);
    const total = lines.reduce((n, l) => n + Number(/ (\d+)$/.exec(l)![1]), 0);
    // Samples land only while the spinner is on a CPU: on a shared machine that is not all the time.
    assert.ok(total > 10, `only ${total} samples in 1.5 s at 99 Hz`);
    assert.ok(hits > total / 2, `spinInNamedFunction in ${hits} of ${total} samples:\n${folded.stdout.slice(0, 2000)}`);
    const fg = spawnSync(process.execPath, [MAIN, 'profile', '-p', String(child.pid), '-d', '1', '--flamegraph', html], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(fg.status, 0, fg.stderr);
    assert.ok(existsSync(html));
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/i);
    assert.match(page, /spinInNamedFunction/);
    assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=/, 'self-contained');
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
});

test('ustack in a script names JIT frames from /tmp/perf-PID.map (bpftrace 0.17 prints addresses)', needs(), async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-ustack-'));
  const script = join(dir, 'spin.js');
  writeFileSync(script, SPIN_JS);
  const child = spawn(process.execPath, ['--perf-basic-prof', script, '30000'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const r = spawnSync(process.execPath, [MAIN, '-e', `profile:hz:99 /pid == ${child.pid}/ { @[ustack(1)] = count(); } interval:s:1 { exit(); }`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const named = [...r.stdout.matchAll(/^\s+JS:\*?spinInNamedFunction[^\n]*\+\d+\n\]: (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    assert.ok(named > 0, r.stdout.slice(0, 3000));
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  }
});
