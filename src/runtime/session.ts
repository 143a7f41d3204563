// A tracing session, bpftrace's life cycle: create the maps, load every program (a verifier
// rejection is reported at the script line that produced the rejected instruction), attach,
// run BEGIN, read ring-buffer records (printf, print, time, cat, clear, zero, exit) until exit(),
// Ctrl-C, a timeout or the end of `-c CMD`; then run END, print the maps, and close everything.
// A probe this kernel will not attach ends the session, or is skipped, as config missing_probes
// says (the ones missing at compile time semantic analysis has already dropped).
import { spawn, ChildProcess } from 'node:child_process';
import { BpfMap } from '../kernel/maps.js';
import { Program, VerifierError } from '../kernel/programs.js';
import { Closeable, closeAll } from '../kernel/cleanup.js';
import { MissingProbeError, MissingProbes, reasonFor, renderDiagnostic, UserError } from '../diagnostics.js';
import { BpfSyscallError } from '../kernel/sys.js';
import type { ProbeInstance } from '../probes/provider.js';
import type { CompiledProgram, CompiledScript } from '../ir/compile.js';
import { GLOBALS_MAP, LOST_MAP, RINGBUF_MAP, bpfMapName } from '../ir/maps.js';
import type * as StrftimeModule from '../output/strftime.js';
import type * as CatFileModule from './cat-file.js';
import { attachedProbesText } from '../output/text.js';
import type * as JsonOutput from '../output/json.js';
import type { MapDump } from '../output/value.js';
import { attach, checkAttachable, loadAttributes } from './attach.js';
import { StackSymbolizer } from './symbols/stack-symbolizer.js';
import { STACK_MAP } from '../ir/stacks.js';
import { DecodeContext } from './decode.js';
import { RecordPrinter } from './record-printer.js';
import { RingBufReader } from '../kernel/readers/ringbuf.js';

/** Loaded by Session.run() when the output format is JSON / the script uses time() / cat(). */
let jsonOutput: typeof JsonOutput;
let strftimeModule: typeof StrftimeModule;
let catFileModule: typeof CatFileModule;

export interface SessionOptions {
  format: 'text' | 'json';
  /** Where script output goes (stdout or -o FILE). */
  write: (text: string) => void;
  /** Diagnostics (stderr). */
  warn: (text: string) => void;
  verbose?: boolean;
  quiet?: boolean;
  /** Load and verify only; attach nothing. */
  dryRun?: boolean;
  /** -c CMD: run it after attaching, stop when it exits. */
  command?: string;
  /** -p PID: uprobes only in this process. */
  pid?: number;
  /** config print_maps_on_exit (default true). */
  printMapsOnExit?: boolean;
  /** config max_cat_bytes (default 10240). */
  maxCatBytes?: number;
  /** config cpp_demangle (default true): C++ names in stacks and usym demangled. */
  demangle?: boolean;
  /** config missing_probes (default "error"): what to do with a probe this kernel will not attach. */
  missingProbes?: MissingProbes;
  /** Script file name and text, for verifier error locations. */
  file?: string;
  source?: string;
}

/** The verifier rejected a program: say where in the script, then the tail of the log. */
export class ScriptVerifierError extends UserError {
  constructor(readonly verifierError: VerifierError, readonly program: CompiledProgram, private file: string, private source: string | undefined, private verbose: boolean) {
    super(verifierError.message);
    this.name = 'ScriptVerifierError';
  }
  override render(): string {
    const e = this.verifierError;
    const loc = e.instruction?.loc;
    const what = `the kernel verifier rejected the program for ${this.program.instance.name}: ${e.reason || 'no reason given'}`;
    const head = loc
      ? renderDiagnostic(this.file, this.source, { line: loc.line, column: loc.column, length: loc.text?.length ?? 1 }, what) +
        (loc.text ? `\nnote: rejected instruction ${e.insnIndex}: ${e.insnText} (generated for \`${loc.text}\`)` : '')
      : `error: ${what}`;
    const lines = this.verbose ? e.lines : e.lines.slice(-12);
    return `${head}\n${this.verbose ? 'verifier log:' : 'verifier log (tail; -v for all of it):'}\n${lines.map((l) => `  ${l}`).join('\n')}`;
  }
}

