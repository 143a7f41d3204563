// Instruction text in the kernel verifier log's syntax (`1: (61) r0 = *(u32 *)(r2 +0)`), so a
// rejection names its instruction the way `bpftool prog load` would. The formatter itself is
// the ISA layer's (src/isa/disassembler.ts).
import { Instruction } from '../../isa/instruction.js';
import { formatKernel } from '../../isa/disassembler.js';

/** `pc: (code) text`, the form of a verifier log line. */
export const logLine = (pc: number, insn: Instruction): string => `${pc}: ${formatKernel(insn)}`;

/** The instruction alone, e.g. `(bf) r6 = r1`. */
export const kernelSyntax = (insn: Instruction): string => formatKernel(insn);
