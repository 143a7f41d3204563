// A program the verifier refuses. The message is the kernel verifier's wording (so that users
// and search engines recognise it); pc and instruction text say where.
import { UserError } from '../../diagnostics.js';

export class VerifierError extends UserError {
  constructor(
    /** The kernel-style reason, e.g. `R0 invalid mem access 'map_value_or_null'`. */
    readonly reason: string,
    /** Slot index of the offending instruction (-1 when about the whole program). */
    readonly pc: number,
    /** The instruction as a verifier log line, e.g. `3: (61) r0 = *(u32 *)(r2 +0)`. */
    readonly line: string,
  ) {
    super(line ? `${reason}\n  at ${line}` : reason);
    this.name = 'VerifierError';
  }

  override render(): string {
    return `error: the verifier rejected the program: ${this.reason}${this.line ? `\n  at ${this.line}` : ''}`;
  }
}
