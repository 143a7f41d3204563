// The compiler driver: a parsed script in, one eBPF program per expanded attach point out, plus
// the map specs and record table they share. No kernel is touched here, so -d and the unit tests
// run anywhere.
import * as ast from '../lang/ast.js';
import { MISSING_PROBES_HINT, MissingProbeError, SourceError, UserError } from '../diagnostics.js';
import type { Instruction } from '../isa/instruction.js';
import type { ExpandOptions, ProbeInstance } from '../probes/index.js';
import { AttachPointExpander } from '../probes/expander.js';
import { emitFunction } from './emit.js';
import { ProgramBuilder } from '../isa/builder.js';
import { slotOffsets } from '../isa/instruction.js';
import { functionsBtf } from '../btf/writer.js';
import { eliminateDeadCode } from './dce.js';
import type { IrFunction } from './ir.js';
import { CompileError, MapNotYetKnownError, ProgramLowering, ScriptContext } from './lower.js';
import { globalsSpec, lostSpec, MapSpec, mapSpecOf, ringbufSpec, ScriptMap } from './maps.js';
import { RecordSpec, RecordTable } from './records.js';
import { allocateRegisters, Allocation } from './regalloc.js';

export interface CompileOptions {
  positional?: string[];
  ncpus?: number;
  /** Possible CPUs (default: ncpus). */
  possibleCpus?: number;
  strlen?: number;
  /** The script text, for locations in -d and error messages. */
  source?: string;
  /** -p PID: uprobe/usdt targets resolve through this process's mappings, and attach to it only. */
  pid?: number;
  /** The script's file name for error messages ("stdin" for -e). */
  file?: string;
  /** In-process tracepoints' fields, for ust probes (src/ust; see ExpandOptions.ust). */
  ust?: ExpandOptions['ust'];
  /** The expander semantic analysis used (probeContextResolver), to reuse its expansions. */
  expander?: AttachPointExpander;
  /** Enumerator names by value, for printing enum values (AnalysedProgram.enums, kernel BTF). */
  enums?: (enumName: string) => ReadonlyMap<bigint, string> | undefined;
}

export interface CompiledProgram {
  /** BPF program name (<= 15 characters). */
  name: string;
  instance: ProbeInstance;
  ir: IrFunction;
  alloc: Allocation;
  insns: Instruction[];
  /** Bytes of stack used, spill slots included. */
  stackSize: number;
  /** Callback subprograms after the main function (for over maps, len), each with its own frame. */
  subprograms: { name: string; ir: IrFunction; alloc: Allocation; insnOffset: number; stackSize: number }[];
  /** BTF and func_info the kernel needs when there are subprograms (else undefined). */
  btf?: Uint8Array;
  funcInfo?: Uint8Array;
}

export interface CompiledScript {
  programs: CompiledProgram[];
  maps: ScriptMap[];
  mapSpecs: MapSpec[];
  records: RecordSpec[];
  probeNames: string[];
  /** Enumerator names by value (CompileOptions.enums), for the decoder. */
  enums?: (enumName: string) => ReadonlyMap<bigint, string> | undefined;
}

function programName(instance: ProbeInstance, index: number): string {
  const base = instance.attach.kind === 'tracepoint' ? instance.attach.event : instance.provider;
  return `${base.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 10)}_${index}`.slice(0, 15);
}

export function compileScript(program: ast.Program, options: CompileOptions = {}): CompiledScript {
  try {
    return compileProgram(program, options);
  } catch (e) {
    // Every user error points into the script: quote it with the right file name.
    if (e instanceof SourceError) {
      e.file = options.file ?? program.file ?? e.file;
      if (e.source === undefined) e.source = options.source;
    }
    throw e;
  }
}

