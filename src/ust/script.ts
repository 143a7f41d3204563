// bpftrace programs on in-process tracepoints: the same language, compiler and output as the
// bpfkit command, run in the userspace VM instead of the kernel.
//
//   const requests = ust.tracepoint('http:request', { status: 'u32', path: 'string', latency_us: 'u64' });
//   const script = ust.attachScript(`
//     ust:http:request /args.status >= 500/ { @errors[args.path] = count(); }
//     ust:http:request { @latency_us = hist(args.latency_us); }`);
//   ...
//   script.stop();   // runs END, prints the maps as bpftrace does at exit, detaches
//
// Each probe is compiled to eBPF (src/ir), checked by the VM's verifier and run by the
// WebAssembly JIT (or the interpreter) on every emit() of its tracepoint, on a record written in
// VM memory. Maps are VM maps; printf and friends go through a VM ring buffer to the same
// RecordPrinter the kernel session uses, so output is bpftrace's, text or JSON.
// ust, interval (on Node's timers), BEGIN and END probes run here; kernel probes belong to the
// bpfkit command.
import { MissingProbeError, UserError, renderDiagnostic } from '../diagnostics.js';
import { parse } from '../lang/parser.js';
import * as ast from '../lang/ast.js';
import { analyse } from '../lang/semantic.js';
import { ProbeContext, ProbeContextResolver, tracepointArgs } from '../lang/probe-context.js';
import { matchUstTracepoints } from '../probes/ust.js';
import { probeContextResolver } from '../probes/context-resolver.js';
import type { TracepointField } from '../kernel/tracefs.js';
import { compileScript, CompiledProgram, CompiledScript } from '../ir/compile.js';
import { GLOBALS_MAP, LOST_MAP, RINGBUF_MAP, bpfMapName } from '../ir/maps.js';
import { MapType } from '../kernel/map-spec.js';
import { bindMaps } from '../isa/builder.js';
import { VmMemory, Region } from '../vm/memory.js';
import { VmMaps, RingBuffer } from '../vm/maps.js';
import type { MapKind } from '../vm/verifier/maps-info.js';
import { defaultHelpers } from '../vm/helpers.js';
import { registerMapHelpers } from '../vm/helpers-maps.js';
import { registerProbeReadHelpers } from '../vm/helpers-probe-read.js';
import { verify, recordContext, VerifierError } from '../vm/verifier/index.js';
import { JitProgram } from '../vm/jit/jit.js';
import { Interpreter } from '../vm/interpreter.js';
import { RecordPrinter } from '../runtime/record-printer.js';
import * as jsonOutput from '../output/json.js';
import * as strftimeModule from '../output/strftime.js';
import * as catFileModule from '../runtime/cat-file.js';
import { FieldLayout, INT_BYTES, RecordLayout } from '../lang/filter/layout.js';
import { recordWriter } from './record.js';
import { declaredTracepoints, TracepointRegistry } from './tracepoint.js';

export interface ScriptOptions {
  /** Where printf, print() and the maps go (default: process.stdout). */
  write?: (text: string) => void;
  /** Where warnings and "Lost N events" go (default: process.stderr). */
  warn?: (text: string) => void;
  /** bpftrace's -f: 'text' (default) or 'json'. */
  format?: 'text' | 'json';
  /** 'jit' (default): the WebAssembly JIT; 'interpreter': the reference interpreter. */
  engine?: 'jit' | 'interpreter';
  /** Positional parameters: $1 is params[0]. */
  params?: string[];
  /** The script's name in diagnostics (default "script"). */
  file?: string;
}

/** The verifier refused a probe: said at the script line that produced the instruction. */
export class ScriptRejectedError extends UserError {
  constructor(readonly verifierError: VerifierError, readonly probe: string, private file: string, private source: string) {
    super(`${probe}: ${verifierError.reason}`);
    this.name = 'ScriptRejectedError';
  }
  override render(): string {
    const e = this.verifierError;
    const what = `the verifier rejected the program for ${this.probe}: ${e.reason}`;
    const loc = e.loc;
    const head = loc ? renderDiagnostic(this.file, this.source, { line: loc.line, column: loc.column, length: loc.text?.length ?? 1 }, what) : `error: ${what}`;
    return `${head}\n  at ${e.line}`;
  }
}

