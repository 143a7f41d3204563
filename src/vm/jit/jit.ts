// The WebAssembly JIT as an ExecutionEngine: compile a program once into a wasm module that
// imports the shared VmMemory, instantiate it with the helper registry, and run it with the same
// conventions, errors and helper calling convention as the interpreter, so the two are
// interchangeable (and comparable: see test/vm/jit-differential.test.ts).
import { Instruction, slotOffsets } from '../../isa/instruction.js';
import { STACK_SIZE } from '../../isa/opcodes.js';
import { DEFAULT_MAX_INSTRUCTIONS, EngineOptions, ExecutionEngine, MAX_CALL_FRAMES } from '../engine.js';
import { VmError, VmErrorKind } from '../errors.js';
import { Helper } from '../../isa/helpers.js';
import { defaultHelpers, HelperContext, HelperRegistry, StopProgram } from '../helpers.js';
import { MemoryFault, Region, VmMemory } from '../memory.js';
import { compile, CompileOptions, MAX_FRAMES, TrapKind } from './compile.js';

export interface JitOptions extends EngineOptions {
  /**
   * The verifier's hook: true for a pc whose memory access is proven to stay inside its region;
   * those accesses are emitted without a bounds check (the wasm sandbox still contains them).
   */
  provenSafe?: CompileOptions['provenSafe'];
  /** Control-flow layout (tests use 'dispatcher' to cover the general path). */
  layout?: CompileOptions['layout'];
  /**
   * Zero the stack before each run (default true, like the interpreter). Only a verified program
   * (which never reads stack bytes it did not write) may turn it off.
   */
  zeroStack?: boolean;
}

/** A region the compiled code may access without the slow lookup (its bounds live in globals). */
export type Window = Pick<Region, 'start' | 'size' | 'writable'>;

/** Per-run state, in the order of the `setup` export's parameters (after r1, r2 for `run`). */
type RunState = [w1lo: number, w1hi: number, w1wr: number, w2lo: number, w2hi: number, w2wr: number, pktlo: number, pktlen: number, fuel: number];

interface Exports {
  run(r1: number, r2: number, ...state: RunState): bigint;
  setup(...state: RunState): void;
  forget(): void;
  main(r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, fp: bigint): bigint;
  prepare(...state: RunState): void;
  seed(state: number): void;
  again(r1: number, r2: number): number;
  repeat(r1: number, r2: number, count: number): number;
  high(): number;
}

const TRAP_KIND: Record<number, VmErrorKind> = {
  [TrapKind.BUDGET]: 'budget-exceeded',
  [TrapKind.CALL_DEPTH]: 'call-depth',
  [TrapKind.FELL_OFF]: 'jump-out-of-range',
  [TrapKind.INVALID]: 'invalid-instruction',
  [TrapKind.JUMP_OUT]: 'jump-out-of-range',
  [TrapKind.UNKNOWN_HELPER]: 'unknown-helper',
  [TrapKind.NO_PACKET]: 'memory-fault',
};

const TWO64 = 1n << 64n;
/** wasm hands i64 to JS as signed; helpers take u64 (cheaper than BigInt.asUintN when >= 0). */
const u64 = (v: bigint): bigint => (v < 0n ? v + TWO64 : v);

/** Thrown through wasm frames to end the program early with a value (helpers, legacy loads). */
class Stop {
  constructor(readonly value: bigint) {}
}

export class JitProgram implements ExecutionEngine {
  readonly memory: VmMemory;
  readonly helpers: HelperRegistry;
  /** The JIT does not count instructions (only backward jumps, for the budget). */
  readonly executed: number | undefined = undefined;
  readonly stack: Region;
  /** The generated module (for inspection and size figures). */
  readonly wasm: Uint8Array;
  private readonly exports: Exports;
  private readonly fuel: number;
  private readonly insnAt = new Map<number, Instruction>();
  private readonly context: { memory: VmMemory; input: Region | undefined; trace: (line: string) => void };
  /** A region kept between run(Uint8Array) calls, and the length of the current input in it. */
  private inputRegion: Region | undefined;
  private inputLength = 0;
  private inputView: Region | undefined;
  private bytes: Uint8Array;
  private disposed = false;
  /** State of the lean entry (see prepare()); `stale` when another entry overwrote it in wasm. */
  private prepared: RunState = [-1, -1, 0, -1, -1, 0, 0, -1, 0];
  private preparedInput: Region | undefined;
  private stale = true;
  /** r0's high half when the last lean run ended early (a Stop): wasm's `hi` was not set then. */
  private stoppedHigh: number | undefined;

