// The WebAssembly JIT's runtime side: compile a program once into a wasm module that imports the
// shared VmMemory, instantiate it with the helper table, and run it with the same conventions as
// the interpreter (r1 = input pointer, r2 = input length; r10 = top of a fresh stack frame).
import { Instruction } from '../../isa/instruction.js';
import { STACK_SIZE } from '../../isa/opcodes.js';
import { MemoryFault, Region, VmMemory } from '../memory.js';
import { compile, CompileOptions, MAX_FRAMES, TrapKind } from './compile.js';

/** A helper as the JIT calls it: arguments r1-r5 as unsigned 64-bit values, result r0. */
export type JitHelper = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

export interface JitOptions {
  /** The address space (shared with the interpreter); a fresh one by default. */
  memory?: VmMemory;
  /** Helper implementations by id (the registry of src/vm/helpers.ts, adapted by the caller). */
  helper?: (id: number) => JitHelper | undefined;
  /** Backward jumps allowed per run before the program is stopped (default 1,000,000). */
  budget?: number;
  /** Verifier hook: pcs whose memory accesses are proven in bounds (no runtime check). */
  provenSafe?: CompileOptions['provenSafe'];
  /** Value of lddw with a pseudo source (maps); needed only by programs that use them. */
  resolvePseudo?: CompileOptions['resolvePseudo'];
}

/** A run-time error in JIT-compiled code, with the pc of the instruction that caused it. */
export class JitError extends Error {
  constructor(message: string, readonly pc: number, cause?: unknown) {
    super(`pc ${pc}: ${message}`, { cause });
    this.name = 'JitError';
  }
}

interface Exports {
  run(r1: number, r2: number, fp: number): bigint;
  fuel: WebAssembly.Global; depth: WebAssembly.Global;
  w1lo: WebAssembly.Global; w1hi: WebAssembly.Global; w1wr: WebAssembly.Global;
  w2lo: WebAssembly.Global; w2hi: WebAssembly.Global; w2wr: WebAssembly.Global;
  pktlo: WebAssembly.Global; pktlen: WebAssembly.Global;
}

const DEFAULT_BUDGET = 1_000_000;

export class JitProgram {
  readonly memory: VmMemory;
  readonly stack: Region;
  /** The generated module (for inspection and size figures). */
  readonly wasm: Uint8Array;
  private readonly exports: Exports;
  private readonly budget: number;
  private input: Region | undefined;
  private inputBytes: Uint8Array | undefined;

  constructor(readonly program: readonly Instruction[], options: JitOptions = {}) {
    this.memory = options.memory ?? new VmMemory();
    this.budget = options.budget ?? DEFAULT_BUDGET;
    this.stack = this.memory.map(MAX_FRAMES * STACK_SIZE, 'stack', true, 'stack');
    const compiled = compile(program, {
      stack: { start: this.stack.start, size: this.stack.size },
      provenSafe: options.provenSafe,
      resolvePseudo: options.resolvePseudo,
    });
    this.wasm = compiled.bytes;
    const memory = this.memory;
    const env: Record<string, unknown> = {
      memory: memory.memory,
      trap: (kind: number, pc: number): never => {
        const what = kind === TrapKind.BUDGET ? `instruction budget exhausted (more than ${this.budget} backward jumps)`
          : kind === TrapKind.CALL_DEPTH ? `call depth exceeds ${MAX_FRAMES} frames`
          : kind === TrapKind.FELL_OFF ? 'execution fell off the end of the program'
          : kind === TrapKind.ABS_OUT_OF_BOUNDS ? 'legacy packet load out of bounds'
          : `trap ${kind}`;
        throw new JitError(what, pc);
      },
      check: (addr: bigint, size: number, write: number, pc: number): void => {
        const a = BigInt.asUintN(64, addr);
        try {
          if (a > 0xffffffffn) throw new MemoryFault(`${write ? 'write' : 'read'} of ${size} bytes at 0x${a.toString(16)} is outside every mapped region`, Number(a), size, write !== 0);
          memory.check(Number(a), size, write !== 0);
        } catch (e) {
          throw new JitError(e instanceof Error ? e.message : String(e), pc, e);
        }
      },
    };
    const wrap = (id: number, fn: JitHelper | undefined) => (pc: number, a: bigint, b: bigint, c: bigint, d: bigint, e: bigint): bigint => {
      if (!fn) throw new JitError(`unknown helper ${id}`, pc);
      try {
        return fn(BigInt.asUintN(64, a), BigInt.asUintN(64, b), BigInt.asUintN(64, c), BigInt.asUintN(64, d), BigInt.asUintN(64, e));
      } catch (err) {
        if (err instanceof JitError) throw err;
        throw new JitError(`helper ${id}: ${err instanceof Error ? err.message : String(err)}`, pc, err);
      }
    };
    for (const id of compiled.helpers) env[`h${id}`] = wrap(id, options.helper?.(id));
    if (compiled.usesCallx) {
      env.callx = (pc: number, target: bigint, a: bigint, b: bigint, c: bigint, d: bigint, e: bigint): bigint => {
        const id = Number(BigInt.asUintN(32, target));
        return wrap(id, options.helper?.(id))(pc, a, b, c, d, e);
      };
    }
    const module = new WebAssembly.Module(this.wasm as Uint8Array<ArrayBuffer>);
    const instance = new WebAssembly.Instance(module, { env: env as WebAssembly.ModuleImports });
    this.exports = instance.exports as unknown as Exports;
  }