/** The `args` a ust probe sees: integers as they are, strings as NUL-terminated char arrays. */
export function ustArgs(layout: RecordLayout): TracepointField[] {
  return [...layout.fields.values()].map((f) => f.type === 'string'
    ? { name: f.name, type: 'char', offset: f.offset + 4, size: f.capacity, arrayLength: f.capacity, signed: true, dataLoc: false, common: false }
    : { name: f.name, type: f.type, offset: f.offset, size: INT_BYTES[f.type], signed: f.type[0] === 's', dataLoc: false, common: false });
}

const VM_MAP_KINDS: Partial<Record<number, MapKind>> = {
  [MapType.HASH]: 'hash', [MapType.PERCPU_HASH]: 'percpu_hash', [MapType.LRU_HASH]: 'lru_hash', [MapType.LRU_PERCPU_HASH]: 'lru_percpu_hash',
  [MapType.ARRAY]: 'array', [MapType.PERCPU_ARRAY]: 'percpu_array', [MapType.RINGBUF]: 'ringbuf',
};

interface RunningProbe {
  program: CompiledProgram;
  run(): void;
  dispose(): void;
}

export class UstScript {
  private readonly memory = new VmMemory();
  private readonly maps = new VmMaps(this.memory);
  private readonly printer: RecordPrinter;
  private readonly probes: RunningProbe[] = [];
  private readonly detachers: (() => void)[] = [];
  private stopped = false;
  private exitCode = 0;
  private resolveDone!: (code: number) => void;
  /** Resolves with the exit code once the script has stopped (exit() in the script, or stop()). */
  readonly done = new Promise<number>((resolve) => { this.resolveDone = resolve; });

