// Kernel-path figures (printed, never asserted):
//  1. time to load and attach one tracepoint program;
//  2. records per second the ring-buffer reader takes from a C load generator that calls
//     getppid() in a loop, and how many were dropped;
//  3. the same load under `bpftrace -e` printing one line per event.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ProgramBuilder, R0, R1, R2, R3, R4, R10 } from '../src/isa/builder.js';
import { Helper } from '../src/isa/helpers.js';
import { BpfMap, mapSpecs } from '../src/kernel/maps.js';
import { Program, ProgramType } from '../src/kernel/programs.js';
import { TracepointLink } from '../src/kernel/links/tracepoint.js';
import { RingBufReader } from '../src/kernel/readers/ringbuf.js';
import { u32, sumPerCpuU64 } from '../src/kernel/codecs.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const GEN_C = `
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  long ms = atol(argv[1]); char c; struct timespec t0, t;
  if (read(0, &c, 1) != 1) return 1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long n = 0;
  for (;;) {
    for (int i = 0; i < 256; i++) syscall(SYS_getppid);
    n += 256;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms) break;
  }
  printf("%ld\\n", n);
  return 0;
}`;
writeFileSync(join(dir, 'gen.c'), GEN_C);
const gen = join(dir, 'gen');
execFileSync('gcc', ['-O2', '-o', gen, join(dir, 'gen.c')]);

function spawnGen() {
  const child = spawn(gen, [String(DURATION_MS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  return {
    pid: child.pid!,
    go: () => child.stdin!.write('g'),
    done: once(child, 'exit').then(() => Number(out.trim())),
  };
}

/** Emit the u64 pid_tgid of calls from cfg[0]'s process into `events`; count failures in drops. */
function emitProgram() {
  return new ProgramBuilder()
    .st('w', R10, -4, 0).ldMap(R1, 'cfg').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').ldx('w', R1, R0, 0).stx('dw', R10, -16, R1)
    .call(Helper.get_current_pid_tgid).stx('dw', R10, -24, R0).alu64('rsh', R0, 32)
    .ldx('dw', R1, R10, -16).jmp('jne', R0, R1, 'out')
    .ldMap(R1, 'events').mov64(R2, R10).add64(R2, -24).mov64(R3, 8).mov64(R4, 0).call(Helper.ringbuf_output)
    .jmp('jeq', R0, 0, 'out')
    .st('w', R10, -4, 0).ldMap(R1, 'drops').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').mov64(R0, 0).exit().build();
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

// 1. load + attach
{
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_b', 4, 8, 1024));
  const insns = new ProgramBuilder().mov64(R0, 0).exit().build();
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = process.hrtime.bigint();
    const p = Program.load({ name: 'bpfkit_bench', type: ProgramType.TRACEPOINT, instructions: insns }, { counts });
    const l = TracepointLink.attach(p, 'syscalls', 'sys_enter_getppid');
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    l.close();
    p.close();
  }
  counts.close();
  times.sort((a, b) => a - b);
  console.log(`load + attach one tracepoint program: median ${times[15].toFixed(3)} ms, min ${times[0].toFixed(3)} ms (30 runs)`);
}

// 2. ring buffer reader
async function ringbufRun(printLines: boolean, drainAfter = false) {
  const maps = {
    events: BpfMap.create(mapSpecs.ringbuf('bpfkit_events', 64 << 20)),
    cfg: BpfMap.create(mapSpecs.array('bpfkit_cfg', 4, 1)),
    drops: BpfMap.create(mapSpecs.percpuArray('bpfkit_drops', 8, 1)),
  };
  const prog = Program.load({ name: 'bpfkit_bench_rb', type: ProgramType.TRACEPOINT, instructions: emitProgram() }, maps);
  const link = TracepointLink.attach(prog, 'syscalls', 'sys_enter_getppid');
  const sink = openSync('/dev/null', 'w');
  let received = 0;
  let pending: string[] = [];
  const reader = new RingBufReader(maps.events, (data) => {
    received++;
    if (printLines) {
      pending.push(`${new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true) >> 32n}\n`);
      if (pending.length >= 4096) { writeSync(sink, pending.join('')); pending = []; }
    }
  });
  const g = spawnGen();
  maps.cfg.update(u32.encode(0), u32.encode(g.pid));
  if (!drainAfter) reader.start();
  let t0 = process.hrtime.bigint();
  g.go();
  const sent = await g.done;
  if (drainAfter) t0 = process.hrtime.bigint(); // time only the reader emptying a full ring
  reader.poll();
  if (pending.length) writeSync(sink, pending.join(''));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const dropped = Number(sumPerCpuU64(maps.drops, u32.encode(0)));
  reader.close(); link.close(); prog.close(); closeSync(sink);
  for (const m of Object.values(maps)) m.close();
  return { sent, received, dropped, secs };
}

{
  const g = spawnGen();
  g.go();
  const sent = await g.done;
  console.log(`load generator alone (getppid loop, nothing attached): ${fmt(sent / (DURATION_MS / 1000))} calls/s`);
}
for (const printLines of [false, true]) {
  const r = await ringbufRun(printLines);
  console.log(`bpfkit ring buffer${printLines ? ' + one line per event' : ''}: ${fmt(r.received / r.secs)} records/s received, ` +
    `${fmt(r.sent)} sent, ${fmt(r.received)} received, ${fmt(r.dropped)} dropped in ${r.secs.toFixed(2)} s`);
}

{
  // The reader's own capacity: let the ring fill with nobody reading, then time one drain.
  const r = await ringbufRun(false, true);
  console.log(`bpfkit ring buffer drain of a filled ring: ${fmt(r.received / r.secs)} records/s (${fmt(r.received)} records in ${(r.secs * 1000).toFixed(1)} ms, ${fmt(r.dropped)} dropped while unread)`);
}

// 3. bpftrace on the same load
try {
  const g = spawnGen();
  const bt = spawn('bpftrace', ['-e', `tracepoint:syscalls:sys_enter_getppid /pid == ${g.pid}/ { printf("%d\\n", pid); }`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0, lost = 0, stderr = '', attached = false;
  let resolveAttached: () => void;
  const ready = new Promise<void>((r) => { resolveAttached = r; });
  bt.stdout!.setEncoding('utf8');
  bt.stdout!.on('data', (s: string) => {
    for (const m of s.matchAll(/Lost (\d+) events/g)) lost += Number(m[1]);
    lines += (s.match(/^\d+$/gm) ?? []).length;
    if (!attached && s.includes('Attaching')) { attached = true; resolveAttached(); }
  });
  bt.stderr!.on('data', (d) => { stderr += d; for (const m of String(d).matchAll(/Lost (\d+) events/g)) lost += Number(m[1]); if (!attached && String(d).includes('Attaching')) { attached = true; resolveAttached(); } });
  await Promise.race([ready, once(bt, 'exit')]);
  await new Promise((r) => setTimeout(r, 200));
  const t0 = process.hrtime.bigint();
  g.go();
  const sent = await g.done;
  await new Promise((r) => setTimeout(r, 500)); // let bpftrace drain
  const secs = Number(process.hrtime.bigint() - t0) / 1e9 - 0.5;
  bt.kill('SIGINT');
  await once(bt, 'exit');
  console.log(`bpftrace -e printf per event:      ${fmt(lines / secs)} lines/s printed, ${fmt(sent)} sent, ${fmt(lines)} printed, ${fmt(lost)} reported lost in ${secs.toFixed(2)} s` +
    (stderr.trim() && !attached ? ` (bpftrace: ${stderr.trim().split('\n')[0]})` : ''));
} catch (e) {
  console.log(`bpftrace: not run (${(e as Error).message})`);
}