  /** Frame pointer of the main function: the top of the stack region. */
  get framePointer(): number {
    return this.stack.start + this.stack.size;
  }

  /**
   * Run with `input` copied into a writable region: r1 = its address, r2 = its length (the
   * conformance suite's convention). The region is reused between runs when it is big enough.
   */
  run(input: Uint8Array = new Uint8Array(0)): bigint {
    if (input !== this.inputBytes || !this.input) {
      if (!this.input || this.input.size < input.length || this.input.size > 2 * input.length + 64) {
        if (this.input) this.memory.unmap(this.input);
        this.input = this.memory.map(Math.max(input.length, 1), 'packet', true, 'input');
      }
      this.inputBytes = input;
    }
    this.memory.write(this.input, input);
    const start = this.input.start;
    this.setWindow(1, { start, size: input.length, writable: true });
    this.setWindow(2, undefined);
    this.setPacket(start, input.length);
    return this.invoke(input.length ? start : 0, input.length);
  }

  /**
   * Run with registers and windows prepared by the caller (e.g. an XDP context whose data
   * pointers point into a packet region). Fast windows skip the slow region lookup.
   */
  runWith(r1: number, r2: number, windows: readonly (Pick<Region, 'start' | 'size' | 'writable'> | undefined)[] = [], packet?: Pick<Region, 'start' | 'size'>): bigint {
    this.setWindow(1, windows[0]);
    this.setWindow(2, windows[1]);
    this.setPacket(packet?.start ?? 0, packet?.size ?? 0);
    return this.invoke(r1, r2);
  }

  private setWindow(n: 1 | 2, r: Pick<Region, 'start' | 'size' | 'writable'> | undefined): void {
    const x = this.exports;
    const [lo, hi, wr] = n === 1 ? [x.w1lo, x.w1hi, x.w1wr] : [x.w2lo, x.w2hi, x.w2wr];
    // An empty window is lo = hi = 0xffffffff: no address is >= lo and <= hi - size.
    lo.value = r ? r.start : -1;
    hi.value = r ? r.start + r.size : -1;
    wr.value = r?.writable ? 1 : 0;
  }

  private setPacket(start: number, length: number): void {
    this.exports.pktlo.value = start;
    this.exports.pktlen.value = length;
  }

  private invoke(r1: number, r2: number): bigint {
    this.exports.fuel.value = this.budget;
    this.exports.depth.value = 0;
    return BigInt.asUintN(64, this.exports.run(r1, r2, this.framePointer));
  }

  /** Release the stack and input regions. */
  close(): void {
    this.memory.unmap(this.stack);
    if (this.input) this.memory.unmap(this.input);
  }
}