function compileProgram(program: ast.Program, options: CompileOptions): CompiledScript {
  const script: ScriptContext = {
    maps: new Map(),
    records: new RecordTable(),
    probeNames: [],
    positional: options.positional ?? [],
    ncpus: options.ncpus ?? 1,
    possibleCpus: options.possibleCpus ?? options.ncpus ?? 1,
    strlen: options.strlen ?? 64,
    source: options.source,
  };
  const expander = options.expander ?? new AttachPointExpander({ pid: options.pid, ust: options.ust });
  const jobs: { probe: ast.Probe; instance: ProbeInstance; index: number }[] = [];
  for (const probe of program.probes) {
    for (const ap of probe.attachPoints) {
      let instances: ProbeInstance[];
      try {
        instances = expander.expand(ap.provider, ap.parts, ap.raw);
      } catch (e) {
        if (e instanceof CompileError) throw e;
        const err = new CompileError((e as Error).message.replace(`${ap.raw}: `, ''), ap.span);
        err.source = options.source;
        // Semantic analysis normally meets missing probes first (probeContextResolver).
        if (e instanceof MissingProbeError) err.notes.push(MISSING_PROBES_HINT);
        throw err;
      }
      for (const instance of instances) jobs.push({ probe, instance, index: jobs.length });
    }
  }
  // Nothing would ever run: a script without probes, or one whose every attach point is missing
  // (semantic analysis dropped them, config missing_probes). bpftrace refuses both too.
  if (jobs.length === 0) throw new UserError('no probes to attach');
  const done = new Map<number, CompiledProgram>();
  // Probes that read a map assigned only by a later probe are retried once the others have laid
  // out their maps; a map that is never assigned is reported after the final pass.
  let pending = jobs;
  for (let pass = 0; pending.length > 0; pass++) {
    const retry: typeof jobs = [];
    let lastError: MapNotYetKnownError | undefined;
    for (const job of pending) {
      const records = script.records.records.length;
      try {
        done.set(job.index, compileOne(job.probe, job.instance, script, programName(job.instance, job.index)));
      } catch (e) {
        if (!(e instanceof MapNotYetKnownError)) throw e;
        script.records.records.length = records; // drop records of the abandoned attempt
        retry.push(job);
        lastError = e;
      }
    }
    if (retry.length === pending.length) {
      // No probe could go on: the rest read maps before they assign them. Let reads lay them out
      // once; if that changes nothing either, the map really is never assigned.
      if (script.readsLayOutMaps) throw lastError!;
      script.readsLayOutMaps = true;
    }
    pending = retry;
  }
  const maps = [...script.maps.values()];
  const records = script.records.records;
  const needsRingbuf = records.length > 0;
  return {
    programs: jobs.map((j) => done.get(j.index)!),
    maps,
    mapSpecs: [...maps.map((m) => mapSpecOf(m)), ...(script.extraMaps?.values() ?? []), ...(needsRingbuf ? [ringbufSpec(), lostSpec()] : []), globalsSpec()],
    records,
    probeNames: script.probeNames,
    enums: options.enums,
  };
}

function compileOne(probe: ast.Probe, instance: ProbeInstance, script: ScriptContext, name: string): CompiledProgram {
  const lowering = new ProgramLowering(probe, instance, script, name);
  const ir = eliminateDeadCode(lowering.lower());
  const frame = lowering.b.frame;
  const alloc = allocateRegisters(ir, frame);
  const b = new ProgramBuilder();
  emitFunction(b, ir, alloc);
  // Subprograms follow the main function in one instruction stream (calls and function addresses
  // are relative), each entered at a label named after it.
  const subs = lowering.subprograms.map((s) => {
    const sir = eliminateDeadCode(s.ir);
    const salloc = allocateRegisters(sir, s.frame);
    const first = b.length;
    b.label(s.label);
    emitFunction(b, sir, salloc, `${s.label}.`);
    return { name: s.name, ir: sir, alloc: salloc, first, stackSize: s.frame.size, params: s.params };
  });
  const insns = b.build();
  const slots = slotOffsets(insns);
  const subprograms = subs.map((s) => ({ name: s.name, ir: s.ir, alloc: s.alloc, insnOffset: slots[s.first], stackSize: s.stackSize }));
  const compiled: CompiledProgram = { name, instance, ir, alloc, insns, stackSize: frame.size, subprograms };
  if (subs.length) {
    const { btf, funcInfo } = functionsBtf([{ name, insnOffset: 0, params: 1 }, ...subs.map((s, i) => ({ name: s.name, insnOffset: subprograms[i].insnOffset, params: s.params }))]);
    compiled.btf = btf;
    compiled.funcInfo = funcInfo;
  }
  return compiled;
}