interface Loaded { compiled: CompiledProgram; program: Program }

export class Session {
  private maps = new Map<string, BpfMap>();
  private loaded: Loaded[] = [];
  private attachments: Closeable[] = [];
  private ringbuf: RingBufReader | undefined;
  private ctx: DecodeContext;
  private printer: RecordPrinter;
  private finished = false;
  private resolveDone: (() => void) | undefined;
  private child: ChildProcess | undefined;
  /** Probes skipped because they could not be attached (config missing_probes). */
  private skipped = 0;

  constructor(readonly script: CompiledScript, readonly options: SessionOptions) {
    this.ctx = { probeNames: script.probeNames, enums: script.enums };
    this.printer = new RecordPrinter(script, (m) => this.maps.get(bpfMapName(m.name)), this.ctx, {
      format: options.format,
      write: options.write,
      warn: options.warn,
      maxCatBytes: options.maxCatBytes,
      // Loaded by run() only when needed; read through getters so they are seen once loaded.
      get json() { return jsonOutput; },
      get strftime() { return strftimeModule; },
      get catFile() { return catFileModule; },
      onExit: () => this.finish(),
    });
  }

  /** Create maps and load programs (what --dry-run stops after). */
  load(): void {
    for (const spec of this.script.mapSpecs) this.maps.set(spec.name, BpfMap.create(spec));
    this.ctx.symbols = new StackSymbolizer(this.maps.get(STACK_MAP), () => this.options.pid ?? this.child?.pid, this.options.demangle !== false);
    const start = new Uint8Array(8);
    new DataView(start.buffer).setBigUint64(0, monotonicNs(), true);
    this.maps.get(GLOBALS_MAP)?.update(new Uint8Array(4), start);
    for (const compiled of this.script.programs) {
      // Probes this kernel cannot attach are known before loading (kernel/features.ts).
      let attributes;
      try {
        if (!this.options.dryRun) checkAttachable(compiled.instance);
        attributes = loadAttributes(compiled.instance);
      } catch (e) {
        this.cannotAttach(compiled.instance, e);
        continue;
      }
      try {
        const program = Program.load(
          { name: compiled.name, type: compiled.instance.progType, instructions: compiled.insns, license: 'GPL', btf: compiled.btf, funcInfo: compiled.funcInfo, ...attributes },
          this.maps, { logLevel: this.options.verbose ? 1 : 0 });
        this.loaded.push({ compiled, program });
      } catch (e) {
        if (e instanceof VerifierError) throw new ScriptVerifierError(e, compiled, this.options.file ?? 'stdin', this.options.source, !!this.options.verbose);
        throw e;
      }
    }
  }

  /**
   * `instance` could not be attached (it is missing here, or this kernel refused it): config
   * missing_probes says whether that ends the session (throws) or the probe is skipped.
   */
  private cannotAttach(instance: ProbeInstance, e: unknown): void {
    // Anything else is a bug, not the probe's absence: let it through.
    if (!(e instanceof UserError) && !(e instanceof BpfSyscallError)) throw e;
    const why = reasonFor(instance.name, e.message);
    const policy = this.options.missingProbes ?? 'error';
    if (policy === 'error') throw e instanceof UserError ? e : new MissingProbeError(`cannot attach ${instance.name}: ${why}`);
    if (policy === 'warn') this.options.warn(`warning: skipping ${instance.name}: ${why}\n`);
    this.skipped++;
  }

  /** With probes skipped, something must be left to run (bpftrace's "Attachment failed for all probes"). */
  private checkSomethingAttached(): void {
    if (this.skipped > 0 && this.loaded.length === 0) throw new UserError('attachment failed for all probes');
  }