  constructor(
    readonly script: CompiledScript,
    private readonly tracepoints: TracepointRegistry,
    /** The `args` fields the script reads (undefined: all of them); emit() writes only these. */
    private readonly fieldsRead: ReadonlySet<string> | undefined,
    private readonly options: ScriptOptions & { file: string; source: string; printMapsOnExit: boolean; maxCatBytes?: number },
  ) {
    const write = options.write ?? ((t: string) => { process.stdout.write(t); });
    this.printer = new RecordPrinter(script, (m) => {
      const map = this.maps.named(bpfMapName(m.name));
      // Per-CPU maps hold one value in the VM (one CPU).
      return map && { lookupAll: () => map.entries(), splitPerCpu: (v) => [v], keys: () => map.keys(), delete: (k) => map.delete(k), update: (k, v) => map.update(k, v) };
    }, { probeNames: script.probeNames, enums: script.enums }, {
      format: options.format ?? 'text', write, json: jsonOutput, strftime: strftimeModule,
      warn: this.warn,
      catFile: catFileModule, maxCatBytes: options.maxCatBytes,
      // exit() arrives inside a running program: stop once it has returned.
      onExit: () => queueMicrotask(() => this.stop()),
    });
    try {
      this.load();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private load(): void {
    for (const spec of this.script.mapSpecs) {
      const kind = VM_MAP_KINDS[spec.type];
      if (!kind) throw new UserError(`map ${spec.name}: ${spec.type === MapType.STACK_TRACE ? 'kstack and ustack are' : `map type ${spec.type} is`} not available in the userspace VM`);
      this.maps.create({ name: spec.name, kind, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries });
    }
    const start = new Uint8Array(8);
    new DataView(start.buffer).setBigUint64(0, process.hrtime.bigint(), true);
    this.maps.named(GLOBALS_MAP)?.update(new Uint8Array(4), start);
    const rb = this.maps.named(RINGBUF_MAP);
    if (rb instanceof RingBuffer) rb.onRecord((r) => this.printer.onRecord(r));
    const helpers = registerProbeReadHelpers(registerMapHelpers(defaultHelpers(), this.maps));
    for (const compiled of this.script.programs) {
      const attach = compiled.instance.attach;
      const kind = attach.kind;
      if (kind !== 'ust' && kind !== 'begin' && kind !== 'end' && kind !== 'interval') {
        throw new UserError(`${compiled.instance.name}: in-process scripts run ust, interval, BEGIN and END probes; kernel probes run with the bpfkit command`);
      }
      // Node's timers count whole milliseconds.
      if (attach.kind === 'interval' && attach.periodNs < 1_000_000n) {
        throw new UserError(`${compiled.instance.name}: in-process interval probes fire at most every millisecond (Node's timers)`);
      }
      const tp = attach.kind === 'ust' ? this.tracepoints.get(attach.tracepoint) : undefined;
      const size = tp ? tp.layout.size : 8;
      const program = bindMaps(compiled.insns, this.maps.handleOf);
      let verified;
      try {
        verified = verify(program, { context: recordContext(size, compiled.instance.name), maps: this.maps.info });
      } catch (e) {
        if (e instanceof VerifierError) throw new ScriptRejectedError(e, compiled.instance.name, this.options.file, this.options.source);
        throw e;
      }
      const region = this.memory.map(size, 'ctx', false, `${compiled.instance.name} record`);
      const fields = tp ? [...tp.layout.fields.values()].filter((f: FieldLayout) => !this.fieldsRead || this.fieldsRead.has(f.name)) : [];
      const write = tp ? recordWriter(this.memory, region, fields, undefined, true) : undefined;
      const engine = this.options.engine === 'interpreter'
        ? new Interpreter(verified.instructions, { memory: this.memory, helpers, resolvePseudo: this.maps.resolvePseudo })
        : new JitProgram(verified.instructions, { memory: this.memory, helpers, resolvePseudo: this.maps.resolvePseudo, provenSafe: (pc) => verified.safeAccesses.has(pc) });
      const runEngine = engine instanceof JitProgram ? prepared(engine, region) : () => { engine.run(region); };
      // As in the kernel: a probe that fires while it is running (a listener of the script's
      // output emitting the same event) is skipped, and a probe that fails drops that event with
      // a warning; neither ever throws into the application's emit().
      let running = false;
      let failed = false;
      const run = (event?: Record<string, unknown>): void => {
        if (running || !this.printer.accepting) return;
        running = true;
        try {
          if (event && write) write(event);
          runEngine();
        } catch (e) {
          if (!failed) this.warn(`${this.options.file}: ${compiled.instance.name}: ${(e as Error).message} (this probe's failing events are dropped)\n`);
          failed = true;
        } finally {
          running = false;
        }
      };
      this.probes.push({ program: compiled, run, dispose: () => { engine.dispose(); this.memory.unmap(region); } });
      if (tp) this.detachers.push(tp.addProbe(run));
      if (attach.kind === 'interval') {
        // Unreferenced: a script's timer never keeps the application alive on its own.
        const timer = setInterval(() => run(), Number(attach.periodNs / 1_000_000n)).unref();
        this.detachers.push(() => clearInterval(timer));
      }
    }
    this.runOneShot('begin');
  }

  private runOneShot(kind: 'begin' | 'end'): void {
    for (const p of this.probes) if (p.program.instance.attach.kind === kind) p.run();
  }

  /** Print every map that holds anything, as bpftrace does at exit (the script keeps running). */
  print(): void {
    this.printer.printMaps();
  }

  /** Detach, run END, print the maps, free everything; returns the exit code. Idempotent. */
  stop(): number {
    if (this.stopped) return this.exitCode;
    this.stopped = true;
    for (const d of this.detachers.splice(0)) d();
    this.printer.accepting = true;
    this.runOneShot('end');
    const lost = this.maps.named(LOST_MAP)?.lookup(new Uint8Array(4));
    const n = lost ? new DataView(lost.buffer, lost.byteOffset, 8).getBigUint64(0, true) : 0n;
    this.printer.reportLost(n, this.warn);
    if (this.options.printMapsOnExit) this.print();
    this.exitCode = this.printer.exitCode ?? 0;
    this.dispose();
    this.resolveDone(this.exitCode);
    return this.exitCode;
  }

  private readonly warn = (text: string): void => { (this.options.warn ?? ((t) => { process.stderr.write(t); }))(text); };

  private dispose(): void {
    for (const d of this.detachers.splice(0)) d();
    for (const p of this.probes.splice(0)) p.dispose();
    this.maps.close();
  }
}

/** The JIT's lean entry: the record's window fixed once, one i32 call per event. */
function prepared(jit: JitProgram, region: Region): () => void {
  jit.prepare([region], region);
  const start = region.start, size = region.size;
  return () => { jit.runPrepared(start, size); };
}

/**
 * What semantic analysis knows of a ust probe: its tracepoint's fields as `args` (with a
 * wildcard, the first match's, as for kernel tracepoints; each match is compiled on its own).
 */
function ustResolver(tracepoints: TracepointRegistry): ProbeContextResolver {
  let base: ProbeContextResolver | undefined;
  return (ap, provider): ProbeContext => {
    if (provider !== 'ust') return (base ??= probeContextResolver())(ap, provider);
    const written = ap.parts.join(':');
    const names = ap.parts.length !== 2 ? [] : matchUstTracepoints(written, tracepoints.names());
    const ctx: ProbeContext = { provider, attachPoint: ap, expanded: names.map((n) => `ust:${n}`), argRegisters: 0, registers: false, addrSpace: 'user' };
    const tp = names.length ? tracepoints.get(names[0]) : undefined;
    if (!tp && ap.parts.length === 2) {
      // An undeclared tracepoint is a missing probe: config missing_probes may skip it.
      throw new MissingProbeError(names.length ? `this application declares no tracepoint '${names[0]}'` : 'no tracepoint of this application matches');
    }
    if (!tp) return ctx;
    const [category, event] = names[0].split(':');
    return { ...ctx, args: tracepointArgs(category, event, ustArgs(tp.layout)) };
  };
}

/**
 * Compile `source` (a bpftrace program whose probes are ust:PROVIDER:EVENT, interval, BEGIN and END) and
 * attach it to this process's tracepoints. Throws a UserError (render() gives file:line:column
 * and a caret) for parse, type and verifier errors.
 */
export function attachScript(source: string, options: ScriptOptions = {}, tracepoints: TracepointRegistry = declaredTracepoints): UstScript {
  const file = options.file ?? 'script';
  const ast = parse(source, { file });
  const analysed = analyse(ast, { source, params: options.params, resolver: ustResolver(tracepoints) });
  const warn = options.warn ?? ((t: string) => { process.stderr.write(t); });
  for (const w of analysed.warnings) warn(w.render() + '\n');
  const strlen = analysed.config.max_strlen;
  const script = compileScript(ast, {
    source, file, positional: options.params, ncpus: 1, possibleCpus: 1,
    strlen: typeof strlen === 'bigint' ? Number(strlen) : undefined,
    ust: { names: () => tracepoints.names(), fields: (name) => { const tp = tracepoints.get(name); return tp && ustArgs(tp.layout); } },
    enums: (name) => analysed.enums.get(name),
  });
  const maxCatBytes = analysed.config.max_cat_bytes;
  return new UstScript(script, tracepoints, argsFieldsRead(ast), {
    ...options, file, source, printMapsOnExit: analysed.config.print_maps_on_exit !== false,
    maxCatBytes: typeof maxCatBytes === 'bigint' ? Number(maxCatBytes) : undefined,
  });
}

/**
 * The `args.NAME` fields anywhere in the script (probes, macros), or undefined when `args` is
 * also used whole: emit() then writes only these fields of the record (a u64 field costs a
 * BigInt conversion, a string a copy, on every event).
 */
function argsFieldsRead(program: ast.Program): ReadonlySet<string> | undefined {
  const isArgs = (n: { kind?: unknown; name?: unknown }): boolean => n.kind === 'Builtin' && n.name === 'args';
  const fields = ast.findNodes(program, (n) => n.kind === 'FieldAccess' && isArgs((n as ast.FieldAccess).expr)) as unknown as ast.FieldAccess[];
  if (ast.findNodes(program, isArgs).length > fields.length) return undefined;
  return new Set(fields.map((f) => f.field));
}