  /** r0's high 32 bits after the last runPrepared()/runWith32() (as a signed i32). */
  get high(): number {
    return this.stoppedHigh ?? this.exports.high();
  }

  constructor(readonly program: readonly Instruction[], options: JitOptions = {}) {
    this.memory = options.memory ?? new VmMemory();
    this.helpers = options.helpers ?? defaultHelpers();
    // The budget is charged per backward jump with the length of the loop it closes, an estimate
    // of instructions executed; the counter is an i32.
    this.fuel = Math.min(options.maxInstructions ?? DEFAULT_MAX_INSTRUCTIONS, 0x7fffffff);
    const trace = options.trace ?? ((line: string) => { process.stderr.write(line + '\n'); });
    this.context = { memory: this.memory, input: undefined, trace };
    this.bytes = this.memory.bytes;
    slotOffsets(program).forEach((pc, i) => this.insnAt.set(pc, program[i]));
    if (MAX_FRAMES !== MAX_CALL_FRAMES) throw new Error('JIT and engine disagree on the call depth');

    this.stack = this.memory.map(MAX_FRAMES * STACK_SIZE, 'stack', true, 'stack');
    const compiled = compile(program, {
      stack: { start: this.stack.start, size: this.stack.size },
      provenSafe: options.provenSafe,
      layout: options.layout,
      resolvePseudo: options.resolvePseudo,
      hasHelper: (id) => this.helpers.has(id),
      fastHelper: (id) => this.helpers.get(id)?.fast !== undefined,
      bareHelper: (id) => this.helpers.get(id)?.bare !== undefined,
      inlineHelper: (id) => this.helpers.get(id)?.inline,
      arrayMap: (handle) => this.helpers.get(Helper.map_lookup_elem)?.arrayMap?.(handle),
      zeroStack: options.zeroStack,
    });
    this.wasm = compiled.bytes;

    const env: Record<string, unknown> = {
      memory: this.memory.memory,
      trap: (kind: number, pc: number): never => {
        if (kind === TrapKind.ABS_OUT_OF_BOUNDS) throw new Stop(0n);
        const detail = compiled.traps.get(pc)
          ?? (kind === TrapKind.BUDGET ? `instruction budget of ${this.fuel} exhausted (infinite loop?)`
            : kind === TrapKind.CALL_DEPTH ? `call depth exceeds ${MAX_FRAMES} frames`
            : kind === TrapKind.FELL_OFF ? 'execution ran past the end of the function without exit'
            : kind === TrapKind.NO_PACKET ? 'legacy packet load without a packet (run the program with an input)'
            : `trap ${kind}`);
        throw new VmError(TRAP_KIND[kind] ?? 'invalid-instruction', detail, pc, this.insnAt.get(pc));
      },
      check: (addr: bigint, size: number, write: number, pc: number): bigint => this.slowCheck(addr, size, write !== 0, pc),
    };
    for (const id of compiled.helpers) env[`h${id}`] = this.helperImport(id);
    for (const id of compiled.fastHelpers) env[`f${id}`] = this.fastHelperImport(id);
    for (const id of compiled.bareHelpers) env[`b${id}`] = this.helpers.get(id)!.bare!;
    if (compiled.usesCallx) {
      env.callx = (pc: number, target: bigint, a: bigint, b: bigint, c: bigint, d: bigint, e: bigint): bigint => {
        const id = BigInt.asUintN(64, target);
        if (id > 0xffffffffn || !this.helpers.has(Number(id))) {
          throw new VmError('unknown-helper', `callx to unknown helper #${id > 0xffffffffn ? 'out of range' : id}`, pc, this.insnAt.get(pc));
        }
        return this.helperImport(Number(id))(pc, a, b, c, d, e);
      };
    }
    const module = new WebAssembly.Module(this.wasm as Uint8Array<ArrayBuffer>);
    const instance = new WebAssembly.Instance(module, { env: env as WebAssembly.ModuleImports });
    this.exports = instance.exports as unknown as Exports;
    this.exports.seed((Math.random() * 0x100000000) | 0);
  }

  private helperImport(id: number) {
    const fn = this.helpers.get(id)!.fn;
    const ctx = this.context as HelperContext;
    const memory = this.memory;
    return (pc: number, a: bigint, b: bigint, c: bigint, d: bigint, e: bigint): bigint => {
      const unmapped = memory.unmapped;
      try {
        const r0 = fn(ctx, u64(a), u64(b), u64(c), u64(d), u64(e));
        // Compiled code caches the last slow-path region: drop it if the helper unmapped any.
        if (memory.unmapped !== unmapped) this.exports.forget();
        return r0;
      } catch (err) {
        return this.helperFailed(err, pc);
      }
    };
  }

