// Extra engines the oracle test runs a compiled filter on besides the classic interpreter: the
// kernel-style eBPF translation on the userspace VM's interpreter and its WebAssembly JIT.
import type { CbpfInstruction } from '../../src/cbpf/instruction.js';
import { cbpfToEbpf } from '../../src/cbpf/to-ebpf.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';

/** run() returns the filter's result, or undefined when the engine cannot be given this packet. */
export interface Runner { name: string; run(data: Uint8Array, wireLength: number): number | undefined; dispose?(): void }

/** The JIT takes r2 (the wire length) from the caller; a packet region is mapped once per call. */
export function ebpfJitRunner(program: CbpfInstruction[]): Runner {
  const jit = new JitProgram(cbpfToEbpf(program));
  const region = jit.memory.map(262144 + 8, 'ctx', true, 'packet');
  return {
    name: 'ebpf-jit',
    run(data, wireLength) {
      jit.memory.write(region, data);
      const window = { start: region.start, size: data.length, writable: true };
      return Number(BigInt.asUintN(32, jit.runWith(region.start, wireLength, [window], { ...region, size: data.length })));
    },
    dispose() { jit.memory.unmap(region); jit.dispose(); },
  };
}

/** The VM interpreter's run() passes r2 = the captured length, so `len` is the captured length:
 * it stands in for the wire length only when nothing was cut off (the caller checks). */
export function ebpfInterpreterRunner(program: CbpfInstruction[]): Runner {
  const vm = new Interpreter(cbpfToEbpf(program));
  return { name: 'ebpf-interp', run: (data) => Number(BigInt.asUintN(32, vm.run(data))), dispose: () => vm.dispose() };
}

/**
 * The translation loaded into the kernel (its verifier must accept it) as a tc program, run with
 * BPF_PROG_TEST_RUN: tc programs see the frame from the Ethernet header and `len` is the whole
 * frame, as for a capture. The kernel gets only captured bytes, so this stands in for the wire
 * length only when nothing was cut off, and test runs take at most a page (the caller checks).
 */
export function ebpfKernelRunner(program: CbpfInstruction[]): Runner {
  const loaded = Program.load({ name: 'bpfkit_cbpf', type: ProgramType.SCHED_CLS, instructions: cbpfToEbpf(program, { context: 'skb' }) });
  return {
    name: 'ebpf-kernel',
    run: (data) => {
      try {
        return loaded.testRun({ data }).retval >>> 0;
      } catch (e) {
        // The kernel refuses to build a test skb from a few malformed frames (EINVAL).
        if ((e as { code?: string }).code === 'EINVAL') return undefined;
        throw e;
      }
    },
    dispose: () => loaded.close(),
  };
}

/** Which packets an engine can be given exactly (see the engines' notes). */
export function engineTakes(name: string, data: Uint8Array, wireLength: number): boolean {
  if (name === 'ebpf-interp') return data.length === wireLength;
  if (name === 'ebpf-kernel') return data.length === wireLength && data.length >= 14 && data.length <= 3000;
  return true;
}

export function runnersForOracle(program: CbpfInstruction[], withKernel = false): Runner[] {
  const runners = [ebpfJitRunner(program), ebpfInterpreterRunner(program)];
  if (withKernel) runners.push(ebpfKernelRunner(program));
  return runners;
}
