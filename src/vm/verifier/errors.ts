// A program the verifier refuses. The message is the kernel verifier's wording (so that users
// and search engines recognise it); pc and instruction text say where.
import { UserError } from '../../diagnostics.js';
import type { SourceLocation } from '../../isa/instruction.js';

export class VerifierError extends UserError {
  constructor(
    /** The kernel-style reason, e.g. `R0 invalid mem access 'map_value_or_null'`. */
    readonly reason: string,
    /** Slot index of the offending instruction (-1 when about the whole program). */
    readonly pc: number,
    /** The instruction as a verifier log line, e.g. `3: (61) r0 = *(u32 *)(r2 +0)`. */
    readonly line: string,
    /** Where the instruction came from, when a compiler recorded it (maps the error back to a script). */
    readonly loc?: SourceLocation,
  ) {
    super(line ? `${reason}\n  at ${line}` : reason);
    this.name = 'VerifierError';
  }

  override render(): string {
    const from = this.loc ? `\n  generated from line ${this.loc.line}:${this.loc.column}${this.loc.text ? `: ${this.loc.text}` : ''}` : '';
    return `error: the verifier rejected the program: ${this.reason}${this.line ? `\n  at ${this.line}` : ''}${from}`;
  }
}
