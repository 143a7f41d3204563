// eBPF -> WebAssembly code generation.
//
// Each eBPF function (the main program and every target of a bpf-to-bpf call) becomes one wasm
// function `(r1, r2, r3, r4, r5, r10) -> r0`, with r0 and r6-r9 as i64 locals: the callee-saved
// registers are preserved for free, and the frame pointer of a callee is its caller's minus one
// 512-byte frame.
//
// Control flow: wasm only has structured control flow. The basic blocks of a function (in pc
// order) are laid out in a nest of wasm blocks so that falling out of B[i] runs B[i+1] and a
// FORWARD jump to B[k] is a direct `br` out of the block that ends right before B[k]:
//
//     block W[n-1] ... block W[1]  B0 code  end  B1 code  end ...  B[n-1] code
//
// Loops, two ways:
//  - structured (the usual case, all a compiler emits): when every loop is a block range entered
//    only at its header and loops nest, each loop is a wasm `loop` around its range, laid out the
//    same way recursively, and a BACKWARD jump is a `br` to it;
//  - dispatcher (any other control flow): the whole nest sits in one wasm loop whose head is a
//    br_table on a `label` local; a backward jump sets `label` and branches there.
// Either way every backward jump charges the instruction budget (with the length of the loop it
// closes), so a runaway loop ends with a budget-exceeded error instead of hanging.
//
// Memory: an access is checked against fast windows (the current stack frame and up, up to three
// regions whose bounds live in wasm globals: the run's input/packet, its context, the last region
// the slow path found) and otherwise calls VmMemory.check through an import; the verifier's
// proofs (CompileOptions.provenSafe) remove the check.
import { Instruction, slotOffsets } from '../../isa/instruction.js';
import {
  AluOp, AtomicOp, CallSrc, Class, JmpOp, LDDW, Mode, Size, Source, STACK_SIZE,
  opAlu, opClass, opMode, opSize, opSource, sizeBytes,
} from '../../isa/opcodes.js';
import { Code, F64, I32, I64, ModuleBuilder, Op, ValType } from './wasm.js';
import { Helper } from '../../isa/helpers.js';

/** Why compiled code stopped abnormally (passed to the `trap` import with the pc). */
export const TrapKind = {
  BUDGET: 1,
  CALL_DEPTH: 2,
  FELL_OFF: 3,
  /** A legacy packet load out of bounds: the program ends with r0 = 0 (as in the kernel). */
  ABS_OUT_OF_BOUNDS: 4,
  /** Invalid instructions, bad jump targets and unknown helpers trap only when reached, as in the interpreter. */
  INVALID: 5,
  JUMP_OUT: 6,
  UNKNOWN_HELPER: 7,
  NO_PACKET: 8,
} as const;
export type TrapKindValue = typeof TrapKind[keyof typeof TrapKind];

/** Deepest bpf-to-bpf call chain (the kernel's MAX_CALL_FRAMES). */
export const MAX_FRAMES = 8;

export class JitCompileError extends Error {
  constructor(message: string, readonly pc: number) {
    super(`pc ${pc}: ${message}`);
    this.name = 'JitCompileError';
  }
}

export interface CompileOptions {
  /**
   * The verifier's hook: true for a pc whose memory access was proven to stay inside its region.
   * Those accesses are emitted without a runtime check (the wasm sandbox still bounds them).
   */
  provenSafe?: (pc: number) => boolean;
  /** The stack region (all frames): r10-relative accesses inside it are checked at compile time. */
  stack: { start: number; size: number };
  /** lddw with a pseudo source (map fd, map value...): the 64-bit value to load. */
  resolvePseudo?: (insn: Instruction) => bigint;
  /**
   * Control-flow layout: 'auto' uses wasm loops when every loop is entered only at its header
   * (reducible, as compilers emit) and the dispatcher otherwise; 'dispatcher' always dispatches.
   */
  layout?: 'auto' | 'dispatcher';
  /** Whether a helper id exists; calls to others trap when reached. Default: all exist. */
  hasHelper?: (id: number) => boolean;
  /**
   * Whether a helper has a 32-bit variant (import `f<id>`: (pc, r1..r5 as i32) -> f64). Calls
   * whose five arguments all fit in 32 bits (pointers, handles, flags) take it: no BigInt crosses
   * the boundary. Others take the general i64 import.
   */
  fastHelper?: (id: number) => boolean;
  /**
   * Whether a helper is a function of nothing that reads no VM memory and cannot fail (a clock):
   * it is imported as it is (`b<id>`: () -> i64) and called with no wrapper and no argument test.
   * In a program that reads the clock in a loop, the wrapper cost a fifth of each read.
   */
  bareHelper?: (id: number) => boolean;
  /** Helpers simple enough to compute in wasm: 'zero' returns 0, 'prandom' a xorshift32 number. */
  inlineHelper?: (id: number) => 'zero' | 'prandom' | undefined;
  /**
   * An array map's value layout by handle (values at base + index * stride, `count` of them):
   * map_lookup_elem with that handle in r1 (a constant in the same block) is compiled inline.
   */
  arrayMap?: (handle: bigint) => ArrayLayout | undefined;
  /**
   * Zero the stack before each run (default true, as the interpreter does). A verified program
   * never reads stack bytes it did not write, so it may skip this.
   */
  zeroStack?: boolean;
}

export interface ArrayLayout {
  base: number;
  stride: number;
  count: number;
  valueSize: number;
  writable: boolean;
}

export interface CompiledModule {
  bytes: Uint8Array;
  /** Helper ids in import order (import `h<id>`). */
  helpers: number[];
  /** Helper ids called through their 32-bit variant (import `f<id>`). */
  fastHelpers: number[];
  bareHelpers: number[];
  /** True when the program uses callx (dynamic helper calls). */
  usesCallx: boolean;
  /** Why each statically-known trap site traps (INVALID, JUMP_OUT, UNKNOWN_HELPER). */
  traps: Map<number, string>;
}

/** Names of the exported globals the runtime sets before each run. */
export const Globals = ['fuel', 'depth', 'w1lo', 'w1hi', 'w1wr', 'w2lo', 'w2hi', 'w2wr', 'pktlo', 'pktlen', 'w3lo', 'w3hi', 'w3wr', 'fuel0', 'hi', 'rng'] as const;
type GlobalName = typeof Globals[number];

// Local indices inside every function.
const P_R1 = 0; // params r1..r5 = 0..4, r10 = 5
const P_FP = 5;
const L_R0 = 6;
const L_R6 = 7; // r6..r9 = 7..10
const L_LABEL = 11;
const L_T0 = 12; // i64 temporaries 12..15
const L_T1 = 13;
const L_T2 = 14;
const L_T3 = 15;
const LOCALS: ValType[] = [I64, I64, I64, I64, I64, I32, I64, I64, I64, I64];

const local = (reg: number): number =>
  reg === 0 ? L_R0 : reg <= 5 ? P_R1 + reg - 1 : reg <= 9 ? L_R6 + reg - 6 : P_FP;

const FUNC_PARAMS: ValType[] = [I64, I64, I64, I64, I64, I64];

