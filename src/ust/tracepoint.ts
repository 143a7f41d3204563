// In-process tracepoints for Node.js applications, LTTng-UST style:
//
//   const tp = tracepoint('http:request', { status: 'u32', path: 'string', latency_us: 'u64' });
//   tp.attachFilter('status >= 500 && path == "/api/*"');
//   tp.on((e) => ...);
//   tp.emit({ status, path, latency_us });   // true when the event passes the filter
//
// A filter is compiled to eBPF, checked by the VM's verifier and run on the WebAssembly JIT (or
// the interpreter). With no filter attached, emit() tests one boolean and returns.
import type { Instruction } from '../isa/instruction.js';
import { compileFilter, CompiledFilter } from '../lang/filter/compile.js';
import { FieldType, RecordLayout, layoutRecord } from '../lang/filter/layout.js';
import { VmMemory, Region } from '../vm/memory.js';
import { verify, VerifiedProgram } from '../vm/verifier/verifier.js';
import { Interpreter } from '../vm/interpreter.js';
import { JitProgram } from '../vm/jit/jit.js';
import { recordWriter, Writer } from './record.js';

export type EngineKind = 'jit' | 'interpreter';
export type Schema = Readonly<Record<string, FieldType>>;
export type Listener<E> = (event: E) => void;

export interface AttachOptions {
  /** Which engine runs the filter (default: the JIT). */
  engine?: EngineKind;
}

/** An attached filter, for inspection (`bpfkit`-style -d output, tests). */
export interface AttachedFilter {
  readonly compiled: CompiledFilter;
  readonly verified: VerifiedProgram;
  readonly engine: EngineKind;
}

/** One address space for every tracepoint of the process: records and engines share it. */
let sharedMemory: VmMemory | undefined;
const memory = (): VmMemory => (sharedMemory ??= new VmMemory());

export class Tracepoint<E extends Record<string, unknown> = Record<string, unknown>> {
  readonly layout: RecordLayout;
  /** True when a filter is attached: the only thing emit() checks otherwise. */
  private filtered = false;
  private run: (() => boolean) | undefined;
  private write: Writer | undefined;
  private region: Region | undefined;
  private engine: { dispose(): void } | undefined;
  private attached: AttachedFilter | undefined;
  private readonly listeners: Listener<E>[] = [];

  constructor(readonly name: string, readonly schema: Schema, options: { stringCapacity?: number } = {}) {
    if (!/^[A-Za-z_][\w]*:[A-Za-z_][\w]*$/.test(name)) throw new RangeError(`tracepoint name '${name}' must be provider:event`);
    this.layout = layoutRecord(schema, options.stringCapacity);
  }

  /** Compile, verify and load `filter`; replaces any filter attached before. Throws FilterError / VerifierError. */
  attachFilter(filter: string, options: AttachOptions = {}): AttachedFilter {
    const compiled = compileFilter(filter, this.layout);
    const mem = memory();
    const context = { name: this.name, type: 'mem' as const, size: this.layout.size, writable: false };
    const verified = verify(compiled.program, { context });
    const region = mem.map(this.layout.size, 'ctx', false, `tracepoint ${this.name} record`);
    const engineKind = options.engine ?? 'jit';
    const program: readonly Instruction[] = verified.instructions;
    let runOnce: () => bigint;
    let engine: { dispose(): void };
    if (engineKind === 'jit') {
      const jit = new JitProgram(program, { memory: mem, provenSafe: (pc: number) => verified.safeAccesses.has(pc) });
      // runWith with a fixed window list: no per-event allocation (run() builds one each time).
      const windows = [region];
      const start = region.start, size = region.size;
      runOnce = () => jit.runWith(start, size, windows, region);
      engine = jit;
    } else {
      const interp = new Interpreter(program, { memory: mem });
      runOnce = () => interp.run(region);
      engine = interp;
    }
    this.detachFilter();
    this.region = region;
    this.engine = engine;
    this.write = recordWriter(mem, region, compiled.fields.map((f) => this.layout.fields.get(f)!), compiled.stringBytes);
    this.run = () => runOnce() !== 0n;
    this.attached = { compiled, verified, engine: engineKind };
    this.filtered = true;
    return this.attached;
  }

  detachFilter(): void {
    this.filtered = false;
    this.run = undefined;
    this.write = undefined;
    this.engine?.dispose();
    this.engine = undefined;
    if (this.region) memory().unmap(this.region);
    this.region = undefined;
    this.attached = undefined;
  }

  get filter(): AttachedFilter | undefined {
    return this.attached;
  }

  on(listener: Listener<E>): this {
    this.listeners.push(listener);
    return this;
  }
  off(listener: Listener<E>): this {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
    return this;
  }

  /** Offer an event: returns whether it passed the filter (true with none), and if so hands it to the listeners. */
  emit(event: E): boolean {
    if (this.filtered) {
      this.write!(event);
      if (!this.run!()) return false;
    }
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](event);
    return true;
  }
}

/** Define a tracepoint `provider:event` with its fields. */
export function tracepoint<E extends Record<string, unknown> = Record<string, unknown>>(name: string, schema: Schema, options: { stringCapacity?: number } = {}): Tracepoint<E> {
  return new Tracepoint<E>(name, schema, options);
}
