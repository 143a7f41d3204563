// Differential test of the interpreter against the kernel: random verifier-valid XDP programs
// (src/vm/fuzz/generate.ts) run here and through BPF_PROG_TEST_RUN must return the same value
// and leave the same packet bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Instruction } from '../../src/isa/instruction.js';
import { disassemble } from '../../src/isa/disassembler.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmMemory } from '../../src/vm/memory.js';
import { generateProgram, PACKET_MIN, Random, randomPacket, xdpContext } from '../../src/vm/fuzz/generate.js';
import { needs } from '../support/environment.js';
import { KernelProgram, ProgType } from '../support/kernel-testrun.js';

const memory = new VmMemory(16);

function interpretXdp(program: readonly Instruction[], packet: Uint8Array): { retval: number; packet: Uint8Array } {
  const pkt = memory.map(packet.length, 'packet', true, 'packet');
  const ctx = memory.map(24, 'ctx', false, 'xdp_md');
  const vm = new Interpreter(program, { memory });
  try {
    memory.write(pkt, packet);
    memory.write(ctx, xdpContext(pkt.start, packet.length));
    const r0 = vm.call([BigInt(ctx.start)]);
    return { retval: Number(r0 & 0xffffffffn), packet: memory.read(pkt) };
  } finally {
    vm.dispose();
    memory.unmap(pkt);
    memory.unmap(ctx);
  }
}

const SEEDS = Number(process.env.BPFKIT_DIFF_SEEDS ?? 300);

test(`interpreter agrees with BPF_PROG_TEST_RUN on ${SEEDS} random XDP programs`, needs(), () => {
  let compared = 0;
  let rejected = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const program = generateProgram(seed);
    const rnd = new Random(seed ^ 0x5eed);
    const packet = randomPacket(rnd, PACKET_MIN + rnd.int(64));
    let prog: KernelProgram;
    try {
      prog = KernelProgram.load(program, ProgType.XDP, 0);
    } catch {
      rejected++; // the generator's contract is verifier-valid programs; counted, checked below
      continue;
    }
    try {
      const kernel = prog.testRun(packet, 1);
      const ours = interpretXdp(program, packet);
      const where = `seed ${seed}:\n${disassemble(program)}`;
      assert.equal(ours.retval, kernel.retval, `return value differs, ${where}`);
      assert.deepEqual(ours.packet, kernel.dataOut, `packet differs, ${where}`);
      compared++;
    } finally {
      prog.close();
    }
  }
  console.log(`# interpreter vs kernel: ${compared} programs agree, ${rejected} rejected by the verifier`);
  assert.ok(compared >= SEEDS * 0.9, `only ${compared} of ${SEEDS} programs could be compared`);
});
