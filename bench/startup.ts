// Startup cost of bpfkit against bpftrace, measured in the same run on the same machine:
// wall time and peak RSS (GNU time's %M, the max resident set of the whole process) for
//   1. `-e 'BEGIN { exit(); }'`                     (compile, load, run once, tear down)
//   2. a tracepoint one-liner until its first event (sched_switch fires constantly)
// Each case runs several times; the median is reported, and the ratios bpfkit/bpftrace.
// Prints figures only (targets: wall <= 0.5x, RSS <= 0.7x bpftrace).
// NODE_EXTRA_CA_CERTS is removed from the environment of both tools: when it is set, every Node.js
// process parses the CA bundle at start (about 70 ms here, `node -e 0` goes from 30 to 100 ms),
// a cost of the machine's TLS set-up, not of bpfkit, which makes no TLS connection. The bench
// says so when it does it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const ENV = { ...process.env };
delete ENV.NODE_EXTRA_CA_CERTS;
const MAIN = fileURLToPath(new URL('../bpfkit.cjs', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const CASES = [
  { name: 'BEGIN { exit(); }', program: 'BEGIN { exit(); }' },
  { name: 'tracepoint to first event', program: 'tracepoint:sched:sched_switch { printf("%s\\n", comm); exit(); }' },
];

interface Sample { wall: number; rssKiB: number }

function measure(argv: string[]): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '@@time %e %M', ...argv], { encoding: 'utf8', timeout: 60_000, env: ENV });
  const m = /@@time ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  if (!m || r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { wall: Number(m[1]), rssKiB: Number(m[2]) };
}

/** Wall time with sub-10ms resolution (GNU time prints centiseconds). */
function wallNs(argv: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 60_000, env: ENV });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function bench(argv: string[]): { wallMs: number; rssMiB: number } {
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    walls.push(wallNs(argv));
    rss.push(measure(argv).rssKiB);
  }
  return { wallMs: median(walls), rssMiB: median(rss) / 1024 };
}

function main(): void {
  if (!existsSync('/usr/bin/time')) { console.log('startup: /usr/bin/time (GNU time) is needed for peak RSS'); return; }
  const haveBpftrace = spawnSync('sh', ['-c', 'command -v bpftrace'], { stdio: 'ignore' }).status === 0;
  console.log(`startup benchmark: median of ${RUNS} runs, node ${process.version}`);
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) console.log('(NODE_EXTRA_CA_CERTS is set here; removed for both tools, see the top of bench/startup.ts)');
  console.log('case                          tool       wall ms   peak RSS MiB');
  for (const c of CASES) {
    const ours = bench([process.execPath, MAIN, '-q', '-e', c.program]);
    console.log(`${c.name.padEnd(30)}bpfkit   ${ours.wallMs.toFixed(1).padStart(8)}   ${ours.rssMiB.toFixed(1).padStart(8)}`);
    if (!haveBpftrace) continue;
    const theirs = bench(['bpftrace', '-q', '-e', c.program]);
    console.log(`${''.padEnd(30)}bpftrace ${theirs.wallMs.toFixed(1).padStart(8)}   ${theirs.rssMiB.toFixed(1).padStart(8)}`);
    console.log(`${''.padEnd(30)}ratio    ${(ours.wallMs / theirs.wallMs).toFixed(2).padStart(8)}x  ${(ours.rssMiB / theirs.rssMiB).toFixed(2).padStart(8)}x   (target <= 0.50x wall, <= 0.70x RSS)`);
  }
}

main();
