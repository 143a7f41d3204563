// Differential execution of one XDP program on the userspace engines (interpreter, WebAssembly
// JIT) and in the kernel (BPF_PROG_TEST_RUN), comparing the 32-bit return value and the packet
// bytes afterwards.
import { Instruction } from '../../src/isa/instruction.js';
import { VmMemory } from '../../src/vm/memory.js';
import { ExecutionEngine } from '../../src/vm/engine.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { generateProgram, Random, randomPacket, xdpContext } from '../../src/vm/fuzz/generate.js';
import { verify, XDP_CONTEXT } from '../../src/vm/verifier/index.js';
import { Program, ProgramType, VerifierError } from '../../src/kernel/programs.js';

export interface Outcome {
  /** r0 truncated to 32 bits, as XDP reports it. */
  retval?: number;
  packet?: Uint8Array;
  error?: string;
}

/** `jit-verified`: the JIT without bounds checks on the accesses our verifier proved safe. */
export type EngineName = 'interpreter' | 'jit' | 'jit-verified';

const memory = new VmMemory(16);

/** Run on a userspace engine with an XDP context over a copy of `packet`. */
export function runXdp(engine: EngineName, program: readonly Instruction[], packet: Uint8Array): Outcome {
  let e: ExecutionEngine | undefined;
  const pkt = memory.map(packet.length, 'packet', true, 'packet');
  const ctx = memory.map(24, 'ctx', false, 'xdp_md');
  try {
    memory.write(pkt, packet);
    memory.write(ctx, xdpContext(pkt.start, packet.length));
    let r0: bigint;
    if (engine === 'jit' || engine === 'jit-verified') {
      let provenSafe: ((pc: number) => boolean) | undefined;
      if (engine === 'jit-verified') {
        const proofs = verify(program, { context: XDP_CONTEXT }).safeAccesses;
        provenSafe = (pc) => proofs.has(pc);
      }
      const jit = new JitProgram(program, { memory, provenSafe });
      e = jit;
      r0 = jit.runWith(ctx.start, 0, [pkt, ctx], ctx);
    } else {
      e = new Interpreter(program, { memory });
      r0 = e.run(ctx);
    }
    return { retval: Number(r0 & 0xffffffffn), packet: memory.read(pkt) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    e?.dispose();
    memory.unmap(pkt);
    memory.unmap(ctx);
  }
}

/** Load as XDP and test-run once; `rejected` carries the verifier log's last lines when refused. */
export function runKernelXdp(program: readonly Instruction[], packet: Uint8Array): Outcome & { rejected?: string } {
  let prog: Program;
  try {
    prog = Program.load({ name: 'bpfkit_fuzz', type: ProgramType.XDP, instructions: program });
  } catch (e) {
    if (e instanceof VerifierError) return { rejected: e.log.split('\n').filter(Boolean).slice(-3).join(' | ') };
    throw e;
  }
  try {
    const r = prog.testRun({ data: packet });
    return { retval: r.retval >>> 0, packet: r.data };
  } finally {
    prog.close();
  }
}

export const samePacket = (a?: Uint8Array, b?: Uint8Array): boolean =>
  !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);

/** The program and packet of one differential case, both derived from `seed`. */
export function caseOf(seed: number): { program: Instruction[]; packet: Uint8Array } {
  const program = generateProgram(seed);
  const rnd = new Random(seed ^ 0x9e3779b9);
  // Mostly packets that pass the program's 64-byte check; some that do not (the early exit).
  const length = rnd.chance(0.1) ? 14 + rnd.int(50) : 64 + rnd.int(200);
  return { program, packet: randomPacket(rnd, length) };
}

export interface CaseResult {
  seed: number;
  kernel?: Outcome & { rejected?: string };
  interpreter: Outcome;
  jit: Outcome;
  /** Empty when everyone agrees. */
  disagreements: string[];
}

const describe = (o: Outcome): string =>
  o.error !== undefined ? `error: ${o.error}` : `retval 0x${(o.retval ?? 0).toString(16)}`;

/** Run one case everywhere and say what differs. */
export function runCase(seed: number, withKernel: boolean): CaseResult {
  const { program, packet } = caseOf(seed);
  const interpreter = runXdp('interpreter', program, packet);
  const jit = runXdp('jit', program, packet);
  const disagreements: string[] = [];
  const compare = (name: string, a: Outcome, bName: string, b: Outcome): void => {
    if (a.error !== undefined || b.error !== undefined || a.retval !== b.retval) {
      disagreements.push(`${name} ${describe(a)} vs ${bName} ${describe(b)}`);
    } else if (!samePacket(a.packet, b.packet)) {
      disagreements.push(`${name} and ${bName} leave different packet bytes`);
    }
  };
  compare('jit', jit, 'interpreter', interpreter);
  let kernel: CaseResult['kernel'];
  if (withKernel) {
    kernel = runKernelXdp(program, packet);
    if (kernel.rejected !== undefined) disagreements.push(`kernel verifier rejects a generated program: ${kernel.rejected}`);
    else compare('jit', jit, 'kernel', kernel);
  }
  return { seed, kernel, interpreter, jit, disagreements };
}
