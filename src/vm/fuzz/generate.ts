// A generator of random, VALID eBPF programs for differential testing of the interpreter, the
// WebAssembly JIT and the kernel (BPF_PROG_TEST_RUN). "Valid" means the kernel verifier accepts
// them as XDP programs: every register is initialised before use, pointers never mix with
// scalars, packet accesses are covered by a bounds check against data_end, stack accesses stay
// in initialised slots, shifts by constants are in range, constant divisors are non-zero and
// loops are bounded by a counter the body never writes.
//
// Register discipline:  r8 = data_end, r9 = data (pointers, never written after the prologue);
// r0-r7 are scalars; r6 and r7 double as loop counters while a loop is open.
// The program folds every scalar register and the stack into r0 before exit (and r0 ^= r0 >> 32,
// because XDP truncates the return value to 32 bits), so a wrong value anywhere shows.
import { Instruction } from '../../isa/instruction.js';
import { ProgramBuilder, Reg, R0, R1, R8, R9, R10, AluName, JmpName, SizeName, AtomicName } from '../../isa/builder.js';
import { AluOp, Class, Source } from '../../isa/opcodes.js';

/** Bytes of packet every program may touch at constant offsets (it exits early if shorter). */
export const PACKET_MIN = 64;
/** Stack slots (8 bytes each) below r10 that the prologue initialises. */
export const STACK_SLOTS = 8;
/**
 * Fetching atomics (fetch_*, xchg, cmpxchg) use only this slot, which nothing else writes and
 * the verifier tracks as unknown bytes. Why: Linux 6.18's precision backtracking does not follow
 * the register a fetching atomic loads from a stack slot, so with a constant in the slot the
 * verifier can prune a path wrongly and hard-wire a branch the program does not take at run time
 * (found by this fuzzer; see KERNEL_VERIFIER_ATOMIC_FETCH in test/vm/jit-differential.test.ts).
 */
export const ATOMIC_SLOT_OFF = -8 * STACK_SLOTS;

/** A small, fast, seedable PRNG (mulberry32), so a failing seed reproduces exactly. */
export class Random {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number { return this.u32() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  chance(p: number): boolean { return this.u32() / 2 ** 32 < p; }
  /** A "interesting" 32-bit immediate: small, boundary or random. */
  imm(): number {
    switch (this.int(6)) {
      case 0: return this.int(16);
      case 1: return -1 - this.int(16);
      case 2: return this.pick([0x7fffffff, -0x80000000, 0xffff, 0x8000, 0x80, 0xff, 0x100, -0x8000]);
      default: return this.u32() | 0;
    }
  }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
}

export interface GenerateOptions {
  /** Approximate number of statements at the top level (default 24). */
  statements?: number;
}

interface Scope {
  /** Scalar registers the current code may write. */
  writable: Reg[];
  depth: number;
  loops: number;
  /** Inside a called function: no packet pointers (r8/r9 belong to the caller), no further calls. */
  callee?: boolean;
}

const SCALARS = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => new Reg(n));
const COUNTERS = [SCALARS[6], SCALARS[7]];
const ALU_OPS: AluName[] = ['add', 'sub', 'mul', 'or', 'and', 'xor', 'lsh', 'rsh', 'arsh', 'mov'];
const JMP_OPS: JmpName[] = ['jeq', 'jne', 'jgt', 'jge', 'jlt', 'jle', 'jsgt', 'jsge', 'jslt', 'jsle', 'jset'];
const SIZES: SizeName[] = ['b', 'h', 'w', 'dw'];
const BYTES: Record<SizeName, number> = { b: 1, h: 2, w: 4, dw: 8 };
const ATOMICS: AtomicName[] = ['add', 'or', 'and', 'xor', 'fetch_add', 'fetch_or', 'fetch_and', 'fetch_xor', 'xchg', 'cmpxchg'];