  /** The import of a helper's 32-bit variant (see FastHelperFunction): Numbers both ways. */
  private fastHelperImport(id: number) {
    const fn = this.helpers.get(id)!.fast!;
    const ctx = this.context as HelperContext;
    const memory = this.memory;
    return (pc: number, a: number, b: number, c: number, d: number, e: number): number => {
      const unmapped = memory.unmapped;
      try {
        const r0 = fn(ctx, a, b, c, d, e);
        if (memory.unmapped !== unmapped) this.exports.forget();
        return r0;
      } catch (err) {
        return this.helperFailed(err, pc);
      }
    };
  }

  private helperFailed(err: unknown, pc: number): never {
    if (err instanceof StopProgram) throw new Stop(BigInt.asUintN(64, err.value));
    if (err instanceof VmError) throw err;
    const insn = this.insnAt.get(pc);
    if (err instanceof MemoryFault) throw new VmError('memory-fault', `in helper: ${err.message}`, pc, insn, err);
    throw new VmError('helper-failed', `helper failed: ${(err as Error)?.message ?? String(err)}`, pc, insn, err);
  }

  /**
   * An access outside the fast windows: look the region up, or fault like the interpreter.
   * Returns the region's bounds for compiled code to cache (start | end << 32), or -1 for the
   * stack and the input region, whose checks depend on more than their bounds.
   */
  private slowCheck(addr: bigint, size: number, write: boolean, pc: number): bigint {
    const a = BigInt.asUintN(64, addr);
    const what = write ? 'write' : 'read';
    const insn = this.insnAt.get(pc);
    if (a > 0xffffffffn) throw new VmError('memory-fault', `${what} of ${size} bytes at 0x${a.toString(16)}: not an address in VM memory`, pc, insn);
    const n = Number(a);
    let region: Region;
    try {
      region = this.memory.check(n, size, write);
    } catch (e) {
      if (e instanceof MemoryFault) throw new VmError('memory-fault', e.message, pc, insn, e);
      throw e;
    }
    // The fast path covers the stack from the current frame up: a stack address here is below it.
    if (region === this.stack) throw new VmError('memory-fault', `${what} of ${size} bytes at 0x${n.toString(16)} is below the 512-byte stack frame`, pc, insn);
    // The kept input region may be larger than the current input.
    if (region === this.inputRegion) {
      if (n + size > region.start + this.inputLength) {
        throw new VmError('memory-fault', `${what} of ${size} bytes at 0x${n.toString(16)} runs past the end of input (${this.inputLength} bytes at 0x${region.start.toString(16)})`, pc, insn);
      }
      return -1n;
    }
    return BigInt(region.start) | (BigInt(region.start + region.size) << 32n);
  }

  /** Frame pointer of the main function: the top of the stack region. */
  get framePointer(): number {
    return this.stack.start + this.stack.size;
  }

  run(input?: Uint8Array | Region): bigint {
    if (input === undefined) return this.execute(0, 0, undefined, undefined);
    if (input instanceof Uint8Array) {
      // The input region is kept between runs (mapping one per run costs more than most programs).
      if (!this.inputRegion || this.inputRegion.size < input.length) {
        if (this.inputRegion) this.memory.unmap(this.inputRegion);
        this.inputRegion = this.memory.map(Math.max(1, input.length), 'ctx', true, 'input');
      }
      const region = this.inputRegion;
      // VmMemory.bytes re-checks the buffer on every call (~50 ns); a detached view (the memory
      // grew) has length 0, which is a cheaper test.
      if (this.bytes.byteLength === 0) this.bytes = this.memory.bytes;
      this.bytes.set(input, region.start);
      this.inputLength = input.length;
      // What helpers see as the input: the region cut to this input's length (kept while it fits).
      let view = this.inputView;
      if (!view || view.start !== region.start || view.size !== input.length) view = this.inputView = { ...region, size: input.length };
      return this.execute(region.start, input.length, view, view);
    }
    return this.execute(input.start, input.size, input, input);
  }

  call(args: readonly bigint[]): bigint {
    this.live();
    this.stale = true;
    this.context.input = undefined;
    this.exports.setup(-1, -1, 0, -1, -1, 0, 0, -1, this.fuel);
    const arg = (i: number): bigint => BigInt.asIntN(64, args[i] ?? 0n);
    return this.finish(() => this.exports.main(arg(0), arg(1), arg(2), arg(3), arg(4), BigInt(this.framePointer)));
  }

  /**
   * Run with r1/r2 and the fast windows chosen by the caller: e.g. r1 = an XDP context region,
   * windows = [packet, context]. `input` is what helpers and legacy packet loads see.
   */
  runWith(r1: number, r2: number, windows: readonly (Window | undefined)[], input?: Region): bigint {
    return this.enter(r1, r2, windows[0], windows[1], input);
  }

