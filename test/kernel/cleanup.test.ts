// Nothing of ours survives the process: a child holding a tracepoint link, a uprobe and a ring
// buffer reader is interrupted with SIGINT; afterwards bpftool lists none of its programs or
// links, tracefs has no uprobe of ours, and the child reports that the registry closed
// everything before the signal was re-raised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';
import { tracefsRoot } from '../../src/kernel/tracefs.js';
import { compileC, UPROBE_C } from './fixtures.js';

const dist = fileURLToPath(new URL('../../', import.meta.url));

interface BpftoolProg { id: number; name?: string }
interface BpftoolLink { id: number; prog_id: number }
const progs = (): BpftoolProg[] => JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' }) || '[]');
const links = (): BpftoolLink[] => JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' }) || '[]');

test('SIGINT: no program, link, perf event or uprobe of ours survives', needs('bpftool', 'gcc'), async () => {
  const tag = randomBytes(3).toString('hex');
  const bin = compileC('uprobe_target', UPROBE_C, ['-O1', '-g0']);
  const script = `
    import { writeSync } from 'node:fs';
    const k = await import(${JSON.stringify(dist + 'src/kernel/index.js')});
    const f = await import(${JSON.stringify(dist + 'test/kernel/fixtures.js')});
    // Registered first, so closed last: reports how much the registry left open.
    k.track({ close() { writeSync(1, 'closed-all open=' + k.openCount() + '\\n'); } });
    const counts = k.BpfMap.create(k.mapSpecs.hash('bpfkit_m${tag}', 4, 8, 64));
    const rb = k.BpfMap.create(k.mapSpecs.ringbuf('bpfkit_r${tag}', 1 << 16));
    const tp = k.Program.load({ name: 'bpfkit_t${tag}', type: k.ProgramType.TRACEPOINT, instructions: f.countByPidProgram().build() }, { counts });
    const up = k.Program.load({ name: 'bpfkit_u${tag}', type: k.ProgramType.KPROBE, instructions: f.countByPidProgram().build() }, { counts });
    k.TracepointLink.attach(tp, 'syscalls', 'sys_enter_getppid');
    k.UprobeLink.attach(up, { path: ${JSON.stringify(bin)}, symbol: 'bpfkit_target' });
    new k.RingBufReader(rb, () => {}).start();
    writeSync(1, 'ready\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const ready = new Promise<void>((resolve) => child.stdout!.on('data', (s: string) => { out += s; if (out.includes('ready')) resolve(); }));
  await Promise.race([ready, once(child, 'exit').then(() => { throw new Error(`child died: ${out}`); })]);

  const ours = progs().filter((p) => p.name?.endsWith(tag));
  assert.equal(ours.length, 2, 'both programs are loaded while the child runs');
  const ourIds = new Set(ours.map((p) => p.id));
  assert.equal(links().filter((l) => ourIds.has(l.prog_id)).length, 2, 'tracepoint and uprobe links are listed');

  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGINT', `re-raised SIGINT (code ${code})`);
  assert.match(out, /closed-all open=0/);

  // The kernel frees programs after an RCU grace period: give it a moment.
  let left: BpftoolProg[] = [];
  for (let i = 0; i < 50; i++) {
    left = progs().filter((p) => p.name?.endsWith(tag) || ourIds.has(p.id));
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(left, []);
  assert.deepEqual(links().filter((l) => ourIds.has(l.prog_id)), []);
  const uprobeEvents = readFileSync(`${tracefsRoot()}/uprobe_events`, 'utf8');
  assert.ok(!uprobeEvents.includes(bin), `uprobe_events mentions ${bin}: ${uprobeEvents}`);
});
