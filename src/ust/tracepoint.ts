// In-process tracepoints for Node.js applications, LTTng-UST style:
//
//   const tp = tracepoint('http:request', { status: 'u32', path: 'string', latency_us: 'u64' });
//   tp.attachFilter('status >= 500 && path == "/api/*"');
//   tp.on((e) => ...);
//   tp.emit({ status, path, latency_us });   // true when the event passes the filter
//
// A filter is compiled to eBPF and checked by the VM's verifier, then run by one of three engines:
//   'js'          eBPF translated to a JavaScript function that reads the event object in place
//                 (src/vm/jsjit; record-access.ts says what each context load reads). No copy,
//                 no boundary to cross: V8 inlines it into emit(). Loop-free context-only
//                 programs, which every filter is.
//   'wasm'        the WebAssembly JIT, on a record written into VM memory (record.ts).
//   'interpreter' the reference, on the same record.
// The default, 'jit', is 'js' when the program qualifies and 'wasm' otherwise. With no filter
// attached, emit() tests one boolean and returns.
import type { Instruction } from '../isa/instruction.js';
import { compileFilter, CompiledFilter } from '../lang/filter/compile.js';
import { FieldType, RecordLayout, layoutRecord } from '../lang/filter/layout.js';
import { VmMemory, Region } from '../vm/memory.js';
import { verify, VerifiedProgram } from '../vm/verifier/verifier.js';
import { Interpreter } from '../vm/interpreter.js';
import { JitProgram } from '../vm/jit/jit.js';
import { compileToJs } from '../vm/jsjit/compile.js';
import { recordWriter } from './record.js';
import { recordAccess } from './record-access.js';
import { attachScript, ScriptOptions, UstScript } from './script.js';

/** What attachFilter may be asked for: 'jit' picks the fastest JIT that can run the program. */
export type EngineKind = 'jit' | 'js' | 'wasm' | 'interpreter';
/** The engine that runs an attached filter. */
export type EngineUsed = 'js' | 'wasm' | 'interpreter';
export type Schema = Readonly<Record<string, FieldType>>;
export type Listener<E> = (event: E) => void;

export interface AttachOptions {
  /** Which engine runs the filter (default: 'jit', the fastest JIT that can run it). */
  engine?: EngineKind;
}

/** An attached filter, for inspection (`bpfkit`-style -d output, tests). */
export interface AttachedFilter {
  readonly compiled: CompiledFilter;
  readonly verified: VerifiedProgram;
  readonly engine: EngineUsed;
}

/** One address space for every tracepoint of the process: records and engines share it. */
let sharedMemory: VmMemory | undefined;
const memory = (): VmMemory => (sharedMemory ??= new VmMemory());

export class Tracepoint<E extends Record<string, unknown> = Record<string, unknown>> {
  readonly layout: RecordLayout;
  /** True when a filter is attached: the only thing emit() checks otherwise. */
  private filtered = false;
  /** The attached filter's verdict on an event: truthy to pass it on. */
  private test: ((event: E) => unknown) | undefined;
  private region: Region | undefined;
  private engine: { dispose(): void } | undefined;
  private attached: AttachedFilter | undefined;
  private readonly listeners: Listener<E>[] = [];
  /** True when a script's probe is attached: emit() runs them before the filter. */
  private probed = false;
  private probes: ((event: E) => void)[] = [];

  constructor(readonly name: string, readonly schema: Schema, options: { stringCapacity?: number } = {}) {
    if (!/^[A-Za-z_][\w]*:[A-Za-z_][\w]*$/.test(name)) throw new RangeError(`tracepoint name '${name}' must be provider:event`);
    this.layout = layoutRecord(schema, options.stringCapacity);
    declared.set(name, this as unknown as Tracepoint);
  }

  /**
   * Run `probe` on every emitted event, whatever the filter says (a script's probe sees every
   * hit, as a bpftrace probe sees every hit of a kernel tracepoint). Returns its remover. Used by
   * ust scripts (script.ts); attachScript() is the way in.
   */
  addProbe(probe: (event: E) => void): () => void {
    this.probes = [...this.probes, probe];
    this.probed = true;
    return () => {
      this.probes = this.probes.filter((p) => p !== probe);
      this.probed = this.probes.length > 0;
    };
  }

