// Extra engines the oracle test runs a compiled filter on besides the classic interpreter: the
// kernel-style eBPF translation on the userspace VM's interpreter and its WebAssembly JIT.
import type { CbpfInstruction } from '../../src/cbpf/instruction.js';
import { cbpfToEbpf } from '../../src/cbpf/to-ebpf.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { JitProgram } from '../../src/vm/jit/jit.js';

export interface Runner { name: string; run(data: Uint8Array, wireLength: number): number; dispose?(): void }

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

export function runnersForOracle(program: CbpfInstruction[]): Runner[] {
  return [ebpfJitRunner(program), ebpfInterpreterRunner(program)];
}
