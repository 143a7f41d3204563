// One verifier state: the register and stack contents of every active call frame plus the
// references (ring-buffer reservations) the program must still release. States are stored at
// prune points; a later path whose state is covered by a stored, fully explored one needs no
// further exploration.
import { NUM_REGS } from '../../isa/opcodes.js';
import { NOT_INIT, RegState, pointer, regCovers } from './register.js';
import { StackFrame } from './stack.js';

export interface Frame {
  regs: RegState[];
  stack: StackFrame;
  /** pc to continue at in the caller after this frame exits (-1 for the main program). */
  returnPc: number;
  frameNo: number;
}

export interface Reference {
  id: number;
  pc: number;
}

/** A stored state at a prune point, with the count of paths from it still being explored. */
export interface Checkpoint {
  readonly pc: number;
  readonly state: VerifierState;
  branches: number;
  readonly parent: Checkpoint | null;
  hits: number;
  misses: number;
}

export class VerifierState {
  constructor(
    public frames: Frame[],
    public refs: Reference[] = [],
    public parent: Checkpoint | null = null,
  ) {}

  static initial(r1: RegState, r2?: RegState): VerifierState {
    const regs: RegState[] = new Array(NUM_REGS).fill(NOT_INIT);
    regs[1] = r1;
    if (r2) regs[2] = r2;
    regs[10] = pointer('fp', { frame: 0 });
    return new VerifierState([{ regs, stack: new StackFrame(), returnPc: -1, frameNo: 0 }]);
  }

  get frame(): Frame {
    return this.frames[this.frames.length - 1];
  }
  get regs(): RegState[] {
    return this.frame.regs;
  }

  clone(): VerifierState {
    return new VerifierState(
      this.frames.map((f) => ({ regs: f.regs.slice(), stack: f.stack.clone(), returnPc: f.returnPc, frameNo: f.frameNo })),
      this.refs.slice(),
      this.parent,
    );
  }

  /** A string equal for equal states (cheap pre-filter for exact comparison). */
  fingerprint(): number {
    // FNV-1a over what exact equality compares; collisions only cost a full comparison.
    let h = 0x811c9dc5 ^ this.frames.length ^ (this.refs.length << 8);
    const mix = (v: number): void => { h = Math.imul(h ^ v, 0x01000193); };
    // Number() of a bigint is one cheap conversion; lost precision only means more collisions.
    const mixBig = (v: bigint): void => { const n = Number(v); mix(n | 0); mix((n / 4294967296) | 0); };
    for (const f of this.frames) {
      for (const r of f.regs) {
        mix(r.kind.length * 31 + r.kind.charCodeAt(0)); mix(r.off); mix(r.range);
        mixBig(r.b.umin); mixBig(r.b.umax); mixBig(r.b.tnum.mask);
      }
      const bytes = f.stack.bytes;
      for (let i = 0; i < bytes.length; i += 8) mix(bytes[i] | (bytes[i + 7] << 8) | (bytes[i + 3] << 16));
    }
    return h >>> 0;
  }

  /** Apply `fn` to every register and spilled register in every frame (null-check propagation). */
  mapRegs(fn: (r: RegState) => RegState): void {
    for (const f of this.frames) {
      for (let i = 0; i < f.regs.length; i++) f.regs[i] = fn(f.regs[i]);
      for (let s = 0; s < f.stack.spills.length; s++) {
        const sp = f.stack.spills[s];
        if (sp) f.stack.spills[s] = fn(sp);
      }
    }
  }

  /** `this` (stored, explored) covers `cur`; `exact` demands equality (infinite-loop detection). */
  covers(cur: VerifierState, exact: boolean, liveMask = 0x7ff): boolean {
    if (this.frames.length !== cur.frames.length || this.refs.length !== cur.refs.length) return false;
    const idmap = new Map<number, number>();
    for (let i = 0; i < this.frames.length; i++) {
      const a = this.frames[i], b = cur.frames[i];
      if (a.returnPc !== b.returnPc) return false;
      // Dead registers of the current frame cannot matter (callers' registers are kept whole).
      const mask = !exact && i === this.frames.length - 1 ? liveMask : 0x7ff;
      for (let r = 0; r < a.regs.length; r++) {
        if (!(mask & (1 << r))) continue;
        if (!regCovers(a.regs[r], b.regs[r], idmap, exact)) return false;
      }
      if (!a.stack.covers(b.stack, idmap, exact)) return false;
    }
    return true;
  }
}
