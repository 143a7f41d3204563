// bpfkit asm FILE [-o OUT]: assemble conformance-syntax text into raw eBPF bytecode.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UserError } from '../../diagnostics.js';
import { assemble } from '../../isa/assembler.js';
import { encode, EncodingError } from '../../isa/encoding.js';
import type { Command } from '../main.js';
import { readInput } from '../program-file.js';

const usage = 'usage: bpfkit asm FILE [-o OUT]   (OUT defaults to FILE with .bin; "-" is stdout)';

const command: Command = {
  summary: 'assemble eBPF assembly (conformance syntax) into raw bytecode',
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) { process.stdout.write(usage + '\n'); return 0; }
    if (positionals.length !== 1) throw new UserError(usage);
    const file = positionals[0];
    const program = assemble(readInput(file).toString('utf8'), { file });
    let bytes: Uint8Array;
    try {
      bytes = encode(program);
    } catch (e) {
      if (e instanceof EncodingError) throw new UserError(`${file}: ${e.message} (map references need a loader; raw bytecode cannot carry names)`);
      throw e;
    }
    const out = values.output ?? (file === '-' ? '-' : file.replace(/\.(s|S|asm)$/, '') + '.bin');
    if (out === '-') {
      process.stdout.write(bytes);
    } else {
      writeFileSync(out, bytes);
      process.stderr.write(`${out}: ${program.length} instructions, ${bytes.length / 8} slots, ${bytes.length} bytes\n`);
    }
    return 0;
  },
};
export default command;
