// Running one oracle script under bpftrace (0.17, the installed oracle) or bpfkit, the same way:
// same flags, same positional parameters, same deterministic workload (-c).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBpftrace017Source } from './differences.js';

/** Source tree locations (tests run from dist/, the scripts stay in test/). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const oracleDir = join(repoRoot, 'test/lang/oracle');
export const scriptsDir = join(oracleDir, 'scripts');
export const bpfkitMain = join(repoRoot, 'dist/bpfkit.cjs');

/** The optional NNN-name.json next to a script. */
export interface Sidecar {
  /** Positional parameters ($1, $2, ...), after the script. */
  readonly args?: readonly string[];
  /** Arguments of the workload program (see workload.c), run with -c. */
  readonly workload?: readonly string[];
  /** Extra flags before the script, e.g. ["-f", "json"]. */
  readonly flags?: readonly string[];
  /** false: bpftrace 0.17 cannot run it; the .out was written by hand from the current docs. */
  readonly live?: boolean;
  /** Why it is not live (required when live is false). */
  readonly reason?: string;
  /** Expected exit status (default 0). */
  readonly exitCode?: number;
}

export interface OracleScript {
  readonly name: string;
  readonly path: string;
  readonly source: string;
  readonly sidecar: Sidecar;
  readonly expectedPath: string;
  readonly format: 'text' | 'json';
}

export function listScripts(): OracleScript[] {
  return readdirSync(scriptsDir)
    .filter((f) => f.endsWith('.bt'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -3);
      const path = join(scriptsDir, f);
      const sidecarPath = join(scriptsDir, `${name}.json`);
      const sidecar: Sidecar = existsSync(sidecarPath) ? JSON.parse(readFileSync(sidecarPath, 'utf8')) : {};
      const flags = sidecar.flags ?? [];
      const fi = flags.indexOf('-f');
      return {
        name,
        path,
        source: readFileSync(path, 'utf8'),
        sidecar,
        expectedPath: join(scriptsDir, `${name}.out`),
        format: fi >= 0 && flags[fi + 1] === 'json' ? 'json' : 'text',
      };
    });
}

let workloadPath: string | undefined;

/**
 * The workload's process name. Unique per test process, because tracepoints see every process
 * on the machine: another suite running the same workload at the same time must not add to
 * this run's counts. Scripts write it as @COMM@ (15 characters at most, the kernel's limit).
 */
export const workloadComm = `oracle_${process.pid.toString(36)}`.slice(0, 15);
export const COMM_PLACEHOLDER = '@COMM@';

/**
 * Compile workload.c once per process, named workloadComm. Static, so the dynamic loader adds
 * no syscalls of its own (no openat of ld.so.cache and libc).
 */
export function workload(): string {
  if (workloadPath) return workloadPath;
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-oracle-'));
  const out = join(dir, workloadComm);
  const r = spawnSync('gcc', ['-O1', '-static', '-o', out, join(oracleDir, 'workload.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot build the oracle workload (gcc -static): ${r.stderr}`);
  workloadPath = out;
  return out;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
  readonly signal: string | null;
}

function commandLine(script: OracleScript, scriptFile: string): string[] {
  const argv = [...(script.sidecar.flags ?? [])];
  if (script.sidecar.workload) argv.push('-c', [workload(), ...script.sidecar.workload].join(' '));
  argv.push(scriptFile, ...(script.sidecar.args ?? []));
  return argv;
}

const TIMEOUT_MS = 60_000;

/**
 * Scripts may name the workload binary as @WORKLOAD@ (uprobes on it, execve arguments); the
 * placeholder is substituted in the script and restored in the output, so .out files do not
 * depend on the temporary path.
 */
export const WORKLOAD_PLACEHOLDER = '@WORKLOAD@';

function scriptFile(script: OracleScript, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-oracle-src-'));
  const file = join(dir, `${script.name}.bt`);
  let text = source;
  if (text.includes(WORKLOAD_PLACEHOLDER)) text = text.split(WORKLOAD_PLACEHOLDER).join(workload());
  text = text.split(COMM_PLACEHOLDER).join(workloadComm);
  writeFileSync(file, text);
  return file;
}

function finish(r: ReturnType<typeof spawnSync>): RunResult {
  const restore = (s: string): string => {
    const t = workloadPath ? s.split(workloadPath).join(WORKLOAD_PLACEHOLDER) : s;
    return t.split(workloadComm).join(COMM_PLACEHOLDER);
  };
  return {
    stdout: restore(String(r.stdout ?? '')),
    stderr: restore(String(r.stderr ?? '')),
    status: r.status,
    signal: r.signal,
  };
}

/** Run the script under bpftrace 0.17 (source rewritten per differences.ts). */
export function runBpftrace(script: OracleScript): RunResult {
  const file = scriptFile(script, toBpftrace017Source(script.source));
  return finish(spawnSync('bpftrace', commandLine(script, file), { encoding: 'utf8', timeout: TIMEOUT_MS }));
}

/** Run the script under bpfkit (node dist/bpfkit.cjs). */
export function runBpfkit(script: OracleScript): RunResult {
  const file = scriptFile(script, script.source);
  return finish(
    spawnSync(process.execPath, [bpfkitMain, ...commandLine(script, file)], { encoding: 'utf8', timeout: TIMEOUT_MS }),
  );
}

/** First differing line of two outputs, for short failure/todo messages. */
export function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}: expected ${JSON.stringify(e[i] ?? '<end>')}, got ${JSON.stringify(a[i] ?? '<end>')}`;
  }
  return 'identical';
}
