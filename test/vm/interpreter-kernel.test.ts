// Differential test of the interpreter against the kernel: random verifier-valid XDP programs
// (src/vm/fuzz/generate.ts) run here and through BPF_PROG_TEST_RUN must return the same value
// and leave the same packet bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { disassemble } from '../../src/isa/disassembler.js';
import { generateProgram, PACKET_MIN, Random, randomPacket } from '../../src/vm/fuzz/generate.js';
import { needs } from '../support/environment.js';
import { runKernelXdp, runXdp } from '../support/differential.js';

const SEEDS = Number(process.env.BPFKIT_DIFF_SEEDS ?? 300);

// Generated programs may use the fuzz array map (FUZZ_MAP): both sides create it (the support
// runners), and its contents afterwards must agree too.
test(`interpreter agrees with BPF_PROG_TEST_RUN on ${SEEDS} random XDP programs`, needs(), () => {
  let compared = 0;
  let rejected = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const program = generateProgram(seed);
    const rnd = new Random(seed ^ 0x5eed);
    const packet = randomPacket(rnd, PACKET_MIN + rnd.int(64));
    const kernel = runKernelXdp(program, packet);
    if (kernel.rejected !== undefined) {
      rejected++; // the generator's contract is verifier-valid programs; counted, checked below
      continue;
    }
    const ours = runXdp('interpreter', program, packet);
    const where = `seed ${seed}:\n${disassemble(program)}`;
    assert.equal(ours.error, undefined, `interpreter failed: ${ours.error}, ${where}`);
    assert.equal(ours.retval, kernel.retval, `return value differs, ${where}`);
    assert.deepEqual(ours.packet, kernel.packet, `packet differs, ${where}`);
    assert.deepEqual(ours.map, kernel.map, `map contents differ, ${where}`);
    compared++;
  }
  console.log(`# interpreter vs kernel: ${compared} programs agree, ${rejected} rejected by the verifier`);
  assert.ok(compared >= SEEDS * 0.9, `only ${compared} of ${SEEDS} programs could be compared`);
});
