import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from '../main.js';

const command: Command = {
  summary: 'list the subcommands',
  async run() {
    const dir = fileURLToPath(new URL('./', import.meta.url));
    const names = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();
    const lines = ['usage: bpfkit [-e PROGRAM | FILE.bt] [options]', '       bpfkit SUBCOMMAND [args]', '', 'subcommands:'];
    for (const name of names) {
      const mod = (await import(new URL(`${name}.js`, import.meta.url).href)).default as Command;
      lines.push(`  ${name.padEnd(10)} ${mod.summary}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
export default command;
