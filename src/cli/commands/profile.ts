// `bpfkit profile [-p PID] [-d SECONDS] [-F HZ] [--flamegraph OUT.html]`: sample stacks at
// profile:hz:HZ for the whole system or one process and print folded stacks (`a;b;c 12`), or
// write a self-contained flame graph. User frames are named from each mapped file's ELF symbols
// and, for JIT code, /tmp/perf-PID.map (run Node.js with --perf-basic-prof).
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import type { Command } from '../main.js';
import { UserError } from '../../diagnostics.js';
import { profile } from '../../runtime/profiler.js';
import { formatFolded } from '../../output/folded.js';
import { flameGraphHtml } from '../../output/flamegraph.js';

const USAGE = `usage: bpfkit profile [-p PID] [-d SECONDS] [-F HZ] [--flamegraph OUT.html]
  -p PID             only this process (default: every process)
  -d SECONDS         how long to sample (default 10; Ctrl-C stops early)
  -F HZ              samples per second per CPU (default 99)
  --flamegraph FILE  write a self-contained HTML flame graph instead of folded stacks
`;

const positive = (text: string | undefined, what: string, dflt: number): number => {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new UserError(`${what} must be a positive number, not '${text}'\n${USAGE}`);
  return n;
};

const command: Command = {
  summary: 'sample CPU stacks (profile:hz:99) into folded stacks or a flame graph',
  async run(args: string[]): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({ args, strict: true, options: {
        p: { type: 'string' }, d: { type: 'string' }, F: { type: 'string' }, flamegraph: { type: 'string' }, h: { type: 'boolean' }, help: { type: 'boolean' },
      } }));
    } catch (e) { throw new UserError(`${(e as Error).message}\n${USAGE}`); }
    if (values.h || values.help) { process.stdout.write(USAGE); return 0; }
    const pid = values.p === undefined ? undefined : positive(values.p, '-p', 0);
    if (pid !== undefined && !Number.isInteger(pid)) throw new UserError(`-p expects a process id`);
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once('SIGINT', stop);
    try {
      const folded = await profile({ pid, hz: positive(values.F, '-F', 99), durationMs: positive(values.d, '-d', 10) * 1000, signal: abort.signal });
      if (values.flamegraph) writeFileSync(values.flamegraph, flameGraphHtml(folded, pid ? `bpfkit profile -p ${pid}` : 'bpfkit profile'));
      else process.stdout.write(formatFolded(folded));
      return 0;
    } finally {
      process.removeListener('SIGINT', stop);
    }
  },
};

export default command;
