// The subcommands, by name. Static imports behind thunks: each command's code is loaded only when
// it runs (so `bpfkit -e` never loads the filter compiler), and the bundler that builds
// dist/bpfkit.js can see every command (a directory scan could not be bundled).
import type { Command } from '../main.js';

type CommandModule = Promise<{ default: Command }>;

export const commands: Readonly<Record<string, () => CommandModule>> = {
  asm: () => import('./asm.js'),
  demo: () => import('./demo.js'),
  disasm: () => import('./disasm.js'),
  features: () => import('./features.js'),
  filter: () => import('./filter.js'),
  help: () => import('./help.js'),
  profile: () => import('./profile.js'),
  run: () => import('./run.js'),
  trace: () => import('./trace.js'),
};