export function compile(program: readonly Instruction[], options: CompileOptions): CompiledModule {
  const pcs = slotOffsets(program);
  const totalSlots = pcs.length ? pcs[pcs.length - 1] + (program[program.length - 1].code === LDDW ? 2 : 1) : 0;
  const indexOfPc = new Map<number, number>();
  pcs.forEach((pc, i) => indexOfPc.set(pc, i));
  if (program.length === 0) throw new JitCompileError('empty program', 0);
  const traps = new Map<number, string>();

  // Functions: pc 0 and every (valid) local call target.
  const entries = new Set<number>([0]);
  program.forEach((insn, i) => {
    if (insn.code === (Class.JMP | JmpOp.CALL) && insn.src === CallSrc.LOCAL) {
      const target = pcs[i] + 1 + insn.imm;
      if (indexOfPc.has(target)) entries.add(target);
    }
  });
  const starts = [...entries].sort((a, b) => a - b);

  const mod = new ModuleBuilder();
  const trapFn = mod.importFunc('env', 'trap', [I32, I32], []);
  // The slow path returns the bounds of the region it found (start | end << 32), or -1 when the
  // region must not be cached; compiled code keeps them as a third fast window until a helper runs.
  const checkFn = mod.importFunc('env', 'check', [I64, I32, I32, I32], [I64]);
  const hasHelper = options.hasHelper ?? (() => true);
  const helperIds = [...new Set(program.filter((x) => x.code === (Class.JMP | JmpOp.CALL) && x.src === CallSrc.HELPER && hasHelper(x.imm)).map((x) => x.imm))];
  const helperFn = new Map<number, number>();
  for (const id of helperIds) helperFn.set(id, mod.importFunc('env', `h${id}`, [I32, I64, I64, I64, I64, I64], [I64]));
  const bareIds = helperIds.filter((id) => options.bareHelper?.(id));
  const bareFn = new Map<number, number>();
  for (const id of bareIds) bareFn.set(id, mod.importFunc('env', `b${id}`, [], [I64]));
  const fastIds = helperIds.filter((id) => options.fastHelper?.(id) && !bareFn.has(id));
  const fastFn = new Map<number, number>();
  for (const id of fastIds) fastFn.set(id, mod.importFunc('env', `f${id}`, [I32, I32, I32, I32, I32, I32], [F64]));
  const usesCallx = program.some((x) => x.code === (Class.JMP | JmpOp.CALL | Source.X));
  const callxFn = usesCallx ? mod.importFunc('env', 'callx', [I32, I64, I64, I64, I64, I64, I64], [I64]) : -1;
  mod.importMemory('env', 'memory', 0);

  const g = {} as Record<GlobalName, number>;
  // Not exported: V8 keeps unexported mutable globals inline in the instance (faster access).
  for (const name of Globals) g[name] = mod.global(I32, 0n);

  const funcIndex = new Map<number, number>();
  starts.forEach((start, i) => funcIndex.set(start, mod.declareFunc(FUNC_PARAMS, [I64], i === 0 ? 'main' : undefined)));

  // The JS entry points. Setting a wasm global from JS costs tens of ns, so the per-run state
  // (fast windows, packet, fuel) comes in as i32 parameters of one call and is stored by wasm;
  // pointers fit in 32 bits, so no BigInt crosses the boundary on the way in.
  const setupParams: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, I32];
  const setup = mod.declareFunc(setupParams, [], 'setup');
  const entry = mod.declareFunc([I32, I32, ...setupParams], [I64], 'run');

  starts.forEach((start, fi) => {
    const end = fi + 1 < starts.length ? starts[fi + 1] : totalSlots;
    const body = compileFunction(program, pcs, indexOfPc, start, end, {
      options, trapFn, checkFn, helperFn, fastFn, bareFn, callxFn, funcIndex, g, traps,
    });
    mod.defineFunc(funcIndex.get(start)!, LOCALS, body);
  });

  const s = new Code();
  (['w1lo', 'w1hi', 'w1wr', 'w2lo', 'w2hi', 'w2wr', 'pktlo', 'pktlen', 'fuel'] as const).forEach((name, i) => { s.get(i).gset(g[name]); });
  s.i32(0).gset(g.depth);
  s.i32(-1).gset(g.w3lo).i32(-1).gset(g.w3hi).i32(0).gset(g.w3wr);
  // A fresh, zeroed stack each run (as the interpreter does: runs are deterministic). Without
  // local calls only the main frame is reachable, since accesses below it fault.
  const zeroFrom = starts.length > 1 ? options.stack.start : options.stack.start + options.stack.size - STACK_SIZE;
  // A program that never names r10 cannot reach the stack (a pointer into it can only come
  // from r10), so its bytes are unobservable and need no zeroing.
  const stackReachable = program.some((x) => x.dst === 10 || x.src === 10);
  const zeroStack = (code: Code): void => {
    if (options.zeroStack === false || !stackReachable) return;
    // Unrolled 8-byte stores: V8's memory.fill costs ~70 ns per call, far more than 64 stores.
    for (let at = zeroFrom; at < options.stack.start + options.stack.size; at += 8) code.i32(at).i64(0n).mem(Op.i64_store);
  };
  zeroStack(s);
  mod.defineFunc(setup, [], s);

  // The lean entry: `prepare` stores the per-run state once (windows, packet, fuel), `again(r1,
  // r2)` runs with it and returns r0's low 32 bits (what the kernel returns for most program
  // types), leaving the high half for `high()`: i32s both ways, nothing allocated per run.
  const prepare = mod.declareFunc(setupParams, [], 'prepare');
  const pr = new Code();
  (['w1lo', 'w1hi', 'w1wr', 'w2lo', 'w2hi', 'w2wr', 'pktlo', 'pktlen', 'fuel0'] as const).forEach((name, i) => { pr.get(i).gset(g[name]); });
  mod.defineFunc(prepare, [], pr);
  const again = mod.declareFunc([I32, I32], [I32], 'again');
  const a = new Code();
  a.gget(g.fuel0).gset(g.fuel).i32(0).gset(g.depth);
  a.i32(-1).gset(g.w3lo).i32(-1).gset(g.w3hi).i32(0).gset(g.w3wr);
  zeroStack(a);
  a.get(0).op(Op.i64_extend_i32_u).get(1).op(Op.i64_extend_i32_u).i64(0n).i64(0n).i64(0n)
    .i64(BigInt(options.stack.start + options.stack.size)).call(funcIndex.get(0)!).set(2);
  a.get(2).i64(32n).op(Op.i64_shr_u).op(Op.i32_wrap_i64).gset(g.hi);
  a.get(2).op(Op.i32_wrap_i64);
  mod.defineFunc(again, [I64], a);
  // `repeat(r1, r2, n)`: `again` n times inside wasm, returning the last r0's low half. The
  // counterpart of BPF_PROG_TEST_RUN's `repeat`, which times the kernel's JIT with no system call
  // per run: this times ours with no JavaScript-to-wasm call per run (bench/vm-engines.ts).
  const repeat = mod.declareFunc([I32, I32, I32], [I32], 'repeat');
  const rp = new Code();
  rp.loop().get(0).get(1).call(again).set(3).get(2).i32(1).op(Op.i32_sub).tee(2).i32(0).op(Op.i32_gt_s).brIf(0).end();
  rp.get(3);
  mod.defineFunc(repeat, [I32], rp);
  // Seeds the inline get_prandom_u32 (xorshift32: any non-zero state).
  const seed = mod.declareFunc([I32], [], 'seed');
  mod.defineFunc(seed, [], new Code().get(0).i32(1).op(Op.i32_or).gset(g.rng));
  const high = mod.declareFunc([], [I32], 'high');
  mod.defineFunc(high, [], new Code().gget(g.hi));

  // Called by the runtime when a helper unmapped memory: the cached region may be gone.
  const forget = mod.declareFunc([], [], 'forget');
  const f = new Code();
  f.i32(-1).gset(g.w3lo).i32(-1).gset(g.w3hi);
  mod.defineFunc(forget, [], f);

  const e = new Code();
  for (let i = 0; i < setupParams.length; i++) e.get(2 + i);
  e.call(setup);
  e.get(0).op(Op.i64_extend_i32_u).get(1).op(Op.i64_extend_i32_u).i64(0n).i64(0n).i64(0n)
    .i64(BigInt(options.stack.start + options.stack.size)).call(funcIndex.get(0)!);
  mod.defineFunc(entry, [], e);

  return { bytes: mod.finish(), helpers: helperIds, fastHelpers: fastIds, bareHelpers: bareIds, usesCallx, traps };
}

