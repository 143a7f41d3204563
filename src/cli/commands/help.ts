import type { Command } from '../main.js';
import { commands } from './index.js';

const command: Command = {
  summary: 'list the subcommands',
  async run() {
    const lines = ['usage: bpfkit [-e PROGRAM | FILE.bt] [options]', '       bpfkit SUBCOMMAND [args]', '', 'subcommands:'];
    for (const name of Object.keys(commands).sort()) {
      const mod = (await commands[name]()).default;
      lines.push(`  ${name.padEnd(10)} ${mod.summary}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
export default command;
