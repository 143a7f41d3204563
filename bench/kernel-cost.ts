// In-kernel cost of the code bpfkit generates, against bpftrace, same scripts, same workload:
// average run time per event (kernel.bpf_stats_enabled: run_time_ns / run_cnt) and the size of
// the programs after the verifier's rewriting (bpftool: bytes_xlated / 8 instructions, and JIT
// bytes). Prints figures only. Needs root, bpftool and (for the comparison) bpftrace.
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../bpfkit.cjs', import.meta.url));
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

// The five of the language issue, all on the same tracepoint under the same load (read(2): the
// tracers themselves never call it, so printf's output does not feed its own events); then three
// more that exercise other code paths (a tracepoint's string field, str(), sum into a scalar map).
const SCRIPTS = [
  'tracepoint:syscalls:sys_enter_read { @[comm] = count(); }',
  'tracepoint:syscalls:sys_enter_read { @ = hist(args->count); }',
  'tracepoint:syscalls:sys_enter_read { @[pid] = sum(args->count); }',
  'tracepoint:syscalls:sys_enter_read /comm == "dd"/ { @ = count(); }',
  'tracepoint:syscalls:sys_enter_read { printf("%d %s %d\\n", pid, comm, args->count); }',
  'tracepoint:sched:sched_switch { @[args->next_comm] = count(); }',
  'tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }',
  'tracepoint:raw_syscalls:sys_enter /pid == 1/ { @x = sum(args->id); }',
];

interface ProgInfo { id: number; run_time_ns: number; run_cnt: number; bytes_xlated: number; bytes_jited: number }

/**
 * The programs a process holds, from /proc/PID/fdinfo (prog_id, run_time_ns, run_cnt: works
 * with any bpftool build), sized with `bpftool prog show id N`.
 */
function programsOf(pid: number): ProgInfo[] {
  const out: ProgInfo[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try { link = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    if (link !== 'anon_inode:bpf-prog') continue;
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const field = (k: string): number => Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const id = field('prog_id');
    const r = spawnSync('bpftool', ['-j', 'prog', 'show', 'id', String(id)], { encoding: 'utf8' });
    const shown = r.status === 0 ? JSON.parse(r.stdout) as { bytes_xlated?: number; bytes_jited?: number } : {};
    out.push({ id, run_time_ns: field('run_time_ns'), run_cnt: field('run_cnt'), bytes_xlated: shown.bytes_xlated ?? 0, bytes_jited: shown.bytes_jited ?? 0 });
  }
  return out;
}

function workload(): void {
  spawnSync('sh', ['-c', 'dd if=/dev/zero of=/dev/null bs=512 count=20000 status=none; for i in $(seq 50); do cat /etc/hostname >/dev/null; done']);
}

async function measure(argv: string[]): Promise<{ nsPerRun: number; runs: number; insns: number; jited: number }> {
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  // Output is read and dropped (a tracer blocked on a full pipe would skew its figures); only
  // what comes before the attach message is kept, to say why when a tracer fails.
  let out = '';
  let attached = false;
  const keep = (d: Buffer): void => { if (!attached) out += d; };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  try {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${argv.join(' ')}: not attached after 30s: ${out}`)), 30_000);
      const check = (): void => { if (!attached && /Attach(ed|ing) \d+ probe/.test(out)) { attached = true; clearTimeout(t); resolve(); } };
      child.stdout!.on('data', check);
      child.on('exit', () => reject(new Error(`${argv.join(' ')} exited: ${out}`)));
    });
    workload();
    // Only programs that actually ran (bpftrace also loads helper programs of its own).
    const progs = programsOf(child.pid!).filter((p) => (p.run_cnt ?? 0) > 0);
    const runs = progs.reduce((a, p) => a + (p.run_cnt ?? 0), 0);
    const ns = progs.reduce((a, p) => a + (p.run_time_ns ?? 0), 0);
    return {
      nsPerRun: runs ? ns / runs : 0,
      runs,
      insns: progs.reduce((a, p) => a + (p.bytes_xlated ?? 0) / 8, 0),
      jited: progs.reduce((a, p) => a + (p.bytes_jited ?? 0), 0),
    };
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.on('exit', r)));
  }
}

async function main(): Promise<void> {
  const before = readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, '1');
  const haveBpftrace = spawnSync('sh', ['-c', 'command -v bpftrace'], { stdio: 'ignore' }).status === 0;
  try {
    console.log('kernel cost per event (bpf_stats) and program size after verification (xlated insns / JIT bytes)');
    for (const s of SCRIPTS) {
      console.log(s);
      const ours = await measure([process.execPath, MAIN, '-e', s]);
      console.log(`  bpfkit   ${ours.nsPerRun.toFixed(0).padStart(6)} ns/run  ${String(ours.runs).padStart(8)} runs  ${String(ours.insns).padStart(5)} insns  ${String(ours.jited).padStart(6)} JIT bytes`);
      if (!haveBpftrace) continue;
      const theirs = await measure(['bpftrace', '-e', s]);
      console.log(`  bpftrace ${theirs.nsPerRun.toFixed(0).padStart(6)} ns/run  ${String(theirs.runs).padStart(8)} runs  ${String(theirs.insns).padStart(5)} insns  ${String(theirs.jited).padStart(6)} JIT bytes`);
      console.log(`  ratio    ${(ours.nsPerRun / theirs.nsPerRun).toFixed(2).padStart(6)}x ns/run${''.padStart(16)}${(ours.insns / theirs.insns).toFixed(2).padStart(6)}x insns`);
    }
  } finally {
    writeFileSync(STATS, before);
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