const VALID_ATOMIC = new Set<number>([
  AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR, AtomicOp.ADD | AtomicOp.FETCH, AtomicOp.OR | AtomicOp.FETCH,
  AtomicOp.AND | AtomicOp.FETCH, AtomicOp.XOR | AtomicOp.FETCH, AtomicOp.XCHG, AtomicOp.CMPXCHG,
]);

const storeOp = (size: number): number => size === 1 ? Op.i64_store8 : size === 2 ? Op.i64_store16 : size === 4 ? Op.i64_store32 : Op.i64_store;
const loadOpU = (size: number): number => size === 4 ? Op.i64_load32_u : Op.i64_load;

interface Context {
  options: CompileOptions;
  trapFn: number;
  checkFn: number;
  helperFn: Map<number, number>;
  fastFn: Map<number, number>;
  bareFn: Map<number, number>;
  callxFn: number;
  funcIndex: Map<number, number>;
  g: Record<GlobalName, number>;
  traps: Map<number, string>;
}

function compileFunction(
  program: readonly Instruction[], pcs: number[], indexOfPc: Map<number, number>,
  start: number, end: number, cx: Context,
): Code {
  const first = indexOfPc.get(start)!;
  const totalSlots = pcs[pcs.length - 1] + (program[program.length - 1].code === LDDW ? 2 : 1);
  let last = first;
  while (last + 1 < program.length && pcs[last + 1] < end) last++;

  const isCond = (insn: Instruction): boolean => {
    const c = opClass(insn.code);
    if (c !== Class.JMP && c !== Class.JMP32) return false;
    const op = opAlu(insn.code);
    return op !== JmpOp.CALL && op !== JmpOp.EXIT;
  };
  const jumpTarget = (insn: Instruction, pc: number): number =>
    pc + 1 + (opClass(insn.code) === Class.JMP32 && opAlu(insn.code) === JmpOp.JA ? insn.imm : insn.off);

  // A jump may only land on an instruction of the same function; others trap when taken.
  const validTarget = (t: number): boolean => t >= start && t < end && indexOfPc.has(t);
  /** A jump that lands nowhere: into an lddw's second slot (reported there) or out of range. */
  const badTarget = (pc: number, t: number): void => {
    if (t >= 0 && t < totalSlots && !indexOfPc.has(t)) {
      trap(TrapKind.INVALID, t, `jump into the second half of the lddw at pc ${t - 1}`);
    } else trap(TrapKind.JUMP_OUT, pc, `jump to pc ${t}, outside the ${start === 0 && end === totalSlots ? 'program' : 'function'}`);
  };

  // Basic block leaders.
  const leaders = new Set<number>([start]);
  for (let i = first; i <= last; i++) {
    const insn = program[i];
    const pc = pcs[i];
    if (isCond(insn)) {
      const t = jumpTarget(insn, pc);
      if (validTarget(t)) leaders.add(t);
      if (i + 1 <= last) leaders.add(pcs[i + 1]);
    } else if (insn.code === (Class.JMP | JmpOp.EXIT) && i + 1 <= last) {
      leaders.add(pcs[i + 1]);
    }
  }
  const blocks = [...leaders].sort((a, b) => a - b);
  const blockOf = new Map<number, number>();
  blocks.forEach((pc, b) => blockOf.set(pc, b));
  const n = blocks.length;

  // Instructions of each block, and the blocks each block's jumps lead to.
  const blockFirst: number[] = [];
  const blockLast: number[] = [];
  for (let i = first; i <= last; i++) {
    const b = blockOf.get(pcs[i]);
    if (b !== undefined) blockFirst[b] = i;
    blockLast[blockFirst.length - 1] = i;
  }
  const edges: [number, number][] = [];
  for (let b = 0; b < n; b++) {
    // A conditional or unconditional jump always ends its block.
    const i = blockLast[b];
    if (!isCond(program[i])) continue;
    const t = jumpTarget(program[i], pcs[i]);
    if (validTarget(t)) edges.push([b, blockOf.get(t)!]);
  }

  const c = new Code();
  const trap = (kind: number, pc: number, detail?: string): void => {
    if (detail !== undefined) cx.traps.set(pc, detail);
    c.i32(kind).i32(pc).call(cx.trapFn);
  };
  /** Charge the budget on a backward edge, with the length of the loop it closes. */
  const charge = (amount: number, pc: number): void => {
    c.gget(cx.g.fuel).i32(amount).op(Op.i32_sub).op(Op.global_set).u32(cx.g.fuel);
    c.gget(cx.g.fuel).i32(0).op(Op.i32_lt_s).if_(); trap(TrapKind.BUDGET, pc); c.end();
  };
  const get = (reg: number): void => { c.get(local(reg)); };
  const set = (reg: number): void => {
    if (reg === 10) throw new JitCompileError('r10 is read-only', -1);
    c.set(local(reg));
  };
  /** r1's value when it is a constant loaded earlier in the current block (a map handle). */
  let knownR1: bigint | undefined;
  const emitBlock = (b: number): void => {
    knownR1 = undefined;
    for (let i = blockFirst[b]; i <= blockLast[b]; i++) {
      const pc = pcs[i];
      const insn = program[i];
      const mark = c.length;
      try {
        validate(insn);
        emitInsn(insn, pc);
      } catch (e) {
        if (!(e instanceof JitCompileError)) throw e;
        // Invalid instructions compile to a trap: they fail when reached, not when loaded.
        c.length = mark;
        trap(TrapKind.INVALID, pc, e.message.replace(/^pc -?\d+: /, ''));
      }
      knownR1 = r1After(insn, knownR1);
    }
  };
  /** What r1 holds after `insn`, if it is a known constant (only lddw sets one). */
  function r1After(insn: Instruction, before: bigint | undefined): bigint | undefined {
    const cls = opClass(insn.code);
    if (insn.code === LDDW) {
      if (insn.dst !== 1) return before;
      if (insn.src === 0) return BigInt.asUintN(64, insn.imm64 ?? BigInt(insn.imm >>> 0));
      try { return cx.options.resolvePseudo ? BigInt.asUintN(64, cx.options.resolvePseudo(insn)) : undefined; } catch { return undefined; }
    }
    if (cls === Class.ALU || cls === Class.ALU64 || cls === Class.LDX) return insn.dst === 1 ? undefined : before;
    if (cls === Class.STX && opMode(insn.code) === Mode.ATOMIC) return insn.src === 1 && (insn.imm & (AtomicOp.FETCH | AtomicOp.XCHG)) ? undefined : before;
    if (cls === Class.JMP && opAlu(insn.code) === JmpOp.CALL) return undefined;
    if (cls === Class.LD) return undefined;
    return before;
  }

  /** Branch to block k from the current code (condition already on the stack if `cond`). */
  let branch: (k: number, pc: number, cond: boolean, amount: number) => void;
  const loops = cx.options.layout === 'dispatcher' ? undefined : naturalLoops();
  if (loops) {
    // Structured: each loop (a block range entered only at its header) is a wasm `loop`; a
    // backward jump is a `br` to it, a forward jump a `br` out of the block that ends just before
    // its target. No dispatcher at all.
    type Label = { kind: 'fwd' | 'loop'; block: number } | { kind: 'if' };
    const labels: Label[] = [];
    const depthOf = (k: number): { depth: number; back: boolean } => {
      for (let d = labels.length - 1; d >= 0; d--) {
        const l = labels[d];
        if (l.kind !== 'if' && l.block === k) return { depth: labels.length - 1 - d, back: l.kind === 'loop' };
      }
      throw new Error(`internal: no label for block ${k}`);
    };
    branch = (k, pc, cond, amount) => {
      const { depth, back } = depthOf(k);
      if (!back) { if (cond) c.brIf(depth); else c.br(depth); return; }
      if (cond) { c.if_(); labels.push({ kind: 'if' }); }
      charge(amount, pc);
      c.br(depthOf(k).depth);
      if (cond) { c.end(); labels.pop(); }
    };
    const emitRange = (a: number, b: number, header: number): void => {
      const starts: number[] = [];
      for (let j = a; j < b;) {
        starts.push(j);
        j = j !== header && loops.has(j) ? loops.get(j)! + 1 : j + 1;
      }
      for (let m = starts.length - 1; m >= 1; m--) { c.block(); labels.push({ kind: 'fwd', block: starts[m] }); }
      starts.forEach((j, m) => {
        if (m > 0) { c.end(); labels.pop(); }
        if (j !== header && loops.has(j)) {
          c.loop(); labels.push({ kind: 'loop', block: j });
          emitRange(j, loops.get(j)! + 1, j);
          c.end(); labels.pop();
        } else emitBlock(j);
      });
    };
    emitRange(0, n, -1);
  } else {
    // Dispatcher: blocks in a nest inside one loop; backward jumps set `label` and go through a
    // br_table at the loop head (see the file comment).
    let maxBackTarget = -1;
    for (const [from, to] of edges) if (to <= from) maxBackTarget = Math.max(maxBackTarget, to);
    const hasLoop = maxBackTarget >= 0;
    let extra = 0;
    let cur = 0;
    branch = (k, pc, cond, amount) => {
      if (k > cur) {
        const depth = k - cur - 1 + extra;
        if (cond) c.brIf(depth); else c.br(depth);
        return;
      }
      if (cond) { c.if_(); extra++; }
      charge(amount, pc);
      c.i32(k).set(L_LABEL);
      c.br(n - 1 - cur + extra);
      if (cond) { c.end(); extra--; }
    };
    if (hasLoop) { c.i32(0).set(L_LABEL); c.loop(); }
    for (let b = n - 1; b >= 0; b--) c.block();
    if (hasLoop) {
      const table: number[] = [];
      for (let k = 0; k <= maxBackTarget; k++) table.push(k);
      c.get(L_LABEL).brTable(table, 0);
    }
    for (let b = 0; b < n; b++) {
      // Close W[b]: the code of block b starts right after it.
      cur = b;
      c.end();
      emitBlock(b);
    }
    if (hasLoop) c.end();
  }
  // Falling off the end of the function's last block.
  const lastInsn = program[last];
  const op = opAlu(lastInsn.code);
  const endsHard = lastInsn.code === (Class.JMP | JmpOp.EXIT) || (opClass(lastInsn.code) === Class.JMP && op === JmpOp.JA)
    || (opClass(lastInsn.code) === Class.JMP32 && op === JmpOp.JA);
  // The interpreter reports this at the slot after the last instruction.
  if (!endsHard) trap(TrapKind.FELL_OFF, end === totalSlots ? totalSlots : pcs[last]);
  c.op(Op.unreachable);
  return c;

  /**
   * Loops as block ranges [header, end] when the control flow allows the structured layout:
   * every backward edge goes to a header, nothing jumps into a loop except at its header, and
   * loops nest or are disjoint. Undefined otherwise (the dispatcher handles any control flow).
   */
  function naturalLoops(): Map<number, number> | undefined {
    const ends = new Map<number, number>();
    for (const [from, to] of edges) if (to <= from) ends.set(to, Math.max(ends.get(to) ?? to, from));
    // Overlapping ranges are merged into the outer one.
    let changed = true;
    while (changed) {
      changed = false;
      for (const [h1, e1] of ends) {
        for (const [h2, e2] of ends) {
          if (h1 < h2 && h2 <= e1 && e2 > e1) { ends.set(h1, e2); changed = true; }
        }
      }
    }
    for (const [from, to] of edges) {
      for (const [h, e] of ends) {
        const inside = (b: number): boolean => b >= h && b <= e;
        if (!inside(from) && inside(to) && to !== h) return undefined;
      }
    }
    return ends;
  }

  /**
   * The encoding rules of the ISA, as the interpreter applies them (so both engines reject the
   * same instructions, with the same kind of error, when they are reached).
   */
  function validate(insn: Instruction): void {
    const { code, dst, src, off, imm } = insn;
    const ok = (r: number): boolean => r >= 0 && r <= 10;
    const bad = (what: string): never => { throw new JitCompileError(what, -1); };
    const cls = opClass(code);
    const x = opSource(code) === Source.X;
    if (!ok(dst) && !(code === LDDW || cls === Class.JMP || cls === Class.JMP32 || cls === Class.LD)) bad(`no register r${dst}`);
    switch (cls) {
      case Class.ALU:
      case Class.ALU64: {
        const op = opAlu(code);
        const is64 = cls === Class.ALU64;
        if (dst === 10) bad('r10 is read-only');
        if (op === AluOp.NEG) { if (x || off !== 0) bad('invalid neg encoding'); return; }
        if (op === AluOp.END) {
          if ((is64 && x) || off !== 0) bad('invalid byte swap encoding');
          if (imm !== 16 && imm !== 32 && imm !== 64) bad(`byte swap width ${imm} (must be 16, 32 or 64)`);
          return;
        }
        if (op === 0xe0 || op === 0xf0) bad(`unknown ALU operation 0x${op.toString(16)}`);
        if (x && !ok(src)) bad(`no register r${src}`);
        if (off === 0) return;
        if ((op === AluOp.DIV || op === AluOp.MOD) && off === 1) return;
        if (op === AluOp.MOV && x && (off === 8 || off === 16 || (off === 32 && is64))) return;
        return bad(`invalid offset ${off} for this ALU operation`);
      }
      case Class.JMP:
      case Class.JMP32: {
        const op = opAlu(code);
        if (op === JmpOp.JA) { if (x || src !== 0) bad('invalid ja encoding'); return; }
        if (op === JmpOp.EXIT) { if (cls !== Class.JMP || x) bad('invalid exit encoding'); return; }
        if (op === JmpOp.CALL) {
          if (cls !== Class.JMP) bad('invalid call encoding');
          if (x) { if (!ok(dst)) bad(`no register r${dst}`); return; }
          if (src !== CallSrc.HELPER && src !== CallSrc.LOCAL && src !== CallSrc.KFUNC) bad(`invalid call source ${src}`);
          return;
        }
        if (op === 0xe0 || op === 0xf0) bad(`unknown jump operation 0x${op.toString(16)}`);
        if (!ok(dst)) bad(`no register r${dst}`);
        if (x && !ok(src)) bad(`no register r${src}`);
        return;
      }
      case Class.LDX: {
        const mode = opMode(code);
        if (dst === 10) bad('r10 is read-only');
        if (!ok(src)) bad(`no register r${src}`);
        if (mode !== Mode.MEM && !(mode === Mode.MEMSX && opSize(code) !== Size.DW)) bad('invalid load mode');
        return;
      }
      case Class.ST:
        if (opMode(code) !== Mode.MEM) bad('invalid store mode');
        return;
      case Class.STX: {
        const mode = opMode(code);
        if (!ok(src)) bad(`no register r${src}`);
        if (mode === Mode.MEM) return;
        if (mode !== Mode.ATOMIC || (opSize(code) !== Size.W && opSize(code) !== Size.DW)) bad('invalid store mode');
        if (!VALID_ATOMIC.has(imm)) bad(`unknown atomic operation 0x${(imm >>> 0).toString(16)}`);
        if (src === 10 && (imm & AtomicOp.FETCH)) bad('r10 is read-only');
        return;
      }
      case Class.LD: {
        if (code === LDDW) {
          if (!ok(dst)) bad(`no register r${dst}`);
          if (dst === 10) bad('r10 is read-only');
          return;
        }
        const mode = opMode(code);
        if ((mode !== Mode.ABS && mode !== Mode.IND) || opSize(code) === Size.DW) bad('invalid load mode');
        if (mode === Mode.IND && !ok(src)) bad(`no register r${src}`);
        return;
      }
    }
  }

  function emitInsn(insn: Instruction, pc: number): void {
    const cls = opClass(insn.code);
    switch (cls) {
      case Class.ALU64: return alu(insn, true, pc);
      case Class.ALU: return alu(insn, false, pc);
      case Class.JMP:
      case Class.JMP32: return jump(insn, cls === Class.JMP32, pc);
      case Class.LDX: return load(insn, pc);
      case Class.ST:
      case Class.STX: return store(insn, pc);
      case Class.LD: return ld(insn, pc);
    }
    throw new JitCompileError(`unknown opcode 0x${insn.code.toString(16)}`, pc);
  }

  /** Push the source operand: register or immediate (sign-extended for 64-bit ops). */
  function operand(insn: Instruction, is64: boolean): void {
    if (opSource(insn.code) === Source.X) {
      get(insn.src);
      if (!is64) c.op(Op.i32_wrap_i64);
    } else if (is64) c.i64(BigInt(insn.imm | 0));
    else c.i32(insn.imm | 0);
  }

  function alu(insn: Instruction, is64: boolean, pc: number): void {
    const op = opAlu(insn.code);
    const dst = insn.dst;
    if (dst === 10) throw new JitCompileError('r10 is read-only', pc);
    const isX = opSource(insn.code) === Source.X;
    const signed = insn.off === 1;
    const pushDst = (): void => { get(dst); if (!is64) c.op(Op.i32_wrap_i64); };
    const finish = (): void => { if (!is64) c.op(Op.i64_extend_i32_u); set(dst); };
    const simple = (op64: number, op32: number): void => {
      pushDst(); operand(insn, is64); c.op(is64 ? op64 : op32); finish();
    };
    switch (op) {
      case AluOp.ADD: return simple(Op.i64_add, Op.i32_add);
      case AluOp.SUB: return simple(Op.i64_sub, Op.i32_sub);
      case AluOp.MUL: return simple(Op.i64_mul, Op.i32_mul);
      case AluOp.OR: return simple(Op.i64_or, Op.i32_or);
      case AluOp.AND: return simple(Op.i64_and, Op.i32_and);
      case AluOp.XOR: return simple(Op.i64_xor, Op.i32_xor);
      // wasm shifts take the count modulo the width: exactly RFC 9669's masking.
      case AluOp.LSH: return simple(Op.i64_shl, Op.i32_shl);
      case AluOp.RSH: return simple(Op.i64_shr_u, Op.i32_shr_u);
      case AluOp.ARSH: return simple(Op.i64_shr_s, Op.i32_shr_s);
      case AluOp.NEG:
        if (is64) c.i64(0n); else c.i32(0);
        pushDst(); c.op(is64 ? Op.i64_sub : Op.i32_sub); finish();
        return;
      case AluOp.MOV:
        if (isX) {
          get(insn.src);
          if (is64) {
            if (insn.off === 8) c.op(Op.i64_extend8_s);
            else if (insn.off === 16) c.op(Op.i64_extend16_s);
            else if (insn.off === 32) c.op(Op.i64_extend32_s);
            else if (insn.off !== 0) throw new JitCompileError(`bad movsx width ${insn.off}`, pc);
          } else {
            c.op(Op.i32_wrap_i64);
            if (insn.off === 8) c.op(Op.i32_extend8_s);
            else if (insn.off === 16) c.op(Op.i32_extend16_s);
            else if (insn.off !== 0) throw new JitCompileError(`bad movsx width ${insn.off}`, pc);
            c.op(Op.i64_extend_i32_u);
          }
        } else if (is64) c.i64(BigInt(insn.imm | 0));
        else c.i64(BigInt(insn.imm >>> 0));
        set(dst);
        return;
      case AluOp.DIV:
      case AluOp.MOD:
        return divmod(insn, is64, op === AluOp.DIV, signed);
      case AluOp.END:
        return endian(insn, is64, pc);
    }
    throw new JitCompileError(`unknown ALU operation 0x${insn.code.toString(16)}`, pc);
  }

  function divmod(insn: Instruction, is64: boolean, isDiv: boolean, signed: boolean): void {
    const dst = insn.dst;
    const ty = is64 ? I64 : I32;
    const zero = (): void => { if (is64) c.i64(0n); else c.i32(0); };
    const opDiv = is64 ? (signed ? Op.i64_div_s : Op.i64_div_u) : (signed ? Op.i32_div_s : Op.i32_div_u);
    const opRem = is64 ? (signed ? Op.i64_rem_s : Op.i64_rem_u) : (signed ? Op.i32_rem_s : Op.i32_rem_u);
    const pushDst = (): void => { get(dst); if (!is64) c.op(Op.i32_wrap_i64); };
    const finish = (): void => { if (!is64) c.op(Op.i64_extend_i32_u); set(dst); };
    if (opSource(insn.code) === Source.K) {
      const k = insn.imm | 0;
      if (k === 0) {
        // Division by zero yields 0; modulo by zero leaves dst (truncated to 32 bits for ALU32).
        if (isDiv) zero(); else pushDst();
        return finish();
      }
      if (signed && k === -1) {
        // INT_MIN / -1 would trap in wasm: x / -1 = -x (wrapping), x % -1 = 0.
        if (isDiv) { zero(); pushDst(); c.op(is64 ? Op.i64_sub : Op.i32_sub); } else zero();
        return finish();
      }
      pushDst();
      if (is64) c.i64(BigInt(k)); else c.i32(k);
      c.op(isDiv ? opDiv : opRem);
      return finish();
    }
    // Register divisor: test for zero (and -1 when signed) at run time.
    const tmp = L_T0;
    get(insn.src);
    if (!is64) c.op(Op.i32_wrap_i64).op(Op.i64_extend_i32_u);
    c.set(tmp);
    const pushSrc = (): void => { c.get(tmp); if (!is64) c.op(Op.i32_wrap_i64); };
    pushSrc(); c.op(is64 ? Op.i64_eqz : Op.i32_eqz);
    c.if_(ty);
    if (isDiv) zero(); else pushDst();
    c.else_();
    if (signed) {
      pushSrc();
      if (is64) c.i64(-1n).op(Op.i64_eq); else c.i32(-1).op(Op.i32_eq);
      c.if_(ty);
      if (isDiv) { zero(); pushDst(); c.op(is64 ? Op.i64_sub : Op.i32_sub); } else zero();
      c.else_();
      pushDst(); pushSrc(); c.op(isDiv ? opDiv : opRem);
      c.end();
    } else {
      pushDst(); pushSrc(); c.op(isDiv ? opDiv : opRem);
    }
    c.end();
    finish();
  }

  /** bswap of the low 32 bits of an i32 on the stack. */
  function bswap32(): void {
    const t = L_T3;
    c.op(Op.i64_extend_i32_u).set(t);
    c.get(t).op(Op.i32_wrap_i64).i32(8).op(Op.i32_rotl).i32(0x00ff00ff).op(Op.i32_and);
    c.get(t).op(Op.i32_wrap_i64).i32(8).op(Op.i32_rotr).i32(0xff00ff00 | 0).op(Op.i32_and);
    c.op(Op.i32_or);
  }

  function endian(insn: Instruction, is64: boolean, pc: number): void {
    const dst = insn.dst;
    const bits = insn.imm;
    if (bits !== 16 && bits !== 32 && bits !== 64) throw new JitCompileError(`bad byte swap width ${bits}`, pc);
    // ALU|END|K is `le` (a truncation on this little-endian machine); ALU|END|X (`be`) and
    // ALU64|END (`bswap`) swap.
    const swap = is64 || opSource(insn.code) === Source.X;
    if (!swap) {
      if (bits === 64) return;
      get(dst); c.i64(bits === 16 ? 0xffffn : 0xffffffffn).op(Op.i64_and); set(dst);
      return;
    }
    if (bits === 16) {
      // ((x & 0xff) << 8) | ((x >> 8) & 0xff)
      get(dst); c.i64(0xffn).op(Op.i64_and).i64(8n).op(Op.i64_shl);
      get(dst); c.i64(8n).op(Op.i64_shr_u).i64(0xffn).op(Op.i64_and);
      c.op(Op.i64_or); set(dst);
    } else if (bits === 32) {
      get(dst); c.op(Op.i32_wrap_i64); bswap32(); c.op(Op.i64_extend_i32_u); set(dst);
    } else {
      get(dst); c.op(Op.i32_wrap_i64); bswap32(); c.op(Op.i64_extend_i32_u).i64(32n).op(Op.i64_shl);
      c.set(L_T2);
      get(dst); c.i64(32n).op(Op.i64_shr_u).op(Op.i32_wrap_i64); bswap32(); c.op(Op.i64_extend_i32_u);
      c.get(L_T2).op(Op.i64_or); set(dst);
    }
  }

  function jump(insn: Instruction, is32: boolean, pc: number): void {
    const op = opAlu(insn.code);
    if (op === JmpOp.EXIT) {
      if (is32) throw new JitCompileError('exit in JMP32 class', pc);
      get(0); c.op(Op.return);
      return;
    }
    if (op === JmpOp.CALL) {
      if (is32) throw new JitCompileError('call in JMP32 class', pc);
      return call(insn, pc);
    }
    const targetPc = jumpTarget(insn, pc);
    if (!validTarget(targetPc)) {
      if (op === JmpOp.JA) return badTarget(pc, targetPc);
    }
    const target = blockOf.get(targetPc)!;
    const charge = Math.max(1, pc - targetPc + 1);
    if (op === JmpOp.JA) {
      if (opSource(insn.code) === Source.X || insn.src !== 0) throw new JitCompileError('invalid ja encoding', pc);
      return branch(target, pc, false, charge);
    }
    get(insn.dst);
    if (is32) c.op(Op.i32_wrap_i64);
    operand(insn, !is32);
    const cmp64: Record<number, number> = {
      [JmpOp.JEQ]: Op.i64_eq, [JmpOp.JNE]: Op.i64_ne, [JmpOp.JGT]: Op.i64_gt_u, [JmpOp.JGE]: Op.i64_ge_u,
      [JmpOp.JLT]: Op.i64_lt_u, [JmpOp.JLE]: Op.i64_le_u, [JmpOp.JSGT]: Op.i64_gt_s, [JmpOp.JSGE]: Op.i64_ge_s,
      [JmpOp.JSLT]: Op.i64_lt_s, [JmpOp.JSLE]: Op.i64_le_s,
    };
    const cmp32: Record<number, number> = {
      [JmpOp.JEQ]: Op.i32_eq, [JmpOp.JNE]: Op.i32_ne, [JmpOp.JGT]: Op.i32_gt_u, [JmpOp.JGE]: Op.i32_ge_u,
      [JmpOp.JLT]: Op.i32_lt_u, [JmpOp.JLE]: Op.i32_le_u, [JmpOp.JSGT]: Op.i32_gt_s, [JmpOp.JSGE]: Op.i32_ge_s,
      [JmpOp.JSLT]: Op.i32_lt_s, [JmpOp.JSLE]: Op.i32_le_s,
    };
    if (op === JmpOp.JSET) {
      if (is32) c.op(Op.i32_and); else c.op(Op.i64_and).i64(0n).op(Op.i64_ne);
    } else {
      const o = (is32 ? cmp32 : cmp64)[op];
      if (o === undefined) throw new JitCompileError(`unknown jump operation 0x${insn.code.toString(16)}`, pc);
      c.op(o);
    }
    if (!validTarget(targetPc)) {
      c.if_(); badTarget(pc, targetPc); c.end();
      return;
    }
    branch(target, pc, true, charge);
  }

  function call(insn: Instruction, pc: number): void {
    const args = (): void => { for (let r = 1; r <= 5; r++) get(r); };
    if (opSource(insn.code) === Source.X) {
      // callx: the helper id (or target) is in a register.
      c.i32(pc); get(insn.dst); args(); c.call(cx.callxFn); set(0);
      return;
    }
    if (insn.src === CallSrc.HELPER) {
      const fn = cx.helperFn.get(insn.imm);
      if (fn === undefined) return trap(TrapKind.UNKNOWN_HELPER, pc, `unknown helper #${insn.imm}`);
      if (insn.imm === Helper.map_lookup_elem && knownR1 !== undefined) {
        const layout = cx.options.arrayMap?.(knownR1);
        if (layout) return inlineArrayLookup(layout, pc);
      }
      const inline = cx.options.inlineHelper?.(insn.imm);
      if (inline === 'zero') { c.i64(0n); set(0); return; }
      if (inline === 'prandom') {
        const x = cx.g.rng;
        c.gget(x).gget(x).i32(13).op(Op.i32_shl).op(Op.i32_xor).gset(x);
        c.gget(x).gget(x).i32(17).op(Op.i32_shr_u).op(Op.i32_xor).gset(x);
        c.gget(x).gget(x).i32(5).op(Op.i32_shl).op(Op.i32_xor).gset(x);
        c.gget(x).op(Op.i64_extend_i32_u); set(0);
        return;
      }
      const bare = cx.bareFn.get(insn.imm);
      if (bare !== undefined) { c.call(bare); set(0); return; }
      const fast = cx.fastFn.get(insn.imm);
      if (fast !== undefined) {
        // All five arguments below 2^32: the 32-bit variant (no BigInt), else the general one.
        for (let r = 1; r <= 5; r++) { get(r); if (r > 1) c.op(Op.i64_or); }
        c.i64(32n).op(Op.i64_shr_u).op(Op.i64_eqz).if_(I64);
        c.i32(pc); for (let r = 1; r <= 5; r++) { get(r); c.op(Op.i32_wrap_i64); }
        c.call(fast).op(Op.i64_trunc_f64_s);
        c.else_();
        c.i32(pc); args(); c.call(fn);
        c.end(); set(0);
        return;
      }
      c.i32(pc); args(); c.call(fn); set(0);
      return;
    }
    if (insn.src === CallSrc.KFUNC) return trap(TrapKind.UNKNOWN_HELPER, pc, `kfunc calls (#${insn.imm}) are not supported in the userspace VM`);
    if (insn.src !== CallSrc.LOCAL) throw new JitCompileError(`invalid call source ${insn.src}`, pc);
    const fn = cx.funcIndex.get(pc + 1 + insn.imm);
    if (fn === undefined) return trap(TrapKind.JUMP_OUT, pc, `call to pc ${pc + 1 + insn.imm}, which is not an instruction`);
    const depth = cx.g.depth;
    c.gget(depth).i32(1).op(Op.i32_add).op(Op.global_set).u32(depth);
    c.gget(depth).i32(MAX_FRAMES).op(Op.i32_ge_u).if_(); trap(TrapKind.CALL_DEPTH, pc); c.end();
    args(); get(10); c.i64(BigInt(STACK_SIZE)).op(Op.i64_sub); c.call(fn); set(0);
    c.gget(depth).i32(1).op(Op.i32_sub).op(Op.global_set).u32(depth);
  }

  /**
   * map_lookup_elem on an array map known at compile time, as the kernel's JIT inlines it: read
   * the u32 key (checked like any load), r0 = its value's address or 0. The value's region
   * becomes the cached window, so the accesses through r0 that follow are fast too.
   */
  function inlineArrayLookup(layout: ArrayLayout, pc: number): void {
    address(2, 0, 4, false, pc, true);
    c.get(L_T0).op(Op.i32_wrap_i64).mem(Op.i64_load32_u).set(L_T1);
    c.get(L_T1).i64(BigInt(layout.count)).op(Op.i64_lt_u).if_(I64);
    c.get(L_T1).i64(BigInt(layout.stride)).op(Op.i64_mul).i64(BigInt(layout.base)).op(Op.i64_add).set(L_T1);
    c.get(L_T1).op(Op.i32_wrap_i64).gset(cx.g.w3lo);
    c.get(L_T1).op(Op.i32_wrap_i64).i32(layout.valueSize).op(Op.i32_add).gset(cx.g.w3hi);
    c.i32(layout.writable ? 1 : 0).gset(cx.g.w3wr);
    c.get(L_T1);
    c.else_().i64(0n).end();
    set(0);
  }

  /** Leave the checked address in T0 (i64). */
  function address(base: number, off: number, size: number, write: boolean, pc: number, unproven = false): void {
    get(base); if (off !== 0) c.i64(BigInt(off)).op(Op.i64_add);
    c.set(L_T0);
    // r10 + constant inside one frame is always within the stack region: no check needed.
    if (base === 10 && off >= -STACK_SIZE && off + size <= 0) return;
    if (!unproven && cx.options.provenSafe?.(pc)) return;
    const stackHi = cx.options.stack.start + cx.options.stack.size;
    c.block();
    // The two per-run input windows (what most checked accesses hit: a pointer into the stack is
    // usually r10 + constant, checked at compile time), the stack from the current frame up
    // (callers' frames stay reachable through pointers), the cached region; anything else takes
    // the slow path through VmMemory.check.
    const windowTest = (lo: number, hi: number, wr: number): void => {
      c.get(L_T0).gget(lo).op(Op.i64_extend_i32_u).op(Op.i64_ge_u);
      c.get(L_T0).gget(hi).op(Op.i64_extend_i32_u).i64(BigInt(size)).op(Op.i64_sub).op(Op.i64_le_u);
      c.op(Op.i32_and);
      if (write) c.gget(wr).op(Op.i32_and);
      c.brIf(0);
    };
    windowTest(cx.g.w1lo, cx.g.w1hi, cx.g.w1wr);
    windowTest(cx.g.w2lo, cx.g.w2hi, cx.g.w2wr);
    c.get(L_T0).get(P_FP).i64(BigInt(STACK_SIZE)).op(Op.i64_sub).op(Op.i64_ge_u);
    c.get(L_T0).i64(BigInt(stackHi - size)).op(Op.i64_le_u);
    c.op(Op.i32_and).brIf(0);
    windowTest(cx.g.w3lo, cx.g.w3hi, cx.g.w3wr);
    c.get(L_T0).i32(size).i32(write ? 1 : 0).i32(pc).call(cx.checkFn).set(L_T1);
    c.get(L_T1).op(Op.i32_wrap_i64).gset(cx.g.w3lo);
    c.get(L_T1).i64(32n).op(Op.i64_shr_u).op(Op.i32_wrap_i64).gset(cx.g.w3hi);
    c.i32(write ? 1 : 0).gset(cx.g.w3wr);
    c.end();
  }

  function load(insn: Instruction, pc: number): void {
    const mode = opMode(insn.code);
    const size = sizeBytes(opSize(insn.code));
    if (mode !== Mode.MEM && mode !== Mode.MEMSX) throw new JitCompileError(`unsupported load mode 0x${insn.code.toString(16)}`, pc);
    if (mode === Mode.MEMSX && size === 8) throw new JitCompileError('sign-extending 8-byte load', pc);
    address(insn.src, insn.off, size, false, pc);
    c.get(L_T0).op(Op.i32_wrap_i64);
    const sx = mode === Mode.MEMSX;
    c.mem(size === 1 ? (sx ? Op.i64_load8_s : Op.i64_load8_u) : size === 2 ? (sx ? Op.i64_load16_s : Op.i64_load16_u)
      : size === 4 ? (sx ? Op.i64_load32_s : Op.i64_load32_u) : Op.i64_load);
    set(insn.dst);
  }


  function store(insn: Instruction, pc: number): void {
    const mode = opMode(insn.code);
    const size = sizeBytes(opSize(insn.code));
    if (mode === Mode.ATOMIC) {
      if (opClass(insn.code) !== Class.STX || (size !== 4 && size !== 8)) throw new JitCompileError('atomic must be STX of w or dw', pc);
      return atomic(insn, size, pc);
    }
    if (mode !== Mode.MEM) throw new JitCompileError(`unsupported store mode 0x${insn.code.toString(16)}`, pc);
    address(insn.dst, insn.off, size, true, pc);
    c.get(L_T0).op(Op.i32_wrap_i64);
    if (opClass(insn.code) === Class.STX) get(insn.src); else c.i64(BigInt(insn.imm | 0));
    c.mem(storeOp(size));
  }

  // WebAssembly here is single-threaded, so an atomic is a plain read-modify-write.
  function atomic(insn: Instruction, size: number, pc: number): void {
    const imm = insn.imm;
    address(insn.dst, insn.off, size, true, pc);
    const addr = (): void => { c.get(L_T0).op(Op.i32_wrap_i64); };
    const old = L_T1;
    addr(); c.mem(loadOpU(size)); c.set(old);
    const srcV = (): void => { get(insn.src); if (size === 4) c.i64(0xffffffffn).op(Op.i64_and); };
    if (imm === AtomicOp.XCHG) {
      addr(); get(insn.src); c.mem(storeOp(size));
      c.get(old); set(insn.src);
      return;
    }
    if (imm === AtomicOp.CMPXCHG) {
      get(0); if (size === 4) c.i64(0xffffffffn).op(Op.i64_and);
      c.get(old).op(Op.i64_eq).if_();
      addr(); get(insn.src); c.mem(storeOp(size));
      c.end();
      c.get(old); set(0);
      return;
    }
    const base = imm & ~AtomicOp.FETCH;
    const o = base === AtomicOp.ADD ? Op.i64_add : base === AtomicOp.OR ? Op.i64_or : base === AtomicOp.AND ? Op.i64_and
      : base === AtomicOp.XOR ? Op.i64_xor : -1;
    if (o < 0 || (imm & ~0xf1) !== 0) throw new JitCompileError(`unknown atomic operation 0x${imm.toString(16)}`, pc);
    addr(); c.get(old); srcV(); c.op(o); c.mem(storeOp(size));
    if (imm & AtomicOp.FETCH) { c.get(old); set(insn.src); }
  }

  function ld(insn: Instruction, pc: number): void {
    if (insn.code === LDDW) {
      let value: bigint;
      if (insn.src === 0) value = BigInt.asUintN(64, insn.imm64 ?? BigInt(insn.imm >>> 0));
      else if (cx.options.resolvePseudo) {
        try {
          value = BigInt.asUintN(64, cx.options.resolvePseudo(insn));
        } catch (e) {
          throw new JitCompileError(`cannot resolve lddw pseudo source ${insn.src}${insn.ref ? ` '${insn.ref}'` : ''}: ${(e as Error).message}`, pc);
        }
      } else throw new JitCompileError(`lddw with pseudo source ${insn.src} needs a loader (no resolvePseudo given)`, pc);
      c.i64(value); set(insn.dst);
      return;
    }
    const mode = opMode(insn.code);
    if (mode !== Mode.ABS && mode !== Mode.IND) throw new JitCompileError(`unsupported LD mode 0x${insn.code.toString(16)}`, pc);
    const size = sizeBytes(opSize(insn.code));
    if (size === 8) throw new JitCompileError('legacy packet load of 8 bytes', pc);
    // Legacy packet access: r0 = ntoh(*(size *)(packet + imm [+ src])); out of bounds ends the
    // program with 0, as in the kernel.
    // The offset is a signed 32-bit sum (as the kernel computes it); negative is out of bounds.
    if (mode === Mode.IND) { get(insn.src); c.op(Op.i32_wrap_i64).i32(insn.imm | 0).op(Op.i32_add).op(Op.i64_extend_i32_s); }
    else c.i64(BigInt(insn.imm | 0));
    c.set(L_T0);
    c.get(L_T0).gget(cx.g.pktlen).op(Op.i64_extend_i32_u).i64(BigInt(size)).op(Op.i64_sub).op(Op.i64_gt_u);
    c.gget(cx.g.pktlen).i32(size).op(Op.i32_lt_u).op(Op.i32_or);
    c.gget(cx.g.pktlen).i32(-1).op(Op.i32_eq).op(Op.i32_or); // no packet at all
    c.if_();
    c.gget(cx.g.pktlen).i32(-1).op(Op.i32_eq).if_(); trap(TrapKind.NO_PACKET, pc); c.end();
    if (start === 0) { c.i64(0n).op(Op.return); } else trap(TrapKind.ABS_OUT_OF_BOUNDS, pc);
    c.end();
    c.get(L_T0).op(Op.i32_wrap_i64).gget(cx.g.pktlo).op(Op.i32_add);
    if (size === 1) { c.mem(Op.i64_load8_u); set(0); return; }
    if (size === 2) {
      c.mem(Op.i64_load16_u).set(L_T1);
      c.get(L_T1).i64(0xffn).op(Op.i64_and).i64(8n).op(Op.i64_shl);
      c.get(L_T1).i64(8n).op(Op.i64_shr_u).op(Op.i64_or); set(0);
      return;
    }
    c.mem(Op.i64_load32_u).op(Op.i32_wrap_i64); bswap32(); c.op(Op.i64_extend_i32_u); set(0);
  }
}
