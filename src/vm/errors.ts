// Why a program run by the userspace VM stopped abnormally. Every error names the slot pc and the
// instruction (in the kernel verifier-log syntax, the form users know from `bpftool` and verifier
// messages) and, when the program came from source text, the line it was written on.
// They are UserErrors: a faulting eBPF program is the input's fault, not a bpfkit bug, so the CLI
// prints the message without a stack.
import { UserError } from '../diagnostics.js';
import { Instruction } from '../isa/instruction.js';
import { formatKernel } from '../isa/disassembler.js';

export type VmErrorKind =
  | 'invalid-instruction'
  | 'jump-out-of-range'
  | 'memory-fault'
  | 'budget-exceeded'
  | 'call-depth'
  | 'unknown-helper'
  | 'helper-failed';

export class VmError extends UserError {
  /** Slot index of the instruction that failed (as the kernel numbers them). */
  readonly pc: number;
  /** The instruction in verifier-log syntax, e.g. `(61) r0 = *(u32 *)(r1 +0)`, if there is one. */
  readonly instruction: string | undefined;

  constructor(
    readonly kind: VmErrorKind,
    /** The problem on its own, without the pc/instruction prefix. */
    readonly detail: string,
    pc: number,
    insn: Instruction | undefined,
    override readonly cause?: unknown,
  ) {
    super(VmError.describe(detail, pc, insn));
    this.name = 'VmError';
    this.pc = pc;
    this.instruction = insn ? formatKernel(insn) : undefined;
  }

  private static describe(detail: string, pc: number, insn: Instruction | undefined): string {
    const where = insn ? `pc ${pc} ${formatKernel(insn)}` : `pc ${pc}`;
    const line = insn?.loc ? ` (line ${insn.loc.line}${insn.loc.text ? `: ${insn.loc.text}` : ''})` : '';
    return `${where}${line}: ${detail}`;
  }
}
