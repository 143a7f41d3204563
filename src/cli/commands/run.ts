// bpfkit run FILE [--mem HEX]: execute a program in the userspace interpreter and print r0.
// r1 points at the --mem bytes and r2 holds their length (the conformance suite's convention).
import { parseArgs } from 'node:util';
import { UserError } from '../../diagnostics.js';
import { EngineOptions, ExecutionEngine } from '../../vm/engine.js';
import { Interpreter } from '../../vm/interpreter.js';
import { JitProgram } from '../../vm/jit/jit.js';
import { Instruction } from '../../isa/instruction.js';
import type { Command } from '../main.js';
import { loadProgram, parseHexBytes } from '../program-file.js';

const usage = 'usage: bpfkit run FILE [--mem HEX] [--engine interpreter|jit] [--max-instructions N] [--stats]';

const ENGINES: Record<string, (program: Instruction[], options: EngineOptions) => ExecutionEngine> = {
  interpreter: (program, options) => new Interpreter(program, options),
  jit: (program, options) => new JitProgram(program, options),
};

const command: Command = {
  summary: 'run an eBPF program (assembly or bytecode) in the userspace interpreter',
  async run(args) {
    const { values, positionals } = parseArgs({
      args, allowPositionals: true,
      options: {
        mem: { type: 'string', short: 'm' },
        engine: { type: 'string', short: 'e', default: 'interpreter' },
        'max-instructions': { type: 'string' },
        stats: { type: 'boolean', short: 's' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) { process.stdout.write(usage + '\n'); return 0; }
    if (positionals.length !== 1) throw new UserError(usage);
    const max = values['max-instructions'] !== undefined ? Number(values['max-instructions']) : undefined;
    if (max !== undefined && !(Number.isInteger(max) && max > 0)) throw new UserError('--max-instructions: expected a positive integer');
    const { program } = loadProgram(positionals[0]);
    const input = values.mem !== undefined ? parseHexBytes(values.mem) : new Uint8Array(0);
    const build = ENGINES[values.engine ?? 'interpreter'];
    if (!build) throw new UserError(`unknown --engine '${values.engine}' (${Object.keys(ENGINES).join(' or ')})`);
    const vm = build(program, { maxInstructions: max, trace: (line) => process.stderr.write(`trace: ${line}\n`) });
    try {
      const t0 = process.hrtime.bigint();
      const r0 = vm.run(input);
      const ns = Number(process.hrtime.bigint() - t0);
      process.stdout.write(`0x${r0.toString(16)}\n`);
      if (values.stats) {
        const count = vm.executed !== undefined ? `${vm.executed} instructions` : `${values.engine}`;
        process.stderr.write(`${count} in ${(ns / 1e6).toFixed(3)} ms; r0 = ${r0} (signed ${BigInt.asIntN(64, r0)})\n`);
      }
    } finally {
      vm.dispose();
    }
    return 0;
  },
};
export default command;
