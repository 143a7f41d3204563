// Extra engines the oracle test runs a compiled filter on besides the classic interpreter.
import type { CbpfInstruction } from '../../src/cbpf/instruction.js';

export interface Runner { name: string; run(data: Uint8Array, wireLength: number): number }

export function runnersForOracle(_program: CbpfInstruction[]): Runner[] {
  return [];
}
