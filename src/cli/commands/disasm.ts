// bpfkit disasm FILE [--format conformance|kernel]: list a program (raw bytecode or assembly).
import { parseArgs } from 'node:util';
import { UserError } from '../../diagnostics.js';
import { disassemble, disassembleKernel } from '../../isa/disassembler.js';
import type { Command } from '../main.js';
import { loadProgram } from '../program-file.js';

const usage = 'usage: bpfkit disasm FILE [--format conformance|kernel] [--no-labels]';

const command: Command = {
  summary: 'disassemble eBPF bytecode (conformance assembly, or the kernel verifier-log form)',
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: { format: { type: 'string', short: 'f', default: 'conformance' }, 'no-labels': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) { process.stdout.write(usage + '\n'); return 0; }
    if (positionals.length !== 1) throw new UserError(usage);
    const { program } = loadProgram(positionals[0]);
    switch (values.format) {
      case 'conformance': process.stdout.write(disassemble(program, { labels: !values['no-labels'] })); break;
      case 'kernel': process.stdout.write(disassembleKernel(program)); break;
      default: throw new UserError(`unknown --format '${values.format}' (conformance or kernel)`);
    }
    return 0;
  },
};
export default command;
