// The abstract contents of one 512-byte stack frame, byte by byte: never written (INVALID),
// written with something unknown (MISC), known zero (ZERO), or part of a spilled register
// (SPILL, the register state kept whole in the 8-byte slot so pointers survive a round trip
// through the stack, as in the kernel).
import { STACK_SIZE } from '../../isa/opcodes.js';
import { RegState, regCovers } from './register.js';

export const enum Slot { INVALID = 0, MISC = 1, ZERO = 2, SPILL = 3 }

export class StackFrame {
  constructor(
    readonly bytes: Uint8Array = new Uint8Array(STACK_SIZE),
    readonly spills: (RegState | undefined)[] = new Array(STACK_SIZE / 8).fill(undefined),
  ) {}

  clone(): StackFrame {
    return new StackFrame(this.bytes.slice(), this.spills.slice());
  }

  /** Byte index of fp-relative offset `off` (negative). */
  static index(off: number): number {
    return STACK_SIZE + off;
  }

  /** Record a write of `size` bytes at fp+off; a full aligned 8-byte store of a register spills it. */
  write(off: number, size: number, value: RegState | undefined, zero: boolean): void {
    const i = StackFrame.index(off);
    // Any slot touched loses a previous spill.
    for (let s = i >> 3; s <= (i + size - 1) >> 3; s++) {
      if (this.spills[s]) {
        this.spills[s] = undefined;
        this.bytes.fill(Slot.MISC, s * 8, s * 8 + 8);
      }
    }
    if (size === 8 && (i & 7) === 0 && value) {
      this.spills[i >> 3] = value;
      this.bytes.fill(Slot.SPILL, i, i + 8);
      return;
    }
    this.bytes.fill(zero ? Slot.ZERO : Slot.MISC, i, i + size);
  }

  /** First uninitialised byte in [off, off+size), or -1. */
  firstInvalid(off: number, size: number): number {
    const i = StackFrame.index(off);
    for (let k = 0; k < size; k++) if (this.bytes[i + k] === Slot.INVALID) return k;
    return -1;
  }

  /** The spilled register at an 8-aligned slot, if the whole slot is one. */
  spillAt(off: number): RegState | undefined {
    const i = StackFrame.index(off);
    return (i & 7) === 0 ? this.spills[i >> 3] : undefined;
  }

  /** All bytes in range known zero (a spilled constant 0 counts). */
  allZero(off: number, size: number): boolean {
    const i = StackFrame.index(off);
    for (let k = 0; k < size; k++) {
      const t = this.bytes[i + k];
      if (t === Slot.ZERO) continue;
      const sp = t === Slot.SPILL ? this.spills[(i + k) >> 3] : undefined;
      if (sp && sp.kind === 'scalar' && sp.b.tnum.mask === 0n && sp.b.tnum.value === 0n) continue;
      return false;
    }
    return true;
  }

  covers(cur: StackFrame, idmap: Map<number, number>, exact: boolean): boolean {
    for (let i = 0; i < STACK_SIZE; i++) {
      const o = this.bytes[i];
      const c = cur.bytes[i];
      if (o === c && o !== Slot.SPILL) continue;
      if (exact) return false;
      if (o === Slot.INVALID) continue;
      if (o === Slot.MISC && c !== Slot.INVALID) continue;
      if (o === Slot.ZERO && c === Slot.SPILL) {
        const sp = cur.spills[i >> 3];
        if (sp && sp.kind === 'scalar' && sp.b.tnum.mask === 0n && sp.b.tnum.value === 0n) continue;
        return false;
      }
      if (o === Slot.SPILL && c === Slot.SPILL) {
        if ((i & 7) !== 0) continue;
        if (!regCovers(this.spills[i >> 3]!, cur.spills[i >> 3]!, idmap, exact)) return false;
        continue;
      }
      return false;
    }
    if (exact) {
      for (let s = 0; s < this.spills.length; s++) {
        const a = this.spills[s], b = cur.spills[s];
        if (a && b && !regCovers(a, b, idmap, true)) return false;
      }
    }
    return true;
  }
}
