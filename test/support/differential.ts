// Differential execution of one XDP program on the userspace engines and in the kernel
// (BPF_PROG_TEST_RUN), comparing the 32-bit return value and the packet bytes afterwards.
import { Instruction } from '../../src/isa/instruction.js';
import { VmMemory } from '../../src/vm/memory.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { xdpContext } from '../../src/vm/fuzz/generate.js';
import { KernelLoadError, KernelProgram, ProgType } from './kernel-testrun.js';

export interface Outcome {
  /** r0 truncated to 32 bits, as XDP reports it. */
  retval?: number;
  packet?: Uint8Array;
  error?: string;
}

const memory = new VmMemory(16);

/** Run on the WebAssembly JIT with an XDP context over a copy of `packet`. */
export function runJitXdp(program: readonly Instruction[], packet: Uint8Array): Outcome {
  let jit: JitProgram | undefined;
  const pkt = memory.map(packet.length, 'packet', true, 'packet');
  const ctx = memory.map(24, 'ctx', false, 'xdp_md');
  try {
    memory.write(pkt, packet);
    memory.write(ctx, xdpContext(pkt.start, packet.length));
    jit = new JitProgram(program, { memory });
    const r0 = jit.runWith(ctx.start, 0, [pkt, ctx]);
    return { retval: Number(r0 & 0xffffffffn), packet: memory.read(pkt) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    jit?.close();
    memory.unmap(pkt);
    memory.unmap(ctx);
  }
}

/** Load as XDP and test-run once; `rejected` carries the verifier log when the kernel refuses. */
export function runKernelXdp(program: readonly Instruction[], packet: Uint8Array): Outcome & { rejected?: string } {
  let prog: KernelProgram;
  try {
    prog = KernelProgram.load(program, ProgType.XDP, 0);
  } catch (e) {
    if (e instanceof KernelLoadError) {
      let log = e.log;
      try { KernelProgram.load(program, ProgType.XDP, 1); } catch (e2) { if (e2 instanceof KernelLoadError) log = e2.log; }
      return { rejected: log.split('\n').filter(Boolean).slice(-3).join(' | ') || e.message };
    }
    throw e;
  }
  try {
    const r = prog.testRun(packet, 1);
    return { retval: r.retval, packet: r.dataOut };
  } finally {
    prog.close();
  }
}

export const samePacket = (a?: Uint8Array, b?: Uint8Array): boolean =>
  !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);
