// A builder for writing eBPF programs in TypeScript: mnemonics as methods, symbolic labels for
// jumps and local calls, and map references left by name for the loader to bind to fds
// (cilium/ebpf's asm package is the model). `build()` resolves labels and keeps map refs.
import { Instruction, SourceLocation, slotOffsets } from './instruction.js';
import { AluOp, AtomicOp, CallSrc, Class, JmpOp, LDDW, Mode, PseudoSrc, Size, Source } from './opcodes.js';

/** A register operand, distinct from an immediate at the type level. */
export class Reg {
  constructor(readonly n: number) {}
  toString(): string { return `r${this.n}`; }
}
export const R0 = new Reg(0), R1 = new Reg(1), R2 = new Reg(2), R3 = new Reg(3), R4 = new Reg(4),
  R5 = new Reg(5), R6 = new Reg(6), R7 = new Reg(7), R8 = new Reg(8), R9 = new Reg(9), R10 = new Reg(10);
export const FP_REG = R10;

export type AluName = Lowercase<keyof typeof AluOp>;
export type JmpName = Exclude<Lowercase<keyof typeof JmpOp>, 'call' | 'exit' | 'ja'>;
export type SizeName = 'b' | 'h' | 'w' | 'dw';
export type AtomicName = 'add' | 'or' | 'and' | 'xor' | 'fetch_add' | 'fetch_or' | 'fetch_and' | 'fetch_xor' | 'xchg' | 'cmpxchg';

const SIZES: Record<SizeName, number> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };
const ATOMICS: Record<AtomicName, number> = {
  add: AtomicOp.ADD, or: AtomicOp.OR, and: AtomicOp.AND, xor: AtomicOp.XOR,
  fetch_add: AtomicOp.ADD | AtomicOp.FETCH, fetch_or: AtomicOp.OR | AtomicOp.FETCH,
  fetch_and: AtomicOp.AND | AtomicOp.FETCH, fetch_xor: AtomicOp.XOR | AtomicOp.FETCH,
  xchg: AtomicOp.XCHG, cmpxchg: AtomicOp.CMPXCHG,
};

export class BuildError extends Error {
  constructor(message: string) { super(message); this.name = 'BuildError'; }
}

export class ProgramBuilder {
  private readonly insns: Instruction[] = [];
  /** label name -> index into insns of the instruction it marks */
  private readonly labels = new Map<string, number>();
  private loc: SourceLocation | undefined;
  private anon = 0;

  /** Attach a source location to every instruction emitted from now on (undefined to stop). */
  at(loc: SourceLocation | undefined): this { this.loc = loc; return this; }

  /** A fresh label name, unique within this builder. */
  newLabel(hint = 'L'): string { return `.${hint}${this.anon++}`; }

  /** Mark the next emitted instruction with `name`. */
  label(name: string): this {
    if (this.labels.has(name)) throw new BuildError(`label '${name}' defined twice`);
    this.labels.set(name, this.insns.length);
    return this;
  }

  /** Append a raw instruction. */
  emit(insn: Instruction): this {
    this.insns.push(this.loc && !insn.loc ? { ...insn, loc: this.loc } : insn);
    return this;
  }

  get length(): number { return this.insns.length; }

