// Arithmetic: exact bounds for numbers, and the kernel's rules for pointer arithmetic (only
// 64-bit add/sub of a bounded number; nothing on maybe-null pointers, pkt_end or map pointers).
import { AluOp, Class, Source, opAlu, opClass, opSource } from '../../isa/opcodes.js';
import { Env } from './env.js';
import { VerifierState } from './state.js';
import { RegState, constScalar, isOrNull, isPacket, isPointer, scalarReg, unknownScalar } from './register.js';
import * as S from './scalar.js';
import { MAX_VAR_OFF } from './memory-access.js';

const OP_SYM: Record<number, string> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=',
  [AluOp.AND]: '&=', [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=',
  [AluOp.ARSH]: 's>>=', [AluOp.NEG]: 'neg', [AluOp.END]: 'endian',
};

export function checkRead(env: Env, st: VerifierState, regno: number): RegState {
  const r = st.regs[regno];
  if (r.kind === 'not_init') env.fail(`R${regno} !read_ok`);
  return r;
}

export function aluStep(env: Env, st: VerifierState): void {
  const insn = env.insn;
  const is64 = opClass(insn.code) === Class.ALU64;
  const op = opAlu(insn.code);
  const regs = st.regs;
  if (op > AluOp.END) env.fail(`unknown opcode ${insn.code.toString(16).padStart(2, '0')}`);
  if (insn.dst > 10 || (opSource(insn.code) === Source.X && insn.src > 10)) env.fail(`R${Math.max(insn.dst, insn.src)} is invalid`);
  const useReg = opSource(insn.code) === Source.X && op !== AluOp.NEG && op !== AluOp.END;
  const src: RegState = useReg ? checkRead(env, st, insn.src) : constScalar(is64 ? BigInt(insn.imm | 0) : BigInt(insn.imm >>> 0));
  if (op !== AluOp.MOV) checkRead(env, st, insn.dst);
  if (insn.dst === 10) env.fail('frame pointer is read only');

  if (op === AluOp.MOV) {
    if (insn.off && useReg) {
      if (![8, 16, 32].includes(insn.off)) env.fail(`invalid movsx offset ${insn.off}`);
      regs[insn.dst] = movsx(src, insn.off, is64);
      return;
    }
    if (is64) regs[insn.dst] = src;
    else if (isPointer(src)) regs[insn.dst] = scalarReg(S.rangeBounds(0n, S.U32_MAX));
    else regs[insn.dst] = scalarReg(S.truncate(src.b, 4));
    return;
  }
  if ((op === AluOp.DIV || op === AluOp.MOD) && !useReg && insn.imm === 0) env.fail('div by zero');
  if ((op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) && !useReg) {
    const width = is64 ? 64 : 32;
    if (insn.imm < 0 || insn.imm >= width) env.fail(`invalid shift ${insn.imm}`);
  }
  if (op === AluOp.END && ![16, 32, 64].includes(insn.imm)) env.fail(`invalid BPF_ALU opcode ${insn.code.toString(16)}`);

  const dst = regs[insn.dst];
  if (isPointer(dst) || isPointer(src)) {
    regs[insn.dst] = pointerArith(env, op, is64, dst, src, insn.dst);
    return;
  }
  regs[insn.dst] = scalarReg(scalarOp(op, is64, dst.b, src.b, insn.off === 1));
}

function movsx(src: RegState, bits: number, is64: boolean): RegState {
  if (isPointer(src)) return unknownScalar();
  if (S.isConst(src.b)) {
    const v = BigInt.asIntN(bits, src.b.tnum.value);
    return constScalar(is64 ? v : BigInt.asUintN(32, v));
  }
  const lim = 1n << BigInt(bits - 1);
  if (!is64) return scalarReg(S.rangeBounds(0n, S.U32_MAX));
  return scalarReg(S.normalize({ ...S.unknownBounds(), smin: -lim, smax: lim - 1n }));
}

/** A number OP a number. 32-bit operations work on the low halves and zero-extend. */
export function scalarOp(op: number, is64: boolean, a0: S.Bounds, b0: S.Bounds, signed: boolean): S.Bounds {
  const a = is64 ? a0 : S.truncate(a0, 4);
  const b = is64 ? b0 : S.truncate(b0, 4);
  const width = is64 ? 64n : 32n;
  const finish = (r: S.Bounds): S.Bounds => (is64 ? r : S.truncate(r, 4));
  const unknown = (): S.Bounds => (is64 ? S.unknownBounds() : S.rangeBounds(0n, S.U32_MAX));
  // Where the kernel's verifier gives up, so do we, even with known operands: its verdicts
  // depend on it (a branch it cannot decide is explored both ways). It tracks no division or
  // modulo results, and no shifts by amounts that may reach the operand width.
  if (op === AluOp.DIV || op === AluOp.MOD) return unknown();
  if ((op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) && b.umax >= width) return unknown();
  if (S.isConst(a) && S.isConst(b)) return S.constBounds(constOp(op, a.tnum.value, b.tnum.value, width, signed));
  switch (op) {
    case AluOp.ADD: return finish(S.add(a, b));
    case AluOp.SUB: return finish(S.sub(a, b));
    case AluOp.MUL: return finish(S.mul(a, b));
    case AluOp.DIV: return signed ? finish(S.unknownBounds()) : S.udiv(a, b);
    case AluOp.MOD: return signed ? finish(S.unknownBounds()) : S.umod(a, b);
    case AluOp.AND: return S.and(a, b);
    case AluOp.OR: return S.or(a, b);
    case AluOp.XOR: return S.xor(a, b);
    case AluOp.LSH: return finish(S.lsh(a, b, width));
    case AluOp.RSH: return S.rsh(a, b, width);
    case AluOp.ARSH: return is64 ? S.arsh(a, b) : finish(S.unknownBounds());
    default: return finish(S.unknownBounds());
  }
}

