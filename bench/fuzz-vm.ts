// Differential fuzzing of the userspace VM: `npm run fuzz:vm -- --count N --seed S [--no-kernel]
// [--verbose]`. Random valid XDP programs run on the interpreter, the WebAssembly JIT and (as
// root) the kernel through BPF_PROG_TEST_RUN; prints throughput and every disagreement with the
// seed that reproduces it. Exit status 1 if anything disagreed.
import { parseArgs } from 'node:util';
import { disassembleKernel } from '../src/isa/disassembler.js';
import { caseOf, runCase } from '../test/support/differential.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    'no-kernel': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const first = Number(values.seed);
const withKernel = !values['no-kernel'] && process.getuid?.() === 0;

let bad = 0;
let rejected = 0;
let instructions = 0;
const started = process.hrtime.bigint();
for (let seed = first; seed < first + count; seed++) {
  const r = runCase(seed, withKernel);
  if (r.kernel?.rejected !== undefined) rejected++;
  if (values.verbose || r.disagreements.length) {
    const { program, packet } = caseOf(seed);
    instructions += program.length;
    if (r.disagreements.length) {
      bad++;
      console.log(`seed ${seed}: ${r.disagreements.join('; ')}`);
    }
    if (values.verbose) {
      console.log(`seed ${seed}: ${program.length} instructions, packet ${packet.length} bytes`);
      console.log(`  interpreter ${JSON.stringify({ retval: r.interpreter.retval, error: r.interpreter.error })}`);
      console.log(`  jit         ${JSON.stringify({ retval: r.jit.retval, error: r.jit.error })}`);
      if (r.kernel) console.log(`  kernel      ${JSON.stringify({ retval: r.kernel.retval, rejected: r.kernel.rejected })}`);
      if (count <= 3) console.log(disassembleKernel(program));
    }
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(`fuzz:vm: ${count} programs (seeds ${first}..${first + count - 1}) on interpreter, jit${withKernel ? ', kernel' : ' (no kernel: not root or --no-kernel)'}`);
console.log(`  ${(count / seconds).toFixed(0)} programs/s, ${seconds.toFixed(1)} s`);
if (values.verbose) console.log(`  ${instructions} instructions generated`);
console.log(`  disagreements: ${bad}${withKernel ? `, kernel verifier rejections: ${rejected}` : ''}`);
process.exitCode = bad ? 1 : 0;