  /**
   * Attach a bpftrace program to this tracepoint: a whole program (ust:PROVIDER:EVENT probes,
   * BEGIN, END), or just a probe body, `/predicate/ { ... }` or `{ ... }`, for this tracepoint.
   */
  attachScript(source: string, options: ScriptOptions = {}): UstScript {
    const body = /^\s*[/{]/.test(source);
    return attachScript(body ? `ust:${this.name} ${source}` : source, options);
  }

  /** Compile, verify and load `filter`; replaces any filter attached before. Throws FilterError / VerifierError. */
  attachFilter(filter: string, options: AttachOptions = {}): AttachedFilter {
    const compiled = compileFilter(filter, this.layout);
    const mem = memory();
    const context = { name: this.name, type: 'mem' as const, size: this.layout.size, writable: false };
    const verified = verify(compiled.program, { context });
    const program: readonly Instruction[] = verified.instructions;
    const wanted = options.engine ?? 'jit';
    if (wanted === 'js' || wanted === 'jit') {
      const js = compileToJs(program, recordAccess(this.layout));
      if (js.ok) {
        this.detachFilter();
        this.test = js.run; // r0: 0 drops the event; called directly so V8 can inline it into emit()
        this.attached = { compiled, verified, engine: 'js' };
        this.filtered = true;
        return this.attached;
      }
      if (wanted === 'js') throw new RangeError(`the JavaScript JIT cannot run this filter: ${js.reason}`);
    }
    const region = mem.map(this.layout.size, 'ctx', false, `tracepoint ${this.name} record`);
    const engineKind: EngineUsed = wanted === 'interpreter' ? 'interpreter' : 'wasm';
    let runOnce: () => boolean;
    let engine: { dispose(): void };
    if (engineKind === 'wasm') {
      // Verified: every access proven (no checks), no stack byte read before written (no zeroing).
      const jit = new JitProgram(program, { memory: mem, provenSafe: (pc: number) => verified.safeAccesses.has(pc), zeroStack: false });
      // The lean entry: the record's window is fixed once; each event is one i32 call returning
      // r0's low half (a trace program's verdict is a u32 in the kernel too).
      jit.prepare([region], region);
      const start = region.start, size = region.size;
      runOnce = () => jit.runPrepared(start, size) !== 0;
      engine = jit;
    } else {
      const interp = new Interpreter(program, { memory: mem });
      runOnce = () => interp.run(region) !== 0n;
      engine = interp;
    }
    this.detachFilter();
    this.region = region;
    this.engine = engine;
    const write = recordWriter(mem, region, compiled.fields.map((f) => this.layout.fields.get(f)!), compiled.stringBytes);
    this.test = (event) => { write(event); return runOnce(); };
    this.attached = { compiled, verified, engine: engineKind };
    this.filtered = true;
    return this.attached;
  }

  /**
   * Filter with the application's own TypeScript predicate instead of a filter expression: no
   * compiler and no verifier, so only for code the application trusts. Also the baseline that
   * bench/ust.ts holds the compiled filters to. Replaces any filter attached before.
   */
  attachPredicate(predicate: (event: E) => boolean): void {
    this.detachFilter();
    this.test = predicate;
    this.filtered = true;
  }

  detachFilter(): void {
    this.filtered = false;
    this.test = undefined;
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
    if (this.probed) { const ps = this.probes; for (let i = 0; i < ps.length; i++) ps[i](event); }
    if (this.filtered && !this.test!(event)) return false;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](event);
    return true;
  }
}

/** Tracepoints by name, for scripts' ust:PROVIDER:EVENT probes (the latest declaration of a name). */
const declared = new Map<string, Tracepoint>();
/** The tracepoints this process declared, as scripts look them up. */
export interface TracepointRegistry {
  get(name: string): Tracepoint | undefined;
  names(): string[];
}
export const declaredTracepoints: TracepointRegistry = { get: (name) => declared.get(name), names: () => [...declared.keys()] };

/** Define a tracepoint `provider:event` with its fields. */
export function tracepoint<E extends Record<string, unknown> = Record<string, unknown>>(name: string, schema: Schema, options: { stringCapacity?: number } = {}): Tracepoint<E> {
  return new Tracepoint<E>(name, schema, options);
}