  private alu(cls: number, op: AluName, dst: Reg, src: Reg | number): this {
    const code = cls | AluOp[op.toUpperCase() as keyof typeof AluOp];
    return src instanceof Reg
      ? this.emit({ code: code | Source.X, dst: dst.n, src: src.n, off: 0, imm: 0 })
      : this.emit({ code: code | Source.K, dst: dst.n, src: 0, off: 0, imm: src | 0 });
  }
  /** 64-bit ALU: dst = dst OP src. */
  alu64(op: AluName, dst: Reg, src: Reg | number): this { return this.alu(Class.ALU64, op, dst, src); }
  /** 32-bit ALU (result zero-extended to 64 bits). */
  alu32(op: AluName, dst: Reg, src: Reg | number): this { return this.alu(Class.ALU, op, dst, src); }
  mov64(dst: Reg, src: Reg | number): this { return this.alu64('mov', dst, src); }
  mov32(dst: Reg, src: Reg | number): this { return this.alu32('mov', dst, src); }
  add64(dst: Reg, src: Reg | number): this { return this.alu64('add', dst, src); }
  neg64(dst: Reg): this { return this.emit({ code: Class.ALU64 | AluOp.NEG, dst: dst.n, src: 0, off: 0, imm: 0 }); }
  /** Signed division/modulo (v4): off = 1. */
  sdiv64(dst: Reg, src: Reg | number): this { return this.alu64('div', dst, src).patchLast({ off: 1 }); }
  smod64(dst: Reg, src: Reg | number): this { return this.alu64('mod', dst, src).patchLast({ off: 1 }); }
  /** Sign-extending move (v4): movsx dst, src from `bits` (8, 16 or 32). */
  movsx64(dst: Reg, src: Reg, bits: 8 | 16 | 32): this {
    return this.emit({ code: Class.ALU64 | AluOp.MOV | Source.X, dst: dst.n, src: src.n, off: bits, imm: 0 });
  }
  /** Byte swap: `be`/`le` convert to that byte order; `bswap` swaps unconditionally (v4). */
  endian(kind: 'be' | 'le' | 'bswap', dst: Reg, bits: 16 | 32 | 64): this {
    const code = kind === 'bswap' ? Class.ALU64 | AluOp.END : Class.ALU | AluOp.END | (kind === 'be' ? Source.X : Source.K);
    return this.emit({ code, dst: dst.n, src: 0, off: 0, imm: bits });
  }