  /** Run the whole session; resolves to the exit code. */
  async run(): Promise<number> {
    try {
      // Output code most runs never need is loaded only when they do (every module costs start-up).
      if (this.options.format === 'json') jsonOutput = await import('../output/json.js');
      if (this.script.records.some((r) => r.kind === 'time')) strftimeModule = await import('../output/strftime.js');
      if (this.script.records.some((r) => r.kind === 'cat')) catFileModule = await import('./cat-file.js');
      this.load();
      this.checkSomethingAttached();
      if (this.options.dryRun) return 0;
      const rb = this.maps.get(RINGBUF_MAP);
      if (rb) {
        this.ringbuf = new RingBufReader(rb, (r) => this.onRecord(r)).start();
      }
      for (const l of [...this.loaded]) {
        let a;
        try {
          a = attach(l.compiled.instance, l.program, this.options.pid);
        } catch (e) {
          this.cannotAttach(l.compiled.instance, e);
          this.loaded.splice(this.loaded.indexOf(l), 1);
          l.program.close();
          continue;
        }
        if (a) this.attachments.push(a);
      }
      this.checkSomethingAttached();
      // BEGIN and END count, as in bpftrace.
      const probes = this.loaded.length;
      if (!this.options.quiet) this.emit(this.options.format === 'json' ? jsonOutput.attachedProbesJson(probes) : attachedProbesText(probes));
      const done = new Promise<void>((resolve) => { this.resolveDone = resolve; });
      // A pending promise does not keep Node alive; without records to read (no ring buffer
      // watch) the process would exit right after attaching. Tracing runs until told to stop.
      const keepAlive = setInterval(() => {}, 1 << 30);
      void done.then(() => clearInterval(keepAlive));
      const onSignal = (): void => { this.finish(); };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        this.runOneShot('begin');
        if (!this.finished && this.options.command) this.startCommand(this.options.command);
        if (!this.finished && this.attachments.length === 0 && !this.child) {
          // Nothing can ever fire: bpftrace keeps waiting too, but only for Ctrl-C.
        }
        await done;
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
      // Stop events before END, so END sees final values and no more records arrive after it.
      for (const a of this.attachments.splice(0)) a.close();
      this.drain();
      this.printer.accepting = true;
      this.runOneShot('end', true);
      this.reportLost();
      if (this.options.printMapsOnExit !== false) this.printer.printMaps();
      return this.printer.exitCode ?? 0;
    } finally {
      this.close();
    }
  }

  private startCommand(command: string): void {
    this.child = spawn('/bin/sh', ['-c', command], { stdio: 'inherit' });
    this.child.on('exit', () => { this.drain(); this.finish(); });
  }

  /** Run every begin (or end) program once, then read what they emitted (after load()). */
  runOneShot(kind: 'begin' | 'end', force = false): void {
    for (const l of this.loaded) {
      if (l.compiled.instance.attach.kind !== kind) continue;
      if (this.finished && !force) return;
      l.program.testRun({});
      this.drain();
    }
  }

  private drain(): void {
    this.ringbuf?.poll();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveDone?.();
  }

  private emit(text: string): void { this.options.write(text); }

  private onRecord(bytes: Uint8Array): void {
    this.printer.onRecord(bytes);
  }

  /** Records the ring buffer had no room for (bpftrace's "Lost N events"). */
  private reportLost(): void {
    const m = this.maps.get(LOST_MAP);
    if (!m) return;
    const v = m.lookup(new Uint8Array(4));
    const n = v ? new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0, true) : 0n;
    this.printer.reportLost(n, this.options.warn);
  }

  /** Every @map's current contents (after load()). */
  dumpMaps(): MapDump[] {
    return this.printer.dumpMaps();
  }

  close(): void {
    if (this.child && this.child.exitCode === null) this.child.kill('SIGTERM');
    for (const a of this.attachments.splice(0)) a.close();
    // Late events (the -c child's exit) must not touch the unmapped ring buffer.
    this.ringbuf?.close();
    this.ringbuf = undefined;
    this.child?.removeAllListeners('exit');
    for (const l of this.loaded.splice(0)) l.program.close();
    for (const m of this.maps.values()) m.close();
    this.maps.clear();
    void closeAll;
  }
}

/** CLOCK_MONOTONIC in ns, the clock bpf_ktime_get_ns reads. */
function monotonicNs(): bigint {
  return process.hrtime.bigint();
}
