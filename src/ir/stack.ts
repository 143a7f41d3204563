// The 512-byte eBPF stack, handed out in 8-byte aligned slots below the frame pointer.
// Lowering allocates buffers (strings, map keys, record payloads) and can release everything a
// statement used when the statement ends; the register allocator then takes its spill slots from
// above the high-water mark. Running out is the user's problem to see, with the script location.
import { SourceError } from '../diagnostics.js';
import type { SourceLocation } from '../isa/instruction.js';
import { STACK_SIZE } from '../isa/opcodes.js';

export class StackLimitError extends SourceError {
  constructor(message: string, loc: SourceLocation | undefined) {
    super(message, { line: loc?.line ?? 1, column: loc?.column ?? 1, length: loc?.text?.length ?? 1 });
    this.name = 'StackLimitError';
  }
}

export class StackFrame {
  /** Bytes currently in use (the next slot starts at fp - used - size). */
  private used = 0;
  /** The most ever in use: the frame's size. */
  private high = 0;

  constructor(private readonly limit = STACK_SIZE) {}

  /** Allocate `size` bytes (rounded up to 8), returning the fp-relative offset (negative). */
  alloc(size: number, loc?: SourceLocation, what = 'value'): number {
    const rounded = Math.max(8, (size + 7) & ~7);
    if (this.used + rounded > this.limit) {
      throw new StackLimitError(
        `this program needs more than the ${this.limit}-byte BPF stack (${what} of ${size} bytes with ${this.used} bytes already in use); ` +
          'use shorter strings or fewer values per statement', loc);
    }
    this.used += rounded;
    this.high = Math.max(this.high, this.used);
    return -this.used;
  }

  /** A mark to release back to (everything allocated after it is freed). */
  mark(): number { return this.used; }
  release(mark: number): void { this.used = mark; }

  /** Allocate from now on above everything ever used (spill slots must not alias buffers). */
  sealBuffers(): void { this.used = this.high; }

  get size(): number { return this.high; }
  get inUse(): number { return this.used; }
}