  /** lddw: dst = 64-bit constant. */
  lddw(dst: Reg, value: bigint | number): this {
    const v = BigInt.asUintN(64, BigInt(value));
    return this.emit({ code: LDDW, dst: dst.n, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v)), imm64: v });
  }
  /** dst = pointer to map `name` (fd bound by the loader). */
  ldMap(dst: Reg, name: string): this {
    return this.emit({ code: LDDW, dst: dst.n, src: PseudoSrc.MAP_FD, off: 0, imm: 0, imm64: 0n, ref: name });
  }
  /** dst = address of the subprogram at `label` (BPF_PSEUDO_FUNC), for callback helpers. */
  ldFunc(dst: Reg, label: string): this {
    return this.emit({ code: LDDW, dst: dst.n, src: PseudoSrc.FUNC, off: 0, imm: 0, imm64: 0n, ref: label });
  }
  /** dst = pointer into the value of array map `name` at `offset` (global data). */
  ldMapValue(dst: Reg, name: string, offset = 0): this {
    return this.emit({ code: LDDW, dst: dst.n, src: PseudoSrc.MAP_VALUE, off: 0, imm: 0, imm64: BigInt(offset) << 32n, ref: name });
  }

  /** dst = *(size *)(src + off) */
  ldx(size: SizeName, dst: Reg, src: Reg, off: number): this {
    return this.emit({ code: Class.LDX | Mode.MEM | SIZES[size], dst: dst.n, src: src.n, off, imm: 0 });
  }
  /** Sign-extending load (v4). */
  ldxs(size: Exclude<SizeName, 'dw'>, dst: Reg, src: Reg, off: number): this {
    return this.emit({ code: Class.LDX | Mode.MEMSX | SIZES[size], dst: dst.n, src: src.n, off, imm: 0 });
  }
  /** *(size *)(dst + off) = src */
  stx(size: SizeName, dst: Reg, off: number, src: Reg): this {
    return this.emit({ code: Class.STX | Mode.MEM | SIZES[size], dst: dst.n, src: src.n, off, imm: 0 });
  }
  /** *(size *)(dst + off) = imm */
  st(size: SizeName, dst: Reg, off: number, imm: number): this {
    return this.emit({ code: Class.ST | Mode.MEM | SIZES[size], dst: dst.n, src: 0, off, imm: imm | 0 });
  }
  /** Atomic read-modify-write on *(size *)(dst + off) with src (w or dw only). */
  atomic(size: 'w' | 'dw', op: AtomicName, dst: Reg, off: number, src: Reg): this {
    return this.emit({ code: Class.STX | Mode.ATOMIC | SIZES[size], dst: dst.n, src: src.n, off, imm: ATOMICS[op] });
  }

  private jump(cls: number, op: JmpName, dst: Reg, src: Reg | number, target: string): this {
    const code = cls | JmpOp[op.toUpperCase() as keyof typeof JmpOp];
    return src instanceof Reg
      ? this.emit({ code: code | Source.X, dst: dst.n, src: src.n, off: 0, imm: 0, ref: target })
      : this.emit({ code: code | Source.K, dst: dst.n, src: 0, off: 0, imm: src | 0, ref: target });
  }
  /** Conditional jump on 64-bit values to `target` label. */
  jmp(op: JmpName, dst: Reg, src: Reg | number, target: string): this { return this.jump(Class.JMP, op, dst, src, target); }
  /** Conditional jump on the low 32 bits. */
  jmp32(op: JmpName, dst: Reg, src: Reg | number, target: string): this { return this.jump(Class.JMP32, op, dst, src, target); }
  /** Unconditional jump. */
  ja(target: string): this { return this.emit({ code: Class.JMP | JmpOp.JA, dst: 0, src: 0, off: 0, imm: 0, ref: target }); }
  /** Call a kernel (or runtime) helper by id. */
  call(helper: number): this { return this.emit({ code: Class.JMP | JmpOp.CALL, dst: 0, src: CallSrc.HELPER, off: 0, imm: helper }); }
  /** Call a local function (bpf-to-bpf call) at `target`. */
  callLocal(target: string): this { return this.emit({ code: Class.JMP | JmpOp.CALL, dst: 0, src: CallSrc.LOCAL, off: 0, imm: 0, ref: target }); }
  exit(): this { return this.emit({ code: Class.JMP | JmpOp.EXIT, dst: 0, src: 0, off: 0, imm: 0 }); }

  private patchLast(fields: Partial<Instruction>): this {
    const i = this.insns.length - 1;
    this.insns[i] = { ...this.insns[i], ...fields };
    return this;
  }

  /** Resolve labels into offsets. Map references stay (see bindMaps). */
  build(): Instruction[] {
    const pcs = slotOffsets(this.insns);
    const end = pcs.length ? pcs[pcs.length - 1] + (this.insns[this.insns.length - 1].code === LDDW ? 2 : 1) : 0;
    const slotOf = (name: string): number => {
      const idx = this.labels.get(name);
      if (idx === undefined) throw new BuildError(`undefined label '${name}'`);
      return idx < pcs.length ? pcs[idx] : end;
    };
    return this.insns.map((insn, i) => {
      if (insn.ref === undefined) return insn;
      if (insn.code === LDDW) {
        if (insn.src !== PseudoSrc.FUNC) return insn;
        // imm = the subprogram's first slot relative to the slot after this lddw's first half.
        const { ref: _r, ...fn } = insn;
        const rel = slotOf(insn.ref) - pcs[i] - 1;
        return { ...fn, imm: rel, imm64: BigInt.asUintN(32, BigInt(rel)) };
      }
      const rel = slotOf(insn.ref) - pcs[i] - 1;
      const { ref: _ref, ...rest } = insn;
      if (insn.code === (Class.JMP | JmpOp.CALL)) return { ...rest, imm: rel };
      if (rel < -32768 || rel > 32767) throw new BuildError(`jump to '${insn.ref}' is too far (${rel} slots)`);
      return { ...rest, off: rel };
    });
  }
}

/**
 * Bind map references on lddw instructions: `fdOf(name)` returns the fd (or, in the userspace
 * VM, a handle). Returns a new array; instructions without references are shared.
 */
export function bindMaps(program: readonly Instruction[], fdOf: (name: string) => number): Instruction[] {
  return program.map((insn) => {
    if (insn.code !== LDDW || insn.ref === undefined) return insn;
    const fd = fdOf(insn.ref);
    const hi = (insn.imm64 ?? 0n) >> 32n;
    const { ref: _ref, ...rest } = insn;
    return { ...rest, imm: fd, imm64: (hi << 32n) | BigInt(fd >>> 0) };
  });
}
