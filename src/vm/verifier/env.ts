// What every checking step needs: the options, a way to reject naming the current instruction,
// and fresh ids for pointer identities and references.
import { Instruction } from '../../isa/instruction.js';
import type { ContextSpec } from './context.js';
import type { HelperPrototype } from './helper-prototypes.js';
import type { MapInfo } from './maps-info.js';
import { VerifierError } from './errors.js';
import { logLine } from './disasm.js';

export interface VerifierOptions {
  /** What R1 points to at entry. */
  context: ContextSpec;
  /** Map handles the program's lddw instructions may carry. */
  maps?: (handle: number) => MapInfo | undefined;
  /** Helper prototypes by id (default: the userspace runtime's). */
  helpers?: ReadonlyMap<number, HelperPrototype>;
  /** Maximum instructions processed over all paths (the kernel's 1M complexity limit). */
  insnLimit?: number;
}

export class Env {
  pc = 0;
  insn: Instruction = { code: 0, dst: 0, src: 0, off: 0, imm: 0 };
  private ids = 0;
  constructor(readonly opts: VerifierOptions) {}

  fail(reason: string): never {
    throw new VerifierError(reason, this.pc, logLine(this.pc, this.insn));
  }
  nextId(): number {
    return ++this.ids;
  }
}