  /**
   * The lean entry, part 1: fix the fast windows and the input (what helpers and legacy packet
   * loads see) for the runPrepared() calls that follow. Cheap enough to call per packet.
   */
  prepare(windows: readonly (Window | undefined)[], input?: Region): void {
    this.prepareWindows(windows[0], windows[1], input);
  }

  private prepareWindows(a: Window | undefined, b: Window | undefined, input: Region | undefined): void {
    this.live();
    // An empty window is lo = hi = 0xffffffff: no address is >= lo and <= hi - size.
    const s = this.prepared;
    s[0] = a ? a.start : -1; s[1] = a ? a.start + a.size : -1; s[2] = a?.writable ? 1 : 0;
    s[3] = b ? b.start : -1; s[4] = b ? b.start + b.size : -1; s[5] = b?.writable ? 1 : 0;
    s[6] = input ? input.start : 0; s[7] = input ? input.size : -1; s[8] = this.fuel;
    this.preparedInput = input;
    this.exports.prepare(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);
    this.context.input = input;
    this.stale = false;
  }

  /**
   * The lean entry, part 2: run with r1/r2 and the prepared state; returns r0's low 32 bits as
   * an unsigned Number (what the kernel returns for socket filters, XDP, tracing programs) and
   * leaves its high half in `high`. No BigInt, no allocation: one i32 call into wasm.
   */
  runPrepared(r1: number, r2: number): number {
    if (this.stale) this.restorePrepared();
    this.stoppedHigh = undefined;
    try {
      return this.exports.again(r1, r2) >>> 0;
    } catch (e) {
      const v = this.failed(e);
      this.stoppedHigh = Number(v >> 32n) | 0;
      return Number(v & 0xffffffffn);
    }
  }

  /**
   * runPrepared() `count` times (at least once) in a loop inside wasm; returns the last r0's low
   * 32 bits. For timing the engine the way BPF_PROG_TEST_RUN's `repeat` times the kernel's JIT:
   * without the cost of entering it from JavaScript on every run.
   */
  repeatPrepared(r1: number, r2: number, count: number): number {
    if (this.stale) this.restorePrepared();
    this.stoppedHigh = undefined;
    try {
      return this.exports.repeat(r1, r2, count) >>> 0;
    } catch (e) {
      const v = this.failed(e);
      this.stoppedHigh = Number(v >> 32n) | 0;
      return Number(v & 0xffffffffn);
    }
  }

  /** runWith through the lean entry: r0's low 32 bits (high half in `high`). */
  runWith32(r1: number, r2: number, windows: readonly (Window | undefined)[], input?: Region): number {
    this.prepareWindows(windows[0], windows[1], input);
    return this.runPrepared(r1, r2);
  }

  private restorePrepared(): void {
    this.live();
    const s = this.prepared;
    this.exports.prepare(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);
    this.context.input = this.preparedInput;
    this.stale = false;
  }

  private enter(r1: number, r2: number, a: Window | undefined, b: Window | undefined, input: Region | undefined): bigint {
    this.prepareWindows(a, b, input);
    try {
      const lo = this.exports.again(r1, r2) >>> 0;
      this.stoppedHigh = undefined;
      const hi = this.exports.high();
      return hi === 0 ? BigInt(lo) : (BigInt(hi >>> 0) << 32n) | BigInt(lo);
    } catch (e) {
      const v = this.failed(e);
      this.stoppedHigh = Number(v >> 32n) | 0;
      return v;
    }
  }

  private execute(r1: number, r2: number, input: Region | undefined, window: Window | undefined): bigint {
    return this.enter(r1, r2, window, undefined, input);
  }

  private live(): void {
    if (this.disposed) throw new Error('JitProgram used after dispose()');
  }

  private finish(body: () => bigint): bigint {
    try {
      return BigInt.asUintN(64, body());
    } catch (e) {
      return this.failed(e);
    } finally {
      this.context.input = undefined;
    }
  }

  /** An exception out of compiled code: an early stop with a value, or an error to rethrow. */
  private failed(e: unknown): bigint {
    if (e instanceof Stop) return e.value;
    if (e instanceof VmError) throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new VmError('call-depth', 'native stack exhausted', 0, undefined, e);
    }
    throw e;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stale = true;
    this.context.input = undefined;
    this.memory.unmap(this.stack);
    if (this.inputRegion) this.memory.unmap(this.inputRegion);
  }

  /** Alias of dispose(). */
  close(): void {
    this.dispose();
  }
}