/** Exact evaluation when both operands are known (RFC 9669 semantics, incl. x/0 = 0, x%0 = x). */
function constOp(op: number, x: bigint, y: bigint, width: bigint, signed: boolean): bigint {
  const w = Number(width);
  const u = (v: bigint): bigint => BigInt.asUintN(w, v);
  const s = (v: bigint): bigint => BigInt.asIntN(w, v);
  switch (op) {
    case AluOp.ADD: return u(x + y);
    case AluOp.SUB: return u(x - y);
    case AluOp.MUL: return u(x * y);
    case AluOp.DIV: return y === 0n ? 0n : signed ? u(s(x) / s(y)) : u(x) / u(y);
    case AluOp.MOD: return y === 0n ? u(x) : signed ? u(s(x) % s(y)) : u(x) % u(y);
    case AluOp.AND: return x & y;
    case AluOp.OR: return x | y;
    case AluOp.XOR: return x ^ y;
    case AluOp.LSH: return u(x << (y % width));
    case AluOp.RSH: return u(x) >> (y % width);
    case AluOp.ARSH: return u(s(x) >> (y % width));
    case AluOp.NEG: return u(-x);
    default: return 0n; // END on a constant: byte order is the runtime's business; value unknown is also sound
  }
}

function pointerArith(env: Env, op: number, is64: boolean, dst: RegState, src: RegState, dstno: number): RegState {
  const srcno = env.insn.src;
  const ptr = isPointer(dst) ? dst : src;
  const ptrno = isPointer(dst) ? dstno : srcno;
  const sym = OP_SYM[op] ?? 'op';
  // The privileged kernel turns pointer operations that cannot be tracked but leak nothing
  // dangerous (negation, byte swaps, 32-bit subtraction, pointer differences) into plain
  // numbers; the rest it refuses. We follow it so the same programs pass both.
  if (op === AluOp.NEG || op === AluOp.END) return isPointer(dst) ? unknownScalar() : dst;
  if (!is64) {
    if (op === AluOp.SUB) return unknownScalar();
    env.fail(`R${dstno} 32-bit pointer arithmetic prohibited`);
  }
  if (isPointer(dst) && isPointer(src)) {
    if (op === AluOp.SUB) return unknownScalar();
    env.fail(`R${dstno} pointer ${sym} pointer prohibited`);
  }
  if (op === AluOp.AND || op === AluOp.OR || op === AluOp.XOR) env.fail(`R${dstno} bitwise operator ${sym} on pointer prohibited`);
  if (op !== AluOp.ADD && op !== AluOp.SUB) env.fail(`R${dstno} pointer arithmetic with ${sym} operator prohibited`);
  if (!isPointer(dst)) {
    if (op === AluOp.SUB) env.fail(`R${dstno} tried to subtract pointer from scalar`);
  }
  if (isOrNull(ptr)) env.fail(`R${ptrno} pointer arithmetic on ${ptr.kind} prohibited, null-check it first`);
  if (ptr.kind === 'pkt_end' || ptr.kind === 'map_ptr') env.fail(`R${ptrno} pointer arithmetic on ${ptr.kind} prohibited`);
  if (op === AluOp.SUB && ptr.kind === 'fp') env.fail(`R${dstno} subtraction from stack pointer prohibited`);
  const num = isPointer(dst) ? src : dst;
  const kindName = ptr.kind;
  if (S.isConst(num.b)) {
    let k = BigInt.asIntN(64, num.b.tnum.value);
    if (op === AluOp.SUB) k = -k;
    if (k >= BigInt(MAX_VAR_OFF) || k <= -BigInt(MAX_VAR_OFF)) env.fail(`math between ${kindName} pointer and ${k} is not allowed`);
    const off = ptr.off + Number(k);
    if (off >= MAX_VAR_OFF || off <= -MAX_VAR_OFF) env.fail(`${kindName} pointer offset ${off} is not allowed`);
    return { ...ptr, off };
  }
  if (num.b.smin === S.S64_MIN) env.fail(`math between ${kindName} pointer and register with unbounded min value is not allowed`);
  if (num.b.smin >= BigInt(MAX_VAR_OFF) || num.b.smin <= -BigInt(MAX_VAR_OFF)) env.fail(`value ${num.b.smin} makes ${kindName} pointer be out of bounds`);
  const varB = op === AluOp.SUB ? S.sub(S.constBounds(0n), num.b) : num.b;
  const b = S.add(ptr.b, varB);
  // A packet pointer with a new variable part needs its own bounds check: new id, no range.
  if (isPacket(ptr)) return { ...ptr, b, id: env.nextId(), range: 0 };
  return { ...ptr, b };
}