/** Generate one XDP program from `seed`. */
export function generateProgram(seed: number, options: GenerateOptions = {}): Instruction[] {
  const rnd = new Random(seed);
  const b = new ProgramBuilder();
  const out = b.newLabel('out');
  const anyScalar = (): Reg => rnd.pick(SCALARS);

  // Prologue: packet pointers, scalar registers, stack slots, then one bounds check that makes
  // the first PACKET_MIN bytes accessible at constant offsets.
  b.ldx('w', R9, R1, 0).ldx('w', R8, R1, 4);
  for (const r of SCALARS) {
    if (rnd.chance(0.3)) b.lddw(r, rnd.u64()); else b.mov64(r, rnd.imm());
  }
  for (let k = 1; k <= STACK_SLOTS; k++) b.st('dw', R10, -8 * k, rnd.imm());
  // The atomic slot: a non-fetching atomic makes the verifier track it as unknown bytes.
  b.atomic('dw', 'add', R10, ATOMIC_SLOT_OFF, rnd.pick(SCALARS));
  b.mov64(R1, R9).add64(R1, PACKET_MIN).jmp('jgt', R1, R8, out).mov64(R1, rnd.imm());

  const scope: Scope = { writable: SCALARS.slice(), depth: 0, loops: 0 };
  /** Local functions called so far: emitted after the main program. */
  const functions: string[] = [];
  block(options.statements ?? 24, scope);

  // Epilogue: fold everything into r0.
  b.label(out);
  for (let k = 1; k <= STACK_SLOTS; k++) {
    b.ldx('dw', R1, R10, -8 * k).alu64('mul', R0, 31).alu64('xor', R0, R1);
  }
  for (const r of SCALARS.slice(1)) b.alu64('mul', R0, 0x01000193).alu64('add', R0, r);
  b.mov64(R1, R0).alu64('rsh', R1, 32).alu64('xor', R0, R1).exit();

  // bpf-to-bpf functions: r1-r5 are arguments; r0, r6, r7 and the frame's stack are initialised
  // here (they are the callee's own); the result folds the callee's registers.
  for (const name of functions) {
    b.label(name);
    b.mov64(R0, rnd.imm()).mov64(SCALARS[6], rnd.imm()).mov64(SCALARS[7], rnd.imm());
    for (let k = 1; k <= STACK_SLOTS; k++) b.st('dw', R10, -8 * k, rnd.imm());
    b.atomic('dw', 'add', R10, ATOMIC_SLOT_OFF, rnd.pick(SCALARS));
    block(2 + rnd.int(6), { writable: SCALARS.slice(), depth: 1, loops: 0, callee: true });
    for (const r of SCALARS.slice(1)) b.alu64('xor', R0, r).alu64('mul', R0, 0x9e3779b1);
    b.ldx('dw', R1, R10, -8 * (1 + rnd.int(STACK_SLOTS))).alu64('add', R0, R1).exit();
  }
  return b.build();

  function block(n: number, s: Scope): void {
    for (let i = 0; i < n; i++) statement(s);
  }

  function dst(s: Scope): Reg { return rnd.pick(s.writable); }

  function statement(s: Scope): void {
    const roll = rnd.int(100);
    if (roll < 30) return alu(s);
    if (roll < 38) return divmod(s);
    if (roll < 42) return endian(s);
    if (roll < 45) return movsx(s);
    if (roll < 47) { b.lddw(dst(s), rnd.u64()); return; }
    if (roll < 56) return s.callee ? alu(s) : packetFixed(s);
    // Branches inside a nested loop multiply the kernel verifier's paths (it walks every
    // iteration), so the inner loop of two is straight-line code.
    const straight = s.loops >= 2;
    if (roll < 61) return s.callee || straight ? alu(s) : packetVariable(s);
    if (roll < 70) return stack(s);
    if (roll < 76) return atomic(s);
    if (roll < 92 && s.depth < 4 && !straight) return ifBlock(s);
    if (roll < 97 && s.loops < 2 && s.depth < 3) return loop(s);
    // No calls inside loops: the kernel verifier walks every iteration of the callee too.
    if (roll < 99 && !s.callee && s.loops === 0 && s.writable.some((r) => r.n === 0)) return call(s);
    return alu(s);
  }

  // A bpf-to-bpf call: the callee clobbers r1-r5 (the verifier forbids reading them after), so
  // they get fresh values; r6-r9 survive.
  function call(s: Scope): void {
    const name = functions.length && rnd.chance(0.5) ? rnd.pick(functions) : b.newLabel('fn');
    if (!functions.includes(name)) functions.push(name);
    b.callLocal(name);
    for (let r = 1; r <= 5; r++) b.mov64(SCALARS[r], rnd.imm());
  }

  function alu(s: Scope): void {
    const is64 = rnd.chance(0.6);
    const op = rnd.pick(ALU_OPS);
    const d = dst(s);
    if (rnd.chance(0.08)) { // neg
      b.emit({ code: (is64 ? Class.ALU64 : Class.ALU) | AluOp.NEG, dst: d.n, src: 0, off: 0, imm: 0 });
      return;
    }
    const shift = op === 'lsh' || op === 'rsh' || op === 'arsh';
    const src: Reg | number = rnd.chance(0.5) ? anyScalar() : shift ? rnd.int(is64 ? 64 : 32) : rnd.imm();
    if (is64) b.alu64(op, d, src); else b.alu32(op, d, src);
  }

  function divmod(s: Scope): void {
    const is64 = rnd.chance(0.5);
    const isDiv = rnd.chance(0.5);
    const signed = rnd.chance(0.4);
    const d = dst(s);
    const useReg = rnd.chance(0.6);
    let imm = 0;
    if (!useReg) {
      do imm = rnd.chance(0.2) ? -1 : rnd.imm(); while (imm === 0); // the verifier rejects K-form division by 0
    }
    const src = useReg ? anyScalar() : undefined;
    b.emit({
      code: (is64 ? Class.ALU64 : Class.ALU) | (isDiv ? AluOp.DIV : AluOp.MOD) | (src ? Source.X : Source.K),
      dst: d.n, src: src ? src.n : 0, off: signed ? 1 : 0, imm,
    });
  }

  function endian(s: Scope): void {
    b.endian(rnd.pick(['be', 'le', 'bswap'] as const), dst(s), rnd.pick([16, 32, 64] as const));
  }

  function movsx(s: Scope): void {
    const d = dst(s);
    const src = anyScalar();
    if (rnd.chance(0.5)) b.movsx64(d, src, rnd.pick([8, 16, 32] as const));
    else b.emit({ code: Class.ALU | AluOp.MOV | Source.X, dst: d.n, src: src.n, off: rnd.pick([8, 16]), imm: 0 });
  }

  function packetFixed(s: Scope): void {
    const size = rnd.pick(SIZES);
    const off = rnd.int(PACKET_MIN - BYTES[size] + 1);
    memOp(s, R9, off, size);
  }

  /** A load or store of `size` at base+off: ldx, ldxs (sign-extending), stx or st. */
  function memOp(s: Scope, base: Reg, off: number, size: SizeName, sources: Reg[] = SCALARS): void {
    const kind = rnd.int(4);
    if (kind === 0) b.ldx(size, dst(s), base, off);
    else if (kind === 1 && size !== 'dw') b.ldxs(size, dst(s), base, off);
    else if (kind === 2) b.stx(size, base, off, rnd.pick(sources));
    else b.st(size, base, off, rnd.imm());
  }

  // ptr = data + (x & mask); end = ptr + size; if end > data_end skip; access ptr[0].
  function packetVariable(s: Scope): void {
    if (s.writable.length < 3) return alu(s);
    const [p, e] = pickDistinct(s.writable, 2);
    const x = anyScalar();
    const size = rnd.pick(SIZES);
    const skip = b.newLabel('skip');
    b.mov64(p, x).alu64('and', p, rnd.pick([7, 15, 63, 127, 255])).add64(p, R9);
    b.mov64(e, p).add64(e, BYTES[size]).jmp('jgt', e, R8, skip);
    const notPointers = (r: Reg): boolean => r !== p && r !== e;
    memOp({ ...s, writable: s.writable.filter(notPointers) }, p, 0, size, SCALARS.filter(notPointers));
    b.label(skip);
    // p and e hold packet pointers on both paths: make them scalars again.
    b.mov64(p, rnd.imm()).mov64(e, rnd.imm());
  }

  function pickDistinct(regs: Reg[], n: number): Reg[] {
    const pool = regs.slice();
    const outRegs: Reg[] = [];
    for (let i = 0; i < n; i++) outRegs.push(pool.splice(rnd.int(pool.length), 1)[0]);
    return outRegs;
  }

  function stack(s: Scope): void {
    const size = rnd.pick(SIZES);
    const slot = 1 + rnd.int(STACK_SLOTS - 1); // not the atomic slot
    const within = BYTES[size] * rnd.int(8 / BYTES[size]);
    memOp(s, R10, -8 * slot + within, size);
  }

  function atomic(s: Scope): void {
    const size = rnd.pick(['w', 'dw'] as const);
    const op = rnd.pick(ATOMICS);
    const writesSrc = op.startsWith('fetch') || op === 'xchg';
    const slot = writesSrc || op === 'cmpxchg' ? STACK_SLOTS : 1 + rnd.int(STACK_SLOTS);
    const within = size === 'w' ? 4 * rnd.int(2) : 0;
    if (op === 'cmpxchg' && !s.writable.some((r) => r.n === 0)) return alu(s);
    const src = writesSrc ? dst(s) : anyScalar();
    b.atomic(size, op, R10, -8 * slot + within, src);
    // Linux 6.18 zero-extends r0 after a 32-bit cmpxchg only when the verifier sees a 64-bit
    // read of r0 on the same path before a prune point (KERNEL_CMPXCHG32_ZEXT in the test):
    // read it right away so the kernel runs what the ISA says.
    if (op === 'cmpxchg' && size === 'w') b.mov64(R0, R0);
  }

  function ifBlock(s: Scope): void {
    const end = b.newLabel('endif');
    const d = anyScalar();
    const src: Reg | number = rnd.chance(0.5) ? anyScalar() : rnd.imm();
    const op = rnd.pick(JMP_OPS);
    if (rnd.chance(0.3)) b.jmp32(op, d, src, end); else b.jmp(op, d, src, end);
    const inner = { ...s, depth: s.depth + 1 };
    if (rnd.chance(0.3)) {
      // if/else: the "then" part jumps over the "else" part.
      const other = b.newLabel('else');
      block(1 + rnd.int(3), inner);
      b.ja(other);
      b.label(end);
      block(1 + rnd.int(3), inner);
      b.label(other);
      return;
    }
    block(1 + rnd.int(4), inner);
    b.label(end);
  }

  function loop(s: Scope): void {
    const counter = COUNTERS[s.loops];
    const head = b.newLabel('loop');
    b.mov64(counter, 1 + rnd.int(5));
    b.label(head);
    block(1 + rnd.int(4), { ...s, writable: s.writable.filter((r) => r !== counter), depth: s.depth + 1, loops: s.loops + 1 });
    b.alu64('sub', counter, 1).jmp('jne', counter, 0, head);
  }
}

/** The XDP context (struct xdp_md) for a packet at `data` of `length` bytes. */
export function xdpContext(data: number, length: number): Uint8Array {
  const ctx = new Uint8Array(24);
  const v = new DataView(ctx.buffer);
  v.setUint32(0, data, true);
  v.setUint32(4, data + length, true);
  v.setUint32(8, data, true); // data_meta: no metadata
  return ctx;
}

/** A random packet of `length` bytes. */
export function randomPacket(rnd: Random, length: number): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = rnd.int(256);
  return p;
}
