#!/usr/bin/env node
// bpfkit's command line: argument dispatch only. `bpfkit SUBCOMMAND ...` runs
// src/cli/commands/SUBCOMMAND.ts; anything else is a bpftrace-style invocation (`-e`, FILE.bt).
// User errors print one clear message and exit 1; only internal bugs show a stack, and only with
// BPFKIT_DEBUG=1.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../diagnostics.js';
import { commands } from './commands/index.js';

export interface Command {
  /** One line for `bpfkit help`. */
  summary: string;
  /** Runs the subcommand; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

async function loadCommand(name: string): Promise<Command | undefined> {
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  return load ? (await load()).default : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const sub = first !== undefined && !first.startsWith('-') ? await loadCommand(first) : undefined;
  if (sub) return sub.run(rest);
  const trace = (await commands.trace()).default;
  return trace.run(argv);
}

export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(err.render() + '\n');
    return 1;
  }
  const e = err as Error;
  process.stderr.write(`bpfkit: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.BPFKIT_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(this is a bug in bpfkit; run with BPFKIT_DEBUG=1 for a stack trace)\n');
  return 70;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.exitCode = reportError(err); },
  );
}
