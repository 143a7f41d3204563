// The session's life cycle around the script: Ctrl-C prints the maps and exits 0 like bpftrace,
// -o writes the output to a file, -l lists tracepoints, -d shows script lines, and nothing
// (programs, maps, perf events) is left in the kernel afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs, needsPrograms } from '../support/environment.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));

/** Ids of the BPF programs a process holds (from /proc/PID/fdinfo). */
function programIds(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      ids.push(Number(/^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))![1]));
    } catch { /* fd closed meanwhile */ }
  }
  return ids;
}

const programExists = (id: number): boolean => spawnSync('bpftool', ['prog', 'show', 'id', String(id)], { stdio: 'ignore' }).status === 0;

async function startTracing(program: string): Promise<{ child: ReturnType<typeof spawn>; out: () => string; err: () => string }> {
  const child = spawn(process.execPath, [MAIN, '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no attach line: ${err}`)), 20_000);
    child.stdout!.on('data', () => { if (/Attached \d+ probes?/.test(out)) { clearTimeout(t); resolve(); } });
  });
  return { child, out: () => out, err: () => err };
}

test('Ctrl-C runs END, prints the maps, exits 0 and unloads every program', needs('bpftool'), async () => {
  const { child, out, err } = await startTracing('tracepoint:sched:sched_switch { @switches = count(); } END { printf("end ran\\n"); }');
  await new Promise((r) => setTimeout(r, 300));
  const ids = programIds(child.pid!);
  assert.equal(ids.length, 2);
  assert.ok(ids.every(programExists));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, err());
  assert.match(out(), /end ran\n\n\n@switches: \d+\n$/);
  assert.deepEqual(ids.filter(programExists), []);
});

test('a script with nothing to print keeps tracing until interrupted', needs(), async () => {
  const { child, out, err } = await startTracing('tracepoint:sched:sched_switch { @s = count(); }');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(child.exitCode, null, `exited early: ${out()} ${err()}`);
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, err());
  assert.match(out(), /\n\n@s: \d+\n$/);
});

test('-o writes the output to a file', needs(), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-o-'));
  try {
    const file = join(dir, 'out.txt');
    const r = spawnSync(process.execPath, [MAIN, '-q', '-o', file, '-e', 'BEGIN { printf("to file\\n"); @x = 3; exit(); }'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(file, 'utf8'), 'to file\n\n\n@x: 3\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-l lists matching tracepoints like bpftrace', needs('bpftrace'), () => {
  const ours = spawnSync(process.execPath, [MAIN, '-l', 'tracepoint:sched:sched_switch*'], { encoding: 'utf8' });
  const theirs = spawnSync('bpftrace', ['-l', 'tracepoint:sched:sched_switch*'], { encoding: 'utf8' });
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(ours.stdout, theirs.stdout);
});

test('-d prints IR and instructions annotated with script locations', needsPrograms(), () => {
  const r = spawnSync(process.execPath, [MAIN, '-d', '-e', 'BEGIN {\n  $x = 6 * 7;\n  printf("%d\\n", $x);\n}'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /IR for BEGIN:/);
  assert.match(r.stdout, /; 2:3 \$x = 6 \* 7/);
  assert.match(r.stdout, /; 3:3 printf\("%d\\n", \$x\)/);
  assert.match(r.stdout, /call bpf_ringbuf_output#130/);
});
