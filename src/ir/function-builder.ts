// The IR under construction for one program: fresh virtual registers, labels, the stack frame,
// and the current script location stamped on every instruction.
import type { SourceLocation } from '../isa/instruction.js';
import type { CallArg, IrFunction, IrInsn, Operand, VReg, Base } from './ir.js';
import type { AluName, JmpName, SizeName } from '../isa/builder.js';
import { StackFrame } from './stack.js';

type Dist<T> = T extends unknown ? Omit<T, 'loc'> : never;

export class FunctionBuilder {
  readonly insns: IrInsn[] = [];
  readonly frame = new StackFrame();
  private vregs = 0;
  private labels = 0;
  private loops = 0;
  loc: SourceLocation | undefined;

  constructor(readonly name: string) {}

  vreg(hint?: string): VReg { return hint ? { id: this.vregs++, hint } : { id: this.vregs++ }; }
  label(hint = 'L'): string { return `.${hint}${this.labels++}`; }
  loopId(): number { return this.loops++; }

  emit(insn: Dist<IrInsn>): void { this.insns.push({ ...insn, loc: this.loc } as IrInsn); }
  place(name: string): void { this.emit({ op: 'label', name }); }

  // Short forms used all over the lowering.
  const(value: bigint | number, hint?: string): VReg {
    const dst = this.vreg(hint);
    this.emit({ op: 'const', dst, value: BigInt.asUintN(64, BigInt(value)) });
    return dst;
  }
  mov(src: Operand, hint?: string): VReg {
    const dst = this.vreg(hint);
    this.emit({ op: 'alu', wide: true, alu: 'mov', dst, src });
    return dst;
  }
  alu(alu: AluName, dst: VReg, src: Operand): void { this.emit({ op: 'alu', wide: true, alu, dst, src }); }
  ldx(size: SizeName, base: Base, off: number, hint?: string): VReg {
    const dst = this.vreg(hint);
    this.emit({ op: 'ldx', size, dst, base, off });
    return dst;
  }
  stx(size: SizeName, base: Base, off: number, src: VReg): void { this.emit({ op: 'stx', size, base, off, src }); }
  st(size: SizeName, base: Base, off: number, imm: number): void { this.emit({ op: 'st', size, base, off, imm }); }
  jmp(cond: JmpName, a: VReg, b: Operand, target: string): void { this.emit({ op: 'jmp', cond, wide: true, a, b, target }); }
  ja(target: string): void { this.emit({ op: 'ja', target }); }
  call(helper: number, args: CallArg[], result = true): VReg | undefined {
    const dst = result ? this.vreg() : undefined;
    this.emit({ op: 'call', helper, args, dst });
    return dst;
  }
  /**
   * A zeroed stack buffer of `size` bytes (map keys must not hash stale stack bytes). Exactly
   * `size` bytes are zeroed, widest stores first: a u32 key's zeroing is then one 4-byte store,
   * which the dead-store pass drops when the key's value is stored over it.
   */
  zeroed(size: number, what: string): number {
    const off = this.frame.alloc(size, this.loc, what);
    let i = 0;
    for (const [n, sz] of [[8, 'dw'], [4, 'w'], [2, 'h'], [1, 'b']] as const) {
      for (; i + n <= size; i += n) this.st(sz, 'fp', off + i, 0);
    }
    return off;
  }

  finish(): IrFunction {
    return { name: this.name, insns: this.insns, vregCount: this.vregs, stackUsed: this.frame.size };
  }
}
