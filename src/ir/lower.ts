// Lowering of one probe's typed AST into IR. Scalars (integers, bools, pointers) live in virtual
// registers; strings, tuples and map keys live in zeroed stack buffers; $variables have a stack
// home for the whole program, as in bpftrace, so loops need no register juggling. Map updates,
// histograms and ring-buffer records follow the layouts in maps.ts and records.ts.
import * as ast from '../lang/ast.js';
import { Type, sizeOf, tupleLayout, I64, U64, U32, str as strType, typeName } from '../lang/types.js';
import { SourceError } from '../diagnostics.js';
import { Helper } from '../isa/helpers.js';
import type { SizeName } from '../isa/builder.js';
import type { JmpName } from '../isa/builder.js';
import type { ProbeInstance } from '../probes/provider.js';
import { FunctionBuilder } from './function-builder.js';
import type { StackFrame } from './stack.js';
import { CallArg, IrFunction, VReg } from './ir.js';
import { bpfMapName, GLOBALS_MAP, LOST_MAP, layoutScriptMap, RINGBUF_MAP, ScriptMap, ScriptMapKind } from './maps.js';
import { RECORD_HEADER, RecordField, RecordTable } from './records.js';
import { isMemoryAccess, LoweringHost, probeBuiltin, probeCall, readMemoryBuffer, readMemoryScalar } from './probe-values.js';

export class CompileError extends SourceError {
  constructor(message: string, span: ast.Span) { super(message, span); this.name = 'CompileError'; }
}

/** A map read before any probe assigned it: the driver retries after compiling the others. */
export class MapNotYetKnownError extends CompileError {}

/** Builtins lowered to a register holding their unsigned value zero-extended to 64 bits. */
const ZERO_EXTENDED_BUILTINS = new Set(['pid', 'tid', 'uid', 'gid', 'cpu']);

/** Everything the programs of one script share. */
export interface ScriptContext {
  maps: Map<string, ScriptMap>;
  records: RecordTable;
  /** Probe names for the `probe` builtin when it is typed as an id. */
  probeNames: string[];
  positional: string[];
  ncpus: number;
  /** Possible CPUs (per-CPU map slots), for reading aggregates in probes. */
  possibleCpus: number;
  /** bpftrace's max_strlen (default 64). */
  strlen: number;
  source?: string;
  /** Maps the programs share beyond script maps (the kstack/ustack stack-trace map). */
  extraMaps?: Map<string, import('./maps.js').MapSpec>;
  /**
   * Set by the compiler when no probe assigns a map before reading it (`if (@start[tid]) ...;
   * @start[tid] = nsecs;`): keyed reads may then lay the map out from their own keys. Assignments
   * go first when they can, because their keys (a 64-byte str()) may be wider than a read's.
   */
  readsLayOutMaps?: boolean;
}

/**
 * A bpf-to-bpf subprogram of a probe's program: the body of a `for ($kv : @map)` loop, or the
 * counting callback of len(@map), both called by bpf_for_each_map_elem. `label` is its entry in
 * the emitted program; `params` its argument count (for its BTF prototype).
 */
export interface Subprogram {
  name: string;
  label: string;
  ir: IrFunction;
  frame: StackFrame;
  params: number;
}

/** A value during lowering: in a register, or in a stack buffer at fp+off. */
type Val = { k: 'reg'; v: VReg; type: Type } | { k: 'mem'; off: number; type: Type };

const SIZE_NAMES: Record<number, SizeName> = { 1: 'b', 2: 'h', 4: 'w', 8: 'dw' };
const BPF_ANY = 0;
/** Records bigger than this that contain str() are built in the ring buffer, not on the stack. */
const RESERVE_THRESHOLD = 192;
const round8 = (n: number): number => Math.max(8, (n + 7) & ~7);
const isStringy = (t: Type): boolean => (t.kind === 'special' && (t.name === 'timestamp' || t.name === 'inet')) || t.kind === 'string' || t.kind === 'tuple' || t.kind === 'record' || t.kind === 'array' || t.kind === 'struct' || t.kind === 'buffer';
const isSigned = (t: Type | undefined): boolean => !!t && t.kind === 'int' && t.signed;

export class ProgramLowering {
  readonly b: FunctionBuilder;
  private ctx: VReg | undefined;
  private vars = new Map<string, { off: number; type: Type }>();
  private loopStack: { brk: string; cont: string }[] = [];
  private exitLabel: string;
  /**
   * In a for-map body: where in the loop's shared struct to flag that the probe must end (a
   * `return` or `exit()` in the body), which the probe checks after the loop.
   */
  private returnFlag: { ptr: VReg; at: number } | undefined;

  /** `return` (and exit()): leave the probe, also from inside a for-map body. */
  private returnFromProbe(): void {
    if (this.returnFlag) this.b.stx('dw', this.returnFlag.ptr, this.returnFlag.at, this.b.const(1));
    this.b.ja(this.exitLabel);
  }

  /**
   * @param subprograms where callbacks are collected: the main program's lowering owns the list
   * and passes it to the lowerings of its callbacks (loops nest).
   */
  constructor(readonly probe: ast.Probe, readonly instance: ProbeInstance, readonly script: ScriptContext, name: string,
    readonly subprograms: Subprogram[] = []) {
    this.b = new FunctionBuilder(name);
    this.exitLabel = this.b.label('exit');
  }

  /** Probe values and kernel memory reads are lowered in probe-values.ts through this. */
  private get host(): LoweringHost {
    return {
      b: this.b, instance: this.instance, scalar: (e) => this.scalar(e), context: () => this.ctx!, fail: (m, s) => this.fail(m, s),
      useMap: (spec) => { (this.script.extraMaps ??= new Map()).set(spec.name, spec); },
    };
  }

  lower(): IrFunction {
    const b = this.b;
    this.at(this.probe.span, this.probe.attachPoints.map((a) => a.raw).join(','));
    this.ctx = b.vreg('ctx');
    b.emit({ op: 'ctx', dst: this.ctx });
    if (this.probe.predicate) {
      this.at(this.probe.predicate.span);
      const mark = b.frame.mark();
      this.jumpIfFalse(this.probe.predicate, this.exitLabel);
      b.frame.release(mark);
    }
    this.block(this.probe.body.statements);
    b.place(this.exitLabel);
    b.emit({ op: 'exit', value: 0 });
    return b.finish();
  }

  // ---- locations -----------------------------------------------------------------------------

  private at(span: ast.Span, text?: string): void {
    const src = this.script.source;
    let t = text;
    if (t === undefined && src !== undefined) {
      const line = src.split('\n')[span.line - 1] ?? '';
      t = line.slice(span.column - 1, span.column - 1 + (span.length ?? line.length)).trim();
    }
    this.b.loc = { line: span.line, column: span.column, text: t };
  }
  private fail(message: string, span: ast.Span): never {
    const e = new CompileError(message, span);
    if (this.script.source !== undefined) e.source = this.script.source;
    throw e;
  }

  // ---- statements ----------------------------------------------------------------------------

  private block(stmts: ast.Stmt[]): void {
    for (const s of stmts) this.stmt(s);
  }

  private stmt(s: ast.Stmt): void {
    const b = this.b;
    this.at(s.span);
    // Buffers a statement needs die with it; variables are allocated outside this scope.
    const mark = b.frame.mark();
    const keep = (): void => b.frame.release(Math.max(mark, this.varHighWater()));
    switch (s.kind) {
      case 'ExprStmt': this.effect(s.expr); break;
      case 'Assign': this.assign(s); break;
      case 'Let': if (s.value) this.assignVar(s.variable, s.value); else this.declareVar(s.variable.name, s.variable.type ?? I64); break;
      case 'If': {
        const elseL = b.label('else'), endL = b.label('endif');
        this.jumpIfFalse(s.cond, elseL);
        keep();
        this.block(s.then.statements);
        if (s.else) b.ja(endL);
        b.place(elseL);
        if (s.else) {
          if (s.else.kind === 'If') this.stmt(s.else); else this.block(s.else.statements);
          b.place(endL);
        }
        break;
      }
      case 'While': {
        const id = b.loopId();
        const top = b.label('while'), end = b.label('wend');
        b.emit({ op: 'loop', edge: 'begin', id });
        b.place(top);
        this.at(s.cond.span);
        this.jumpIfFalse(s.cond, end);
        keep();
        this.loopStack.push({ brk: end, cont: top });
        this.block(s.body.statements);
        this.loopStack.pop();
        b.ja(top);
        b.emit({ op: 'loop', edge: 'end', id });
        b.place(end);
        break;
      }
      case 'Unroll': {
        const n = this.constInt(s.count);
        if (n < 1n || n > 100n) this.fail('unroll count must be between 1 and 100', s.count.span);
        for (let i = 0n; i < n; i++) {
          const end = b.label('unroll');
          this.loopStack.push({ brk: end, cont: end });
          this.block(s.body.statements);
          this.loopStack.pop();
          b.place(end);
        }
        break;
      }
      case 'ForRange': {
        const start = this.scalar(s.start);
        const endV = this.scalar(s.end);
        const t = s.variable.type ?? s.start.type ?? I64;
        const slot = this.declareVar(s.variable.name, t);
        b.stx('dw', 'fp', slot, start);
        const endSlot = b.frame.alloc(8, b.loc, 'loop bound');
        b.stx('dw', 'fp', endSlot, endV);
        const id = b.loopId();
        const top = b.label('for'), next = b.label('fnext'), done = b.label('fend');
        b.emit({ op: 'loop', edge: 'begin', id });
        b.place(top);
        const i = b.ldx('dw', 'fp', slot), e = b.ldx('dw', 'fp', endSlot);
        b.jmp(isSigned(t) ? 'jsge' : 'jge', i, e, done);
        this.loopStack.push({ brk: done, cont: next });
        this.block(s.body.statements);
        this.loopStack.pop();
        b.place(next);
        const i2 = b.ldx('dw', 'fp', slot);
        b.alu('add', i2, 1);
        b.stx('dw', 'fp', slot, i2);
        b.ja(top);
        b.emit({ op: 'loop', edge: 'end', id });
        b.place(done);
        // endSlot stays allocated: it is below the statement mark and released with it.
        break;
      }
      case 'Break': case 'Continue': {
        const l = this.loopStack[this.loopStack.length - 1];
        if (!l) this.fail(`${s.kind.toLowerCase()} outside of a loop`, s.span);
        b.ja(s.kind === 'Break' ? l.brk : l.cont);
        break;
      }
      case 'Return': this.returnFromProbe(); break;
      case 'Delete': {
        const m = this.accessedMap(s.map, s.keys, s.span);
        const key = this.mapKey(m, s.keys, s.span);
        b.call(Helper.map_delete_elem, [{ map: bpfMapName(m.name) }, { fp: key }], false);
        break;
      }
      case 'ForMap': this.forMap(s); break;
    }
    keep();
  }

  // ---- callbacks (for over maps, len) -------------------------------------------------------

  /**
   * `for ($kv : @m) body`: the body becomes a callback subprogram run by bpf_for_each_map_elem
   * for each element. The callback runs in its own stack frame, so what it shares with the probe
   * travels in a struct on the probe's stack whose address is the callback_ctx: the program's
   * context pointer, then the probe's variables that the body uses. The callback copies those into
   * its own frame on entry and back on every way out (next element, break), and the probe copies
   * them back after the loop: the body reads and writes them as bpftrace's loops do, while the
   * body's code keeps addressing variables in its own frame.
   */
  private forMap(s: ast.ForMapStmt): void {
    const b = this.b;
    const m = this.scriptMap(s.map, s.span);
    // The struct: the context pointer at 0; a flag when a `return` or exit() in the body must end
    // the probe, not only the loop; then the probe's variables the body names.
    let size = 8;
    const returns = ast.findNodes(s.body, (n) => n.kind === 'Return' || (n.kind === 'Call' && n.name === 'exit')).length > 0;
    const flagAt = returns ? size : undefined;
    if (returns) size += 8;
    const fields: { name: string; type: Type; size: number; at: number }[] = [];
    for (const name of ast.variablesUsedIn(s.body)) {
      const v = this.vars.get(name);
      if (name === s.variable.name || !v) continue;
      const bytes = round8(sizeOf(v.type) || 8);
      fields.push({ name, type: v.type, size: bytes, at: size });
      size += bytes;
    }
    const index = this.subprograms.length;
    const name = `${b.name.replace(/[^A-Za-z0-9_]/g, '_')}_for${index}`;
    this.subprograms.push(undefined as unknown as Subprogram); // reserve the slot: nested loops come after
    const child = new ProgramLowering(this.probe, this.instance, this.script, name, this.subprograms);
    child.b.loc = b.loc;
    const ir = child.lowerForMapBody(s, m, fields, flagAt);
    this.subprograms[index] = { name, label: name, ir, frame: child.b.frame, params: 4 };
    const slot = b.frame.alloc(size, b.loc, 'loop context');
    b.stx('dw', 'fp', slot, this.ctx!);
    if (flagAt !== undefined) b.stx('dw', 'fp', slot + flagAt, b.const(0));
    for (const f of fields) this.copy(slot + f.at, this.vars.get(f.name)!.off, f.size);
    b.call(Helper.for_each_map_elem, [{ map: bpfMapName(m.name) }, { func: name }, { fp: slot }, { imm: 0 }], false);
    for (const f of fields) this.copy(this.vars.get(f.name)!.off, slot + f.at, f.size);
    if (flagAt !== undefined) {
      const goOn = b.label('looped');
      b.jmp('jeq', b.ldx('dw', 'fp', slot + flagAt), 0, goOn);
      this.returnFromProbe();
      b.place(goOn);
    }
  }

  /** The callback of forMap: (map, key, value, callback_ctx) -> 0 to go on, 1 to stop. */
  private lowerForMapBody(s: ast.ForMapStmt, m: ScriptMap, shared: readonly { name: string; type: Type; size: number; at: number }[], flagAt: number | undefined): IrFunction {
    const b = this.b;
    const keyP = b.vreg('key'), valP = b.vreg('value'), ctxP = b.vreg('cbctx');
    b.emit({ op: 'ctx', dst: keyP, arg: 2 });
    b.emit({ op: 'ctx', dst: valP, arg: 3 });
    b.emit({ op: 'ctx', dst: ctxP, arg: 4 });
    if (flagAt !== undefined) this.returnFlag = { ptr: ctxP, at: flagAt };
    this.ctx = b.ldx('dw', ctxP, 0, 'ctx');
    for (const v of shared) this.copyFrom(ctxP, this.declareVar(v.name, v.type), v.size, v.at);
    const keyT: Type = m.keyTypes.length === 1 ? m.keyTypes[0] : { kind: 'tuple', elements: m.keyTypes };
    const valT: Type = m.kind === 'value' ? m.valueType : I64;
    const kvT: Type = { kind: 'tuple', elements: [keyT, valT] };
    const layout = tupleLayout(kvT.elements);
    const kv = this.declareVar(s.variable.name, kvT);
    this.copyFrom(keyP, kv + layout.offsets[0], sizeOf(keyT));
    if (m.kind === 'value') this.copyFrom(valP, kv + layout.offsets[1], sizeOf(valT));
    else {
      // Per-CPU aggregate: the callback sees this CPU's slot only; sum all CPUs as reads do.
      const key = b.zeroed(m.keySize, 'map key');
      this.copyFrom(keyP, key, m.keySize);
      b.stx('dw', 'fp', kv + layout.offsets[1], this.aggregateRead(m, key));
    }
    const next = b.label('next'), stop = this.exitLabel;
    this.loopStack.push({ brk: stop, cont: next });
    this.block(s.body.statements);
    this.loopStack.pop();
    // The shared variables go back to the probe's struct on both ways out.
    const writeBack = (): void => { for (const v of shared) this.copyTo(ctxP, v.at, this.vars.get(v.name)!.off, v.size); };
    b.place(next);
    writeBack();
    b.emit({ op: 'exit', value: 0 });
    b.place(stop);
    writeBack();
    b.emit({ op: 'exit', value: 1 });
    return b.finish();
  }

  /** len(@m): bpf_for_each_map_elem returns how many elements it visited (callback: go on). */
  private mapLength(ref: ast.MapRef, span: ast.Span): VReg {
    const m = this.scriptMap(ref, span);
    let cb = this.subprograms.find((p) => p.name.endsWith('_count'));
    if (!cb) {
      const name = `${this.b.name.replace(/[^A-Za-z0-9_]/g, '_')}_count`;
      const f = new FunctionBuilder(name);
      f.emit({ op: 'exit', value: 0 });
      cb = { name, label: name, ir: f.finish(), frame: f.frame, params: 4 };
      this.subprograms.push(cb);
    }
    return this.b.call(Helper.for_each_map_elem, [{ map: bpfMapName(m.name) }, { func: cb.name }, { imm: 0 }, { imm: 0 }])!;
  }

  /**
   * A fixed-size array field of the trace record into fp+dst. Small arrays are loaded from the
   * context directly (the verifier allows aligned context loads anywhere in the record), in the
   * widest pieces both sides' alignment permits; bigger ones take one probe_read.
   */
  private arrayField(f: NonNullable<ProbeInstance['args']>[number], dst: number): void {
    const b = this.b;
    if (f.size > 32) {
      const p = b.mov(this.ctx!);
      b.alu('add', p, f.offset);
      b.call(Helper.probe_read_kernel, [{ fp: dst }, { imm: f.size }, p], false);
      return;
    }
    const aligned = (x: number, n: number): boolean => ((x % n) + n) % n === 0;
    for (let i = 0; i < f.size;) {
      const n = ([8, 4, 2, 1] as const).find((k) => i + k <= f.size && aligned(f.offset + i, k) && aligned(dst + i, k))!;
      const size = SIZE_NAMES[n];
      b.stx(size, 'fp', dst + i, b.ldx(size, this.ctx!, f.offset + i));
      i += n;
    }
  }

  /** Copy `size` bytes from the memory `ptr` points to (a map key or value) into fp+dst. */
  private copyFrom(ptr: VReg, dst: number, size: number, at = 0): void {
    const b = this.b;
    let i = 0;
    for (const [n, sz] of [[8, 'dw'], [4, 'w'], [2, 'h'], [1, 'b']] as const) {
      for (; i + n <= size; i += n) b.stx(sz, 'fp', dst + i, b.ldx(sz, ptr, at + i));
    }
  }

  /** The reverse of copyFrom: `size` bytes at fp+src to ptr+at. */
  private copyTo(ptr: VReg, at: number, src: number, size: number): void {
    const b = this.b;
    let i = 0;
    for (const [n, sz] of [[8, 'dw'], [4, 'w'], [2, 'h'], [1, 'b']] as const) {
      for (; i + n <= size; i += n) b.stx(sz, ptr, at + i, b.ldx(sz, 'fp', src + i));
    }
  }

  private varHigh = 0;
  private varHighWater(): number { return this.varHigh; }

  private declareVar(name: string, type: Type): number {
    const existing = this.vars.get(name);
    if (existing) return existing.off;
    const off = this.b.zeroed(round8(sizeOf(type) || 8), `variable ${name}`);
    this.varHigh = Math.max(this.varHigh, -off);
    this.vars.set(name, { off, type });
    return off;
  }

  private assignVar(v: ast.Variable, value: ast.Expr): void {
    const existing = this.vars.get(v.name);
    if (existing) return this.storeInto(existing.off, existing.type, value);
    let t = v.type ?? value.type ?? this.typeOf(value);
    if (isStringy(t)) {
      // Evaluate first: the variable takes the layout of what is stored (strings at their
      // semantic size, which covers every later assignment).
      const src = this.memory(value);
      if (t.kind !== 'string') t = src.type;
      const off = this.declareVar(v.name, t);
      this.convert(off, t, src.off, src.type);
      return;
    }
    const off = this.declareVar(v.name, t);
    this.b.stx('dw', 'fp', off, this.scalar(value));
  }

  /** Evaluate `value` into the buffer at fp+off holding a value of type `t`. */
  private storeInto(off: number, t: Type, value: ast.Expr): void {
    if (isStringy(t)) {
      const src = this.memory(value);
      this.convert(off, t, src.off, src.type);
    } else {
      this.b.stx('dw', 'fp', off, this.scalar(value));
    }
  }

  /**
   * Copy a value between two layouts of "the same" type: tuples element by element (their
   * element types, hence offsets, may differ), strings truncated or zero-padded, integers
   * re-stored at the destination width. `dst` must already be zeroed where it is longer.
   */
  private convert(dst: number, dstType: Type, src: number, srcType: Type): void {
    const b = this.b;
    if (dstType.kind === 'tuple' && srcType.kind === 'tuple' && dstType.elements.length === srcType.elements.length) {
      const dl = tupleLayout(dstType.elements), sl = tupleLayout(srcType.elements);
      dstType.elements.forEach((t, i) => this.convert(dst + dl.offsets[i], t, src + sl.offsets[i], srcType.elements[i]));
      return;
    }
    if (dstType.kind === 'record' && srcType.kind === 'record' && dstType.fields.length === srcType.fields.length) {
      const dl = tupleLayout(dstType.fields.map((f) => f.type)), sl = tupleLayout(srcType.fields.map((f) => f.type));
      dstType.fields.forEach((f, i) => this.convert(dst + dl.offsets[i], f.type, src + sl.offsets[i], srcType.fields[i].type));
      return;
    }
    if (!isStringy(dstType) && !isStringy(srcType)) {
      const ss = Math.min(8, sizeOf(srcType)) || 8, ds = Math.min(8, sizeOf(dstType)) || 8;
      const v = this.b.vreg();
      b.emit({ op: 'ldx', size: SIZE_NAMES[ss] ?? 'dw', dst: v, base: 'fp', off: src, signed: isSigned(srcType) && ss < 8 });
      b.stx(SIZE_NAMES[ds] ?? 'dw', 'fp', dst, v);
      return;
    }
    this.copy(dst, src, Math.min(sizeOf(dstType), sizeOf(srcType)));
  }

  private assign(s: ast.AssignStmt): void {
    const b = this.b;
    const target = s.target;
    if (target.kind === 'Variable') {
      if (s.op === null) return this.assignVar(target, s.value);
      const cur = this.scalar(target);
      const rhs = this.scalar(s.value);
      this.arith(s.op, cur, rhs, target.type ?? I64, s.span, isZeroLiteral(s.value));
      b.stx('dw', 'fp', this.declareVar(target.name, target.type ?? I64), cur);
      return;
    }
    if (target.kind === 'Map' || target.kind === 'MapAccess') {
      const mapRef = target.kind === 'Map' ? target : target.map;
      const keys = target.kind === 'Map' ? [] : target.keys;
      if (s.op === null && s.value.kind === 'Call' && AGGREGATES.has(s.value.name)) return this.aggregate(mapRef, keys, s.value);
      const m = this.script.maps.get(mapRef.name) ?? this.scriptMap(mapRef, s.span, this.keyTypesOf(keys), 'value', this.valueType(s.value));
      if (m.kind !== 'value') this.fail(`cannot assign to ${mapRef.name}: it holds ${m.kind}()`, s.span);
      const key = this.mapKey(m, keys, s.span);
      const val = b.zeroed(m.valueSize, 'map value');
      if (s.op === null) this.storeInto(val, m.valueType, s.value);
      else {
        const cur = this.mapRead(m, key);
        const rhs = this.scalar(s.value);
        this.arith(s.op, cur, rhs, m.valueType, s.span, isZeroLiteral(s.value));
        b.stx('dw', 'fp', val, cur);
      }
      b.call(Helper.map_update_elem, [{ map: bpfMapName(m.name) }, { fp: key }, { fp: val }, { imm: BPF_ANY }], false);
      return;
    }
    this.fail(`cannot assign to this expression`, target.span);
  }

  // ---- maps ----------------------------------------------------------------------------------

  /** The ScriptMap for `ref`, laid out the first time it is seen from its semantic type. */
  /** The map a keyed access (read, delete, has_key) uses, laid out from `keys` when it must be. */
  private accessedMap(ref: ast.MapRef, keys: ast.Expr[], span: ast.Span): ScriptMap {
    return this.scriptMap(ref, span, undefined, undefined, undefined, undefined, keys);
  }

  private scriptMap(ref: ast.MapRef, span: ast.Span, keyTypes?: Type[], kind?: ScriptMapKind, valueType?: Type, params?: bigint[], readKeys?: ast.Expr[]): ScriptMap {
    const existing = this.script.maps.get(ref.name);
    if (existing) return existing;
    if (!kind) {
      const t = ref.type;
      if (t?.kind === 'aggregate') { kind = t.func; valueType = t.valueType; params = t.params; } else { kind = 'value'; valueType = t ?? I64; }
    }
    if (!keyTypes && readKeys && this.script.readsLayOutMaps) keyTypes = this.keyTypesOf(readKeys);
    if (!keyTypes) {
      const e = new MapNotYetKnownError(`${ref.name} is used but never assigned`, span);
      if (this.script.source !== undefined) e.source = this.script.source;
      throw e;
    }
    const m = layoutScriptMap(ref.name, kind, keyTypes, valueType ?? I64, params ?? []);
    this.script.maps.set(ref.name, m);
    return m;
  }

  /** Build a map key on the stack (zeroed, with room for a bucket when bucketed). */
  /** `bucketWritten`: the caller stores the bucket index, so that slot need not be zeroed. */
  private mapKey(m: ScriptMap, keys: ast.Expr[], span: ast.Span, bucketWritten = false): number {
    const b = this.b;
    const keyBuffer = (): number => {
      if (!m.bucketed || !bucketWritten) return b.zeroed(m.keySize + (m.bucketed ? 8 : 0), 'map key');
      const off = b.frame.alloc(m.keySize + 8, b.loc, 'map key');
      for (let i = 0; i < m.keySize; i += 8) b.st('dw', 'fp', off + i, 0);
      return off;
    };
    if (keys.length === 1 && keys[0].kind !== 'Tuple' && m.keyTypes.length > 1 && this.typeOf(keys[0]).kind === 'tuple') {
      // `@m[$t]` with a tuple value: the same key as `@m[a, b]`.
      const src = this.memory(keys[0]);
      const off = keyBuffer();
      this.convert(off, { kind: 'tuple', elements: m.keyTypes }, src.off, src.type);
      return off;
    }
    const flat = keys.length === 1 && keys[0].kind === 'Tuple' ? keys[0].elements : keys;
    if (flat.length !== m.keyTypes.length) this.fail(`${m.name} is used with ${flat.length} keys here but ${m.keyTypes.length} elsewhere`, span);
    const off = keyBuffer();
    flat.forEach((k, i) => {
      const t = m.keyTypes[i];
      const at = off + m.keyOffsets[i];
      if (isStringy(t)) {
        // comm fills its 16 bytes in place: no temporary and no copy.
        if ((k.kind === 'Builtin' || (k.kind === 'Call' && k.args.length === 0)) && k.name === 'comm' && t.kind === 'string' && t.size >= 16) {
          b.call(Helper.get_current_comm, [{ fp: at }, { imm: 16 }], false);
          return;
        }
        // So is str(): the key is already zeroed past the string.
        if (k.kind === 'Call' && k.name === 'str' && t.kind === 'string' && k.args[0]?.kind !== 'PositionalParam' && !isStringy(this.typeOf(k.args[0]))) {
          this.strCall(k, { off: at, size: t.size });
          return;
        }
        // A fixed array from the trace record goes straight in too.
        if (k.kind === 'FieldAccess' && t.kind === 'string' && this.typeOf(k.expr).kind !== 'record') {
          const f = this.argField(k);
          if (f.arrayLength !== undefined && f.size <= t.size) { this.arrayField(f, at); return; }
        }
        const src = this.memory(k);
        this.convert(at, t, src.off, src.type);
      } else {
        // A builtin whose register is the zero-extended value (pid, tid, ...) in a key padded to
        // 8 bytes: one 8-byte store writes the value and zeroes the padding, and the buffer's
        // zeroing becomes a dead store.
        const zeroExtended = (k.kind === 'Builtin' || (k.kind === 'Call' && k.args.length === 0)) && ZERO_EXTENDED_BUILTINS.has(k.name);
        const whole = zeroExtended && flat.length === 1 && m.keySize === 8 && m.keyOffsets[i] === 0;
        b.stx(whole ? 'dw' : SIZE_NAMES[sizeOf(t)] ?? 'dw', 'fp', at, this.scalar(k));
      }
    });
    return off;
  }

  private keyTypesOf(keys: ast.Expr[]): Type[] {
    if (keys.length === 1 && keys[0].kind !== 'Tuple') {
      const t = this.typeOf(keys[0]);
      if (t.kind === 'tuple') return t.elements.map((x) => (x.kind === 'int' && x.literal !== undefined ? I64 : x.kind === 'string' ? strType(Math.max(x.size, this.script.strlen)) : x));
    }
    const flat = keys.length === 1 && keys[0].kind === 'Tuple' ? keys[0].elements : keys;
    return flat.map((k) => this.keyType(k));
  }
  private keyType(k: ast.Expr): Type {
    const t = this.typeOf(k);
    if (t.kind === 'int') return t.literal !== undefined ? I64 : t;
    if (t.kind === 'bool') return { kind: 'int', bits: 8, signed: false };
    // A literal fixes the layout for every later key, which may be longer (comm, str()).
    if (t.kind === 'string') return k.kind === 'String' ? strType(Math.max(t.size, this.script.strlen)) : t;
    return t;
  }

  /** The stored type of a value assigned to a map: integers widen to 64 bits as in bpftrace. */
  private valueType(v: ast.Expr): Type {
    const t = this.typeOf(v);
    if (t.kind === 'int') return t.literal !== undefined ? I64 : { kind: 'int', bits: 64, signed: t.signed };
    if (t.kind === 'string') return strType(Math.max(t.size, this.script.strlen));
    return t;
  }

  /**
   * The value of a per-CPU aggregate as userspace would print it: every CPU's slot combined
   * (bpf_map_lookup_percpu_elem, unrolled over the possible CPUs known at compile time).
   */
  private aggregateRead(m: ScriptMap, key: number): VReg {
    const b = this.b;
    const cpus = this.script.possibleCpus;
    if (cpus > 64) this.fail(`reading ${m.name} in a probe needs one lookup per CPU; ${cpus} CPUs is too many`, this.probe.span);
    const total = b.const(0, 'total'), count = b.const(0, 'n'), seen = b.const(0, 'seen');
    const signed = m.signed;
    for (let cpu = 0; cpu < cpus; cpu++) {
      const p = b.call(Helper.map_lookup_percpu_elem, [{ map: bpfMapName(m.name) }, { fp: key }, { imm: cpu }])!;
      const next = b.label('cpu');
      b.jmp('jeq', p, 0, next);
      const v = b.ldx('dw', p, 0);
      if (m.kind === 'min' || m.kind === 'max') {
        const set = b.ldx('dw', p, 8);
        b.jmp('jeq', set, 0, next);
        const take = b.label('take');
        b.jmp('jeq', seen, 0, take);
        const keep: JmpName = m.kind === 'min' ? (signed ? 'jsle' : 'jle') : (signed ? 'jsge' : 'jge');
        b.jmp(keep, total, v, next);
        b.place(take);
        b.emit({ op: 'alu', wide: true, alu: 'mov', dst: total, src: v });
        b.emit({ op: 'alu', wide: true, alu: 'mov', dst: seen, src: 1 });
      } else {
        b.alu('add', total, v);
        if (m.kind === 'avg') b.alu('add', count, b.ldx('dw', p, 8));
      }
      b.place(next);
    }
    if (m.kind === 'avg') {
      const done = b.label('avg');
      b.jmp('jeq', count, 0, done);
      b.emit({ op: 'alu', wide: true, alu: 'div', dst: total, src: count });
      b.place(done);
    }
    return total;
  }

  /** Load an integer map value (0 when the key is missing). */
  private mapRead(m: ScriptMap, key: number): VReg {
    const b = this.b;
    const out = b.const(0, 'mapval');
    const p = b.call(Helper.map_lookup_elem, [{ map: bpfMapName(m.name) }, { fp: key }])!;
    const miss = b.label('miss');
    b.jmp('jeq', p, 0, miss);
    const size = sizeOf(m.valueType);
    const v = b.ldx(SIZE_NAMES[size] ?? 'dw', p, 0);
    b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: v });
    b.place(miss);
    return out;
  }

  private aggregate(ref: ast.MapRef, keys: ast.Expr[], call: ast.CallExpr): void {
    const b = this.b;
    const fn = call.name as ScriptMapKind;
    const argT = call.args[0] ? this.typeOf(call.args[0]) : U64;
    const params = fn === 'hist' ? [call.args[1] ? this.constInt(call.args[1]) : 0n]
      : fn === 'lhist' ? call.args.slice(1, 4).map((a) => this.constInt(a)) : [];
    if (fn === 'lhist' && params.length !== 3) this.fail('lhist() takes (value, min, max, step)', call.span);
    if (fn === 'lhist' && params[2] <= 0n) this.fail('lhist() step must be positive', call.args[3].span);
    if (fn === 'hist' && (params[0] < 0n || params[0] > 5n)) this.fail('hist() bits must be between 0 and 5', call.args[1].span);
    const m = this.scriptMap(ref, call.span, this.keyTypesOf(keys), fn, fn === 'count' ? U64 : (argT.kind === 'int' && argT.literal !== undefined ? I64 : argT), params);
    if (m.kind !== fn) this.fail(`${ref.name} already holds ${m.kind}(), cannot use ${fn}() on it`, call.span);
    // A value without side effects is computed before the key: its loads from the context then
    // come before the key's helper calls (pid, comm), so the context pointer need not be kept
    // across them in a register of its own.
    const pure = fn !== 'count' && ast.findNodes(call.args[0], (n) => n.kind === 'Call' || n.kind === 'Update').length === 0;
    const early = pure ? this.scalar(call.args[0]) : undefined;
    const key = this.mapKey(m, keys, call.span, true);
    const value = fn === 'count' ? undefined : early ?? this.scalar(call.args[0]);
    if (fn === 'hist' || fn === 'lhist') {
      const bucket = fn === 'hist' ? this.log2Bucket(value!, Number(params[0])) : this.linearBucket(value!, params[0], params[1], params[2]);
      b.stx('dw', 'fp', key + m.keySize, bucket);
    }
    const map = bpfMapName(m.name);
    const p = b.call(Helper.map_lookup_elem, [{ map }, { fp: key }])!;
    const init = b.label('init'), done = b.label('done');
    b.jmp('jeq', p, 0, init);
    // Per-CPU value: no other CPU touches it, so plain read-modify-write is safe.
    const add = (off: number, v: VReg | number): void => {
      const cur = b.ldx('dw', p, off);
      b.alu('add', cur, v);
      b.stx('dw', p, off, cur);
    };
    switch (fn) {
      case 'count': case 'hist': case 'lhist': add(0, 1); break;
      case 'sum': add(0, value!); break;
      case 'avg': case 'stats': add(0, value!); add(8, 1); break;
      case 'min': case 'max': {
        const cur = b.ldx('dw', p, 0);
        const set = b.ldx('dw', p, 8);
        const write = b.label('mm');
        b.jmp('jeq', set, 0, write);
        const signed = m.signed;
        // Keep the current value unless the new one is better.
        const keepCur: JmpName = fn === 'min' ? (signed ? 'jsle' : 'jle') : (signed ? 'jsge' : 'jge');
        b.jmp(keepCur, cur, value!, done);
        b.place(write);
        b.stx('dw', p, 0, value!);
        b.st('dw', p, 8, 1);
        break;
      }
    }
    b.ja(done);
    b.place(init);
    const val = b.zeroed(m.valueSize, 'aggregate value');
    switch (fn) {
      case 'count': case 'hist': case 'lhist': b.st('dw', 'fp', val, 1); break;
      case 'sum': b.stx('dw', 'fp', val, value!); break;
      case 'avg': case 'stats': b.stx('dw', 'fp', val, value!); b.st('dw', 'fp', val + 8, 1); break;
      case 'min': case 'max': b.stx('dw', 'fp', val, value!); b.st('dw', 'fp', val + 8, 1); break;
    }
    b.call(Helper.map_update_elem, [{ map }, { fp: key }, { fp: val }, { imm: BPF_ANY }], false);
    b.place(done);
  }

  /**
   * bpftrace's log2 slot with 2^k sub-buckets (output/histogram.ts log2Slot is the reference):
   * 0 for negatives, n+1 below 2^(k+1), else ((p-k+1) << k) + ((n >> (p-k)) - 2^k) + 1 where
   * p = floor(log2 n), found by binary search over shifts.
   */
  private log2Bucket(value: VReg, k: number): VReg {
    const b = this.b;
    const out = b.const(0, 'slot');
    const done = b.label('h');
    b.jmp('jslt', value, 0, done);
    const small = b.label('h');
    b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: value });
    b.alu('add', out, 1);
    b.jmp('jlt', value, 2 ** (k + 1), done);
    // p = floor(log2(value)) by binary search. Each step below 32 compares with its power of
    // two as an immediate (3 instructions: test, shift, add); 2^32 is no 32-bit immediate, so
    // that step tests the high half instead, and the last step needs no shift.
    const n = b.mov(value, 'n');
    const p = b.const(0, 'p');
    {
      const t = b.mov(n);
      b.alu('rsh', t, 32);
      const skip = b.label('h');
      b.jmp('jeq', t, 0, skip);
      b.emit({ op: 'alu', wide: true, alu: 'mov', dst: n, src: t });
      b.alu('add', p, 32);
      b.place(skip);
    }
    for (const shift of [16, 8, 4, 2, 1]) {
      const skip = b.label('h');
      b.jmp('jlt', n, 2 ** shift, skip);
      if (shift > 1) b.alu('rsh', n, shift);
      b.alu('add', p, shift);
      b.place(skip);
    }
    if (k === 0) {
      // One slot per power of two: p + 2.
      b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: p });
      b.alu('add', out, 2);
      b.place(small);
      b.place(done);
      return out;
    }
    // p >= k+1 here, so the shift p-k is at least 1.
    const sh = b.mov(p);
    b.alu('sub', sh, k);
    const sub = b.mov(value);
    b.alu('rsh', sub, sh);
    b.alu('sub', sub, 2 ** k);
    b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: sh });
    b.alu('add', out, 1);
    b.alu('lsh', out, k);
    b.alu('add', out, sub);
    b.alu('add', out, 1);
    b.place(small);
    b.place(done);
    return out;
  }

  /** lhist slot: 0 below min, (v-min)/step+1 inside, (max-min)/step+1 at or above max. */
  private linearBucket(value: VReg, min: bigint, max: bigint, step: bigint): VReg {
    const b = this.b;
    const buckets = (max - min) / step;
    const out = b.const(0, 'slot');
    const done = b.label('lh');
    const lo = b.const(min), hi = b.const(max);
    b.jmp('jslt', value, lo, done);
    b.emit({ op: 'const', dst: out, value: buckets + 1n });
    b.jmp('jsge', value, hi, done);
    const t = b.mov(value);
    b.alu('sub', t, lo);
    const s = b.const(step);
    b.alu('div', t, s);
    b.alu('add', t, 1);
    b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: t });
    b.place(done);
    return out;
  }

  // ---- effects: function calls used as statements --------------------------------------------

  private effect(e: ast.Expr): void {
    if (e.kind === 'Call') {
      switch (e.name) {
        case 'printf': return this.printf(e);
        case 'cat': return this.cat(e);
        case 'print': return this.print(e);
        case 'exit': {
          const code = e.args[0] ? Number(this.constInt(e.args[0])) : 0;
          this.record(() => ({ kind: 'exit', code }), []);
          this.returnFromProbe();
          return;
        }
        case 'join': return this.join(e);
        case 'clear': case 'zero': {
          const ref = e.args[0];
          if (ref?.kind !== 'Map') this.fail(`${e.name}() takes a map`, e.span);
          this.record(() => ({ kind: e.name as 'clear' | 'zero', map: ref.name }), []);
          return;
        }
        case 'time': {
          const fmt = e.args[0];
          const format = fmt ? (fmt.kind === 'String' ? fmt.value : this.fail('time() takes a string literal', fmt.span)) : '%H:%M:%S\n';
          this.record(() => ({ kind: 'time', format }), []);
          return;
        }
        case 'delete': {
          const a = e.args[0];
          const ref = a?.kind === 'MapAccess' ? a.map : a?.kind === 'Map' ? a : undefined;
          if (!ref) this.fail('delete() takes a map element', e.span);
          const keys = a.kind === 'MapAccess' ? a.keys : e.args.slice(1);
          const m = this.accessedMap(ref, keys, e.span);
          const key = this.mapKey(m, keys, e.span);
          this.b.call(Helper.map_delete_elem, [{ map: bpfMapName(m.name) }, { fp: key }], false);
          return;
        }
        default: break;
      }
    }
    if (e.kind === 'Update') { this.scalar(e); return; }
    // Any other expression: evaluate for side effects, discard the value.
    if (isStringy(this.typeOf(e))) this.memory(e); else this.scalar(e);
  }

  private printf(e: ast.CallExpr): void {
    const fmt = e.args[0];
    if (fmt?.kind !== 'String') this.fail('printf() takes a string literal format', e.span);
    this.record((fields, size) => ({ kind: 'printf', format: fmt.value, fields, size }), e.args.slice(1));
  }

  /**
   * cat(namefmt, args...): a program cannot open files, so like printf it only sends the
   * arguments; userspace formats the name and prints the file (bpftrace's async cat).
   */
  private cat(e: ast.CallExpr): void {
    const fmt = e.args[0];
    if (fmt?.kind !== 'String') this.fail('cat() takes a string literal file name format', e.span);
    this.record((fields, size) => ({ kind: 'cat', format: fmt.value, fields, size }), e.args.slice(1));
  }

  private print(e: ast.CallExpr): void {
    const a = e.args[0];
    if (a?.kind === 'Map') {
      const top = e.args[1] ? Number(this.constInt(e.args[1])) : undefined;
      const div = e.args[2] ? Number(this.constInt(e.args[2])) : undefined;
      this.record(() => ({ kind: 'print', map: a.name, top, div }), []);
      return;
    }
    if (!a) this.fail('print() takes an argument', e.span);
    this.record((fields, size) => ({ kind: 'printValue', field: fields[0], size }), [a]);
  }

  /**
   * join(argv[, delim]): up to 16 strings from a user array of string pointers, built straight
   * in the ring buffer (ringbuf_reserve) since 16 strings do not fit the 512-byte stack.
   */
  private join(e: ast.CallExpr): void {
    const b = this.b;
    const MAX = 16, size = this.script.strlen;
    const delim = e.args[1] ? (e.args[1].kind === 'String' ? e.args[1].value : this.fail('join() delimiter must be a string literal', e.args[1].span)) : ' ';
    const id = this.script.records.add({ kind: 'join', delimiter: delim, count: MAX, argSize: size });
    const total = 16 + MAX * size;
    const argv = this.scalar(e.args[0]);
    const rec = b.call(Helper.ringbuf_reserve, [{ map: RINGBUF_MAP }, { imm: total }, { imm: 0 }])!;
    const skip = b.label('jskip'), submit = b.label('jsub');
    b.jmp('jeq', rec, 0, skip);
    b.stx('dw', rec, 0, b.const(id));
    b.st('dw', rec, 8, 0);
    const tmp = b.frame.alloc(8, b.loc, 'join pointer');
    for (let i = 0; i < MAX; i++) {
      const src = b.mov(argv);
      b.alu('add', src, 8 * i);
      b.call(Helper.probe_read_user, [{ fp: tmp }, { imm: 8 }, src], false);
      const ptr = b.ldx('dw', 'fp', tmp);
      b.jmp('jeq', ptr, 0, submit);
      const dst = b.mov(rec);
      b.alu('add', dst, 16 + i * size);
      b.call(Helper.probe_read_user_str, [dst, { imm: size }, ptr], false);
      b.st('dw', rec, 8, i + 1);
    }
    b.place(submit);
    b.call(Helper.ringbuf_submit, [rec, { imm: 0 }], false);
    const sent = b.label('jsent');
    b.ja(sent);
    b.place(skip);
    this.countLost(b.const(1));
    b.place(sent);
  }

  /**
   * When a ring buffer write failed (`result` != 0), count it. The counter is the value of a
   * one-element array addressed directly (no lookup, no null check: 3 instructions on the path
   * that is almost never taken), added to atomically by whichever CPU lost the record. Direct
   * value access is older than the ring buffer (5.2, 5.8), so any kernel that runs one has it.
   */
  private countLost(result: VReg): void {
    const b = this.b;
    const ok = b.label('sent');
    b.jmp('jeq', result, 0, ok);
    const counter = b.vreg('lost');
    b.emit({ op: 'ldmap', dst: counter, map: LOST_MAP, value: 0 });
    b.emit({ op: 'atomic', size: 'dw', aop: 'add', base: counter, off: 0, src: b.const(1) });
    b.place(ok);
  }

  /** The type a record carries for an integer argument: registers are 64-bit. */
  private recordIntType(a: ast.Expr, t: Type): Type {
    if (t.kind !== 'int') return t;
    // Arithmetic and variables hold full 64-bit values whatever width inference gave them.
    const direct = a.kind === 'Builtin' || a.kind === 'FieldAccess' || a.kind === 'Cast' || a.kind === 'Call';
    const out: Type = t.literal !== undefined || !direct ? { kind: 'int', bits: 64, signed: t.signed } : { kind: 'int', bits: t.bits, signed: t.signed };
    return t.enumName === undefined ? out : { ...out, enumName: t.enumName };
  }

  /**
   * Emit a ring-buffer record: the id, then each argument at its field offset. String-like
   * arguments are evaluated first so the record layout follows what they really are.
   */
  private record(make: (fields: RecordField[], size: number) => Parameters<RecordTable['add']>[0], args: ast.Expr[]): void {
    const b = this.b;
    // str() of a pointer can be read straight into the record; everything else string-like is
    // evaluated to the stack first, so the layout follows what it really is.
    const direct = (a: ast.Expr): boolean => a.kind === 'Call' && a.name === 'str' && a.args[0] !== undefined && a.args[0].kind !== 'PositionalParam' && !isStringy(this.typeOf(a.args[0]));
    // So is comm: bpf_get_current_comm fills its 16 bytes where the record has them.
    const isComm = (a: ast.Expr): boolean => (a.kind === 'Builtin' || (a.kind === 'Call' && a.args.length === 0)) && a.name === 'comm';
    const vals = args.map((a): { a: ast.Expr; str?: number; comm?: true; mem?: { off: number; type: Type }; type?: Type } => {
      const t = this.typeOf(a);
      if (direct(a)) return { a, str: this.strCallSize(a as ast.CallExpr) };
      if (isComm(a)) return { a, comm: true, type: strType(16) };
      return isStringy(t) ? { a, mem: this.memory(a) } : { a, type: this.recordIntType(a, t) };
    });
    const fields: RecordField[] = [];
    let off = RECORD_HEADER;
    for (const v of vals) {
      const type = v.str !== undefined ? strType(v.str) : v.mem ? v.mem.type : v.type!;
      const a = v.a;
      const format = a.kind === 'Call' && a.name === 'strftime' && a.args[0]?.kind === 'String' ? a.args[0].value : undefined;
      fields.push(format !== undefined ? { type, offset: off, format } : { type, offset: off });
      off += round8(v.str !== undefined || v.mem || v.comm ? sizeOf(type) : 8);
    }
    const spec = make(fields, off);
    const id = this.script.records.add(spec);
    if (vals.some((v) => v.str !== undefined) && off > RESERVE_THRESHOLD) {
      // Big records with strings are built in the ring buffer itself (bpf_ringbuf_reserve), so
      // they do not compete for the 512-byte stack.
      const rec = b.call(Helper.ringbuf_reserve, [{ map: RINGBUF_MAP }, { imm: off }, { imm: 0 }])!;
      const full = b.label('rfull'), done = b.label('rdone');
      b.jmp('jeq', rec, 0, full);
      b.stx('dw', rec, 0, b.const(id));
      vals.forEach((v, i) => {
        const f = fields[i];
        if (v.str !== undefined) {
          for (let o = 0; o < round8(v.str); o += 8) b.st('dw', rec, f.offset + o, 0);
          const dst = b.mov(rec);
          b.alu('add', dst, f.offset);
          this.strCall(v.a as ast.CallExpr, { off: 0, size: v.str, base: dst });
        } else if (v.comm) {
          const dst = b.mov(rec);
          b.alu('add', dst, f.offset);
          b.call(Helper.get_current_comm, [dst, { imm: 16 }], false);
        } else if (v.mem) {
          const size = round8(sizeOf(f.type));
          for (let o = 0; o < size; o += 8) b.stx('dw', rec, f.offset + o, b.ldx('dw', 'fp', v.mem.off + o));
        } else b.stx('dw', rec, f.offset, this.scalar(v.a));
      });
      b.call(Helper.ringbuf_submit, [rec, { imm: 0 }], false);
      b.ja(done);
      b.place(full);
      this.countLost(b.const(1));
      b.place(done);
      return;
    }
    const strs = vals.map((v) => (v.str !== undefined ? this.memory(v.a) : undefined));
    const buf = b.frame.alloc(off, b.loc, 'output record');
    b.stx('dw', 'fp', buf, b.const(id));
    vals.forEach((v, i) => {
      const f = fields[i];
      const mem = v.mem ?? strs[i];
      if (v.comm) b.call(Helper.get_current_comm, [{ fp: buf + f.offset }, { imm: 16 }], false);
      else if (mem) this.copy(buf + f.offset, mem.off, Math.min(round8(sizeOf(f.type)), round8(sizeOf(mem.type))));
      else b.stx('dw', 'fp', buf + f.offset, this.scalar(v.a));
    });
    const r = b.call(Helper.ringbuf_output, [{ map: RINGBUF_MAP }, { fp: buf }, { imm: off }, { imm: 0 }])!;
    this.countLost(r);
  }


  // ---- expressions: scalars ------------------------------------------------------------------

  /** Evaluate an integer/bool/pointer expression into a fresh virtual register. */
  scalar(e: ast.Expr): VReg {
    // Each instruction carries the innermost expression it computes, for -d and verifier errors.
    const saved = this.b.loc;
    this.at(e.span);
    try { return this.scalarAt(e); } finally { this.b.loc = saved; }
  }

  private scalarAt(e: ast.Expr): VReg {
    const b = this.b;
    switch (e.kind) {
      case 'Integer': return b.const(e.value);
      case 'Boolean': return b.const(e.value ? 1 : 0);
      case 'PositionalParam': {
        const p = this.script.positional[e.index - 1];
        if (p === undefined) return b.const(0);
        if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(p)) this.fail(`$${e.index} is not a number: ${p}`, e.span);
        return b.const(BigInt(p));
      }
      case 'ParamCount': return b.const(this.script.positional.length);
      case 'Identifier': {
        // An enumerator or an #included header's macro: the type checker resolved its value.
        const t = e.type;
        if (t?.kind === 'int' && t.literal !== undefined) return b.const(t.literal);
        return this.callScalar({ kind: 'Call', name: e.name, nameSpan: e.span, args: [], span: e.span, type: e.type });
      }
      case 'Builtin': return this.builtin(e.name, e);
      case 'Call': return this.callScalar(e);
      case 'Variable': {
        const v = this.vars.get(e.name);
        if (!v) this.fail(`undefined variable ${e.name}`, e.span);
        return b.ldx('dw', 'fp', v.off, e.name.slice(1));
      }
      case 'Map': case 'MapAccess': {
        const ref = e.kind === 'Map' ? e : e.map;
        const m = this.accessedMap(ref, e.kind === 'Map' ? [] : e.keys, e.span);
        const key = this.mapKey(m, e.kind === 'Map' ? [] : e.keys, e.span);
        if (m.kind === 'count' || m.kind === 'sum' || m.kind === 'avg' || m.kind === 'min' || m.kind === 'max') return this.aggregateRead(m, key);
        if (m.kind !== 'value') this.fail(`reading ${ref.name} in a probe is not supported: it holds ${m.kind}()`, e.span);
        return this.mapRead(m, key);
      }
      case 'Binary': return this.binary(e);
      case 'Unary': {
        if (e.op === '*') return readMemoryScalar(this.host, e);
        if (e.op === '&') this.fail('pointer address-of is not supported yet', e.span);
        const v = this.scalar(e.operand);
        if (e.op === '-') b.emit({ op: 'neg', dst: v });
        else if (e.op === '~') b.alu('xor', v, -1);
        else if (e.op === '!') return this.bool(v, 'jeq');
        return v;
      }
      case 'Update': return this.update(e);
      case 'Ternary': {
        const out = b.vreg('sel');
        const elseL = b.label('t'), end = b.label('t');
        const c = this.scalar(e.cond);
        b.jmp('jeq', c, 0, elseL);
        b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: this.scalar(e.then) });
        b.ja(end);
        b.place(elseL);
        b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: this.scalar(e.else) });
        b.place(end);
        return out;
      }
      case 'Cast': {
        const v = this.scalar(e.expr);
        const t = e.type;
        if (t?.kind === 'int' && t.bits < 64) this.truncate(v, t.bits, t.signed);
        return v;
      }
      case 'FieldAccess': return this.field(e);
      case 'Index': case 'TupleIndex': {
        if (e.kind === 'Index' && isMemoryAccess(e)) return readMemoryScalar(this.host, e);
        if (e.kind === 'Index' && this.typeOf(e.expr).kind !== 'tuple') this.fail('indexing arrays and pointers is not supported yet', e.span);
        const el = e.kind === 'Index' ? this.tupleElement({ kind: 'TupleIndex', expr: e.expr, index: Number(this.constInt(e.index)), span: e.span }) : this.tupleElement(e);
        const size = sizeOf(el.type);
        const v = b.vreg();
        b.emit({ op: 'ldx', size: SIZE_NAMES[size] ?? 'dw', dst: v, base: 'fp', off: el.off, signed: isSigned(el.type) && size < 8 });
        return v;
      }
      case 'Sizeof': return b.const(e.type?.kind === 'int' && e.type.literal !== undefined ? e.type.literal : 0);
      case 'BlockExpr': {
        this.block(e.statements);
        return e.value ? this.scalar(e.value) : b.const(0);
      }
      default: return this.fail(`${e.kind} expressions are not supported here`, e.span);
    }
  }

  private truncate(v: VReg, bits: number, signed: boolean): void {
    const b = this.b;
    if (bits >= 64) return;
    b.alu('lsh', v, 64 - bits);
    b.alu(signed ? 'arsh' : 'rsh', v, 64 - bits);
  }

  /** 0/1 from a comparison of v against 0. */
  /**
   * Branch to `target` when `e` is false. Comparisons (and chains of them joined by &&) become
   * one conditional jump each instead of a 0/1 value tested afterwards.
   */
  private jumpIfFalse(e: ast.Expr, target: string): void {
    const b = this.b;
    if (e.kind === 'Binary') {
      if (e.op === '&&') { this.jumpIfFalse(e.left, target); this.jumpIfFalse(e.right, target); return; }
      const lt = this.typeOf(e.left), rt = this.typeOf(e.right);
      const stringy = lt.kind === 'string' || rt.kind === 'string';
      const signed = comparisonSigned(lt, rt);
      const inverse: Partial<Record<ast.BinaryOp, JmpName>> = {
        '==': 'jne', '!=': 'jeq', '<': signed ? 'jsge' : 'jge', '<=': signed ? 'jsgt' : 'jgt', '>': signed ? 'jsle' : 'jle', '>=': signed ? 'jslt' : 'jlt',
      };
      const c = inverse[e.op];
      // A string against a literal: each byte against an immediate, straight to `target`.
      if (stringy && (e.op === '==' || e.op === '!=') && this.literalCompare(e.left, e.right, Infinity, e.op === '==' ? 'jumpIfDifferent' : 'jumpIfEqual', target)) return;
      if (c && !stringy) {
        const l = this.scalar(e.left);
        const r = this.scalar(e.right);
        b.jmp(c, l, r, target);
        return;
      }
    }
    b.jmp('jeq', this.scalar(e), 0, target);
  }

  private bool(v: VReg, cond: JmpName): VReg {
    const b = this.b;
    const out = b.const(1);
    const yes = b.label('b');
    b.jmp(cond, v, 0, yes);
    b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: 0 });
    b.place(yes);
    return out;
  }

  private binary(e: ast.BinaryExpr): VReg {
    const b = this.b;
    if (e.op === '&&' || e.op === '||') {
      const out = b.const(e.op === '&&' ? 0 : 1);
      const end = b.label('sc');
      const l = this.scalar(e.left);
      b.jmp(e.op === '&&' ? 'jeq' : 'jne', l, 0, end);
      const r = this.scalar(e.right);
      b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: 0 });
      b.jmp('jeq', r, 0, end);
      b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: 1 });
      b.place(end);
      return out;
    }
    const lt = this.typeOf(e.left), rt = this.typeOf(e.right);
    if ((e.op === '==' || e.op === '!=') && (lt.kind === 'string' || rt.kind === 'string')) return this.strEq(e, e.op === '!=');
    const l = this.scalar(e.left);
    const r = this.scalar(e.right);
    const signed = comparisonSigned(lt, rt);
    const cmp: Partial<Record<ast.BinaryOp, JmpName>> = {
      '==': 'jeq', '!=': 'jne', '<': signed ? 'jslt' : 'jlt', '<=': signed ? 'jsle' : 'jle', '>': signed ? 'jsgt' : 'jgt', '>=': signed ? 'jsge' : 'jge',
    };
    const c = cmp[e.op];
    if (c) {
      const out = b.const(1);
      const yes = b.label('c');
      b.jmp(c, l, r, yes);
      b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: 0 });
      b.place(yes);
      return out;
    }
    this.arith(e.op, l, r, e.type ?? (signed ? I64 : U64), e.span, isZeroLiteral(e.right));
    return l;
  }

  /**
   * dst = dst OP src with the signedness of `t`. `zeroDivisor`: src is the literal 0, which the
   * kernel refuses as a division's immediate ("div by zero"); bpftrace's result for x / 0 and
   * x % 0 is then 0 (semantic analysis warns), so that is what dst becomes.
   */
  private arith(op: ast.BinaryOp, dst: VReg, src: VReg, t: Type, span: ast.Span, zeroDivisor = false): void {
    const b = this.b;
    const signed = isSigned(t);
    switch (op) {
      case '+': b.alu('add', dst, src); break;
      case '-': b.alu('sub', dst, src); break;
      case '*': b.alu('mul', dst, src); break;
      case '/': case '%': {
        if (zeroDivisor) { b.emit({ op: 'alu', wide: true, alu: 'mov', dst, src: 0 }); break; }
        // Unsigned, as bpftrace divides (it warns about signed operands). A divisor that is 0 at
        // run time gives BPF's answer: x / 0 is 0, x % 0 is x.
        b.emit({ op: 'alu', wide: true, alu: op === '/' ? 'div' : 'mod', dst, src });
        break;
      }
      case '&': b.alu('and', dst, src); break;
      case '|': b.alu('or', dst, src); break;
      case '^': b.alu('xor', dst, src); break;
      case '<<': b.alu('lsh', dst, src); break;
      case '>>': b.alu(signed ? 'arsh' : 'rsh', dst, src); break;
      default: this.fail(`operator ${op} cannot be used here`, span);
    }
  }

  private update(e: ast.UpdateExpr): VReg {
    const b = this.b;
    const t = e.target;
    const delta = e.op === '++' ? 1 : -1;
    if (t.kind === 'Variable') {
      const off = this.declareVar(t.name, t.type ?? I64);
      const old = b.ldx('dw', 'fp', off);
      const nv = b.mov(old);
      b.alu('add', nv, delta);
      b.stx('dw', 'fp', off, nv);
      return e.prefix ? nv : old;
    }
    if (t.kind === 'Map' || t.kind === 'MapAccess') {
      const ref = t.kind === 'Map' ? t : t.map;
      const keys = t.kind === 'Map' ? [] : t.keys;
      const m = this.script.maps.get(ref.name) ?? this.scriptMap(ref, e.span, this.keyTypesOf(keys), 'value', I64);
      const key = this.mapKey(m, keys, e.span);
      const old = this.mapRead(m, key);
      const nv = b.mov(old);
      b.alu('add', nv, delta);
      const val = b.zeroed(m.valueSize, 'map value');
      b.stx('dw', 'fp', val, nv);
      b.call(Helper.map_update_elem, [{ map: bpfMapName(m.name) }, { fp: key }, { fp: val }, { imm: BPF_ANY }], false);
      return e.prefix ? nv : old;
    }
    return this.fail('++/-- needs a variable or map', e.span);
  }

  private builtin(name: string, e: ast.Expr): VReg {
    const b = this.b;
    switch (name) {
      case 'pid': { const v = b.call(Helper.get_current_pid_tgid, [])!; b.alu('rsh', v, 32); return v; }
      case 'tid': { const v = b.call(Helper.get_current_pid_tgid, [])!; b.emit({ op: 'alu', wide: false, alu: 'mov', dst: v, src: v }); return v; }
      case 'uid': { const v = b.call(Helper.get_current_uid_gid, [])!; b.emit({ op: 'alu', wide: false, alu: 'mov', dst: v, src: v }); return v; }
      case 'gid': { const v = b.call(Helper.get_current_uid_gid, [])!; b.alu('rsh', v, 32); return v; }
      case 'nsecs': return b.call(Helper.ktime_get_ns, [])!;
      case 'elapsed': {
        const now = b.call(Helper.ktime_get_ns, [])!;
        const g = b.vreg('globals');
        b.emit({ op: 'ldmap', dst: g, map: GLOBALS_MAP });
        // The start time lives in an array map; look it up rather than using direct value
        // access so the program also loads where map-value pseudo loads are unavailable.
        const k = b.zeroed(8, 'key');
        const p = b.call(Helper.map_lookup_elem, [g, { fp: k }])!;
        const miss = b.label('el');
        b.jmp('jeq', p, 0, miss);
        const start = b.ldx('dw', p, 0);
        b.alu('sub', now, start);
        b.place(miss);
        return now;
      }
      case 'cpu': return b.call(Helper.get_smp_processor_id, [])!;
      case 'ncpus': return b.const(this.script.ncpus);
      case 'rand': return b.call(Helper.get_prandom_u32, [])!;
      case 'cgroup': return b.call(Helper.get_current_cgroup_id, [])!;
      case 'probe': {
        let id = this.script.probeNames.indexOf(this.instance.name);
        if (id < 0) id = this.script.probeNames.push(this.instance.name) - 1;
        return b.const(id);
      }
      default: {
        const v = probeBuiltin(this.host, name, e);
        if (v) return v;
        return this.fail(`builtin ${name} is not supported${e.type ? ` as ${typeName(e.type)}` : ''} here`, e.span);
      }
    }
  }

  private callScalar(e: ast.CallExpr): VReg {
    switch (e.name) {
      case 'pid': case 'tid': case 'uid': case 'gid': case 'nsecs': case 'elapsed': case 'cpu': case 'ncpus': case 'rand': case 'cgroup':
        return this.builtin(e.name, e);
      case 'has_key': {
        const ref = e.args[0];
        if (ref?.kind !== 'Map') this.fail('has_key() takes a map', e.span);
        const m = this.accessedMap(ref, e.args.slice(1), e.span);
        const key = this.mapKey(m, e.args.slice(1), e.span);
        const p = this.b.call(Helper.map_lookup_elem, [{ map: bpfMapName(m.name) }, { fp: key }])!;
        return this.bool(p, 'jne');
      }
      case 'len': {
        const a = e.args[0];
        if (a?.kind !== 'Map') this.fail('len() of a stack is not supported yet', e.span);
        return this.mapLength(a, e.span);
      }
      case 'strncmp': {
        const n = Number(this.constInt(e.args[2]));
        return this.strCompare(e.args[0], e.args[1], n, true);
      }
      case 'bswap': {
        // The argument's width decides what is reversed (bswap((uint16)x) swaps two bytes).
        const t = this.typeOf(e);
        const bits = t.kind === 'int' ? t.bits : 64;
        const v = this.scalar(e.args[0]);
        if (bits === 8) this.truncate(v, 8, false);
        else this.b.emit({ op: 'bswap', dst: v, bits: bits as 16 | 32 | 64 });
        return v;
      }
      default: return probeCall(this.host, e) ?? this.fail(`function ${e.name}() is not supported here`, e.span);
    }
  }

  /** `args.NAME` for tracepoints: a load from the trace record at the field's offset. */
  private field(e: ast.FieldAccess): VReg {
    if (isMemoryAccess(e) && this.typeOf(e.expr).kind !== 'record') return readMemoryScalar(this.host, e);
    const b = this.b;
    if (this.typeOf(e.expr).kind === 'record') {
      const el = this.recordField(e);
      const size = sizeOf(el.type);
      const v = b.vreg();
      b.emit({ op: 'ldx', size: SIZE_NAMES[size] ?? 'dw', dst: v, base: 'fp', off: el.off, signed: isSigned(el.type) && size < 8 });
      return v;
    }
    const f = this.argField(e);
    if (f.arrayLength !== undefined || f.dataLoc) this.fail(`args.${f.name} is not an integer; use str()`, e.span);
    const size = f.size as 1 | 2 | 4 | 8;
    const v = b.ldx(SIZE_NAMES[size] ?? 'dw', this.ctx!, f.offset, f.name);
    if (f.signed && size < 8) this.truncate(v, size * 8, true);
    return v;
  }

  private argField(e: ast.FieldAccess): NonNullable<ProbeInstance['args']>[number] {
    if (e.expr.kind !== 'Builtin' || e.expr.name !== 'args') this.fail('only args.FIELD is supported for field access', e.span);
    const fields = this.instance.args;
    if (!fields) this.fail(`${this.instance.name} has no args`, e.span);
    const f = fields.find((x) => x.name === e.field);
    if (!f) this.fail(`${this.instance.name} has no argument named ${e.field}`, e.fieldSpan);
    return f;
  }

  // ---- expressions in memory: strings, tuples ------------------------------------------------

  /** Evaluate a string/tuple expression into a stack buffer. */
  memory(e: ast.Expr): { off: number; type: Type } {
    const saved = this.b.loc;
    this.at(e.span);
    try { return this.memoryAt(e); } finally { this.b.loc = saved; }
  }

  private memoryAt(e: ast.Expr): { off: number; type: Type } {
    const b = this.b;
    const t = this.typeOf(e);
    switch (e.kind) {
      case 'String': {
        const bytes = Buffer.from(e.value, 'latin1');
        const size = bytes.length + 1;
        const off = b.frame.alloc(size, b.loc, 'string');
        for (let i = 0; i < round8(size); i += 8) {
          let w = 0n;
          for (let j = 7; j >= 0; j--) w = (w << 8n) | BigInt(bytes[i + j] ?? 0);
          if (w === 0n) b.st('dw', 'fp', off + i, 0);
          else if (BigInt.asIntN(64, w) >= -(2n ** 31n) && BigInt.asIntN(64, w) < 2n ** 31n) b.st('dw', 'fp', off + i, Number(BigInt.asIntN(64, w)));
          else b.stx('dw', 'fp', off + i, b.const(w));
        }
        return { off, type: strType(size) };
      }
      case 'Builtin': case 'Call': {
        const name = e.name;
        if (name === 'comm') {
          const off = b.zeroed(16, 'comm');
          b.call(Helper.get_current_comm, [{ fp: off }, { imm: 16 }], false);
          return { off, type: strType(16) };
        }
        if (name === 'probe') return this.memory({ kind: 'String', value: this.instance.name, span: e.span });
        if (name === 'func' && (this.instance.attach.kind === 'uprobe' && this.instance.attach.symbol !== undefined)) {
          return this.memory({ kind: 'String', value: this.instance.attach.symbol!, span: e.span });
        }
        if (e.kind === 'Call' && name === 'str') return this.strCall(e);
        if (e.kind === 'Call' && name === 'ntop' && (e.args.length === 1 || e.args.length === 2)) {
          // { u64 family; u8 addr[16] }: an integer is an IPv4 address in network byte order; a
          // byte array's length says the family unless ntop(AF, addr) names it.
          const addr = e.args[e.args.length - 1];
          const off = b.zeroed(24, 'inet');
          const t = this.typeOf(addr);
          const family = (fallback: number): void => {
            if (e.args.length === 2) b.stx('dw', 'fp', off, this.scalar(e.args[0]));
            else b.st('dw', 'fp', off, fallback);
          };
          if (t.kind === 'array' && (t.length === 4 || t.length === 16)) {
            const src = this.memory(addr);
            family(t.length === 4 ? 2 : 10);
            this.copy(off + 8, src.off, t.length);
          } else {
            family(2);
            b.stx('w', 'fp', off + 8, this.scalar(addr));
          }
          return { off, type: { kind: 'special', name: 'inet', size: 24 } };
        }
        if (e.kind === 'Call' && name === 'buf') {
          // Its u32 length, then the data (the buffer type is size + 4 bytes).
          const t = this.typeOf(e);
          const size = t.kind === 'buffer' ? t.size : 64;
          const off = b.zeroed(size + 4, 'buffer');
          const a = e.args[0];
          const at = this.typeOf(a);
          if (isStringy(at)) {
            const src = this.memory(a);
            this.copy(off + 4, src.off, Math.min(size, sizeOf(src.type)));
          } else {
            const fromArgs = a.kind === 'FieldAccess' && a.expr.kind === 'Builtin' && a.expr.name === 'args';
            const user = (fromArgs && this.instance.argsAddrSpace === 'user') || (at.kind === 'pointer' && at.addrSpace === 'user');
            b.call(user ? Helper.probe_read_user : Helper.probe_read_kernel, [{ fp: off + 4 }, { imm: size }, this.scalar(a)], false);
          }
          b.st('w', 'fp', off, size);
          return { off, type: { kind: 'buffer', size } };
        }
        if (e.kind === 'Call' && name === 'strftime') {
          // Userspace formats it: the record carries the nanoseconds (the format is in the spec).
          const off = b.zeroed(16, 'timestamp');
          b.stx('dw', 'fp', off, this.scalar(e.args[1]));
          return { off, type: { kind: 'special', name: 'timestamp', size: 16 } };
        }
        break;
      }
      case 'Record': {
        const parts = e.fields.map((f) => {
          const t = this.typeOf(f.value);
          if (isStringy(t)) return { f, mem: this.memory(f.value), type: undefined as Type | undefined };
          return { f, mem: undefined, type: (t.kind === 'int' ? (t.literal !== undefined ? I64 : t) : t.kind === 'bool' ? t : I64) as Type };
        });
        const fields = parts.map((p) => ({ name: p.f.name, type: p.mem ? p.mem.type : p.type! }));
        const layout = tupleLayout(fields.map((f) => f.type));
        const off = b.zeroed(layout.size, 'record');
        parts.forEach((p, i) => {
          const at = off + layout.offsets[i];
          if (p.mem) this.convert(at, fields[i].type, p.mem.off, p.mem.type);
          else b.stx(SIZE_NAMES[sizeOf(fields[i].type)] ?? 'dw', 'fp', at, this.scalar(p.f.value));
        });
        return { off, type: { kind: 'record', fields } };
      }
      case 'Variable': {
        const v = this.vars.get(e.name);
        if (!v) this.fail(`undefined variable ${e.name}`, e.span);
        return { off: v.off, type: v.type };
      }
      case 'Map': case 'MapAccess': {
        const ref = e.kind === 'Map' ? e : e.map;
        const m = this.accessedMap(ref, e.kind === 'Map' ? [] : e.keys, e.span);
        const key = this.mapKey(m, e.kind === 'Map' ? [] : e.keys, e.span);
        const off = b.zeroed(m.valueSize, 'map value');
        const p = b.call(Helper.map_lookup_elem, [{ map: bpfMapName(m.name) }, { fp: key }])!;
        const miss = b.label('miss');
        b.jmp('jeq', p, 0, miss);
        for (let i = 0; i < m.valueSize; i += 8) b.stx('dw', 'fp', off + i, b.ldx('dw', p, i));
        b.place(miss);
        return { off, type: m.valueType };
      }
      case 'TupleIndex': return this.tupleElement(e);
      case 'PositionalParam': {
        const p = this.script.positional[e.index - 1] ?? '';
        return this.memory({ kind: 'String', value: Buffer.from(p, 'utf8').toString('latin1'), span: e.span });
      }
      case 'Tuple': {
        // String-like elements first, so the layout follows what they evaluate to.
        const parts = e.elements.map((x) => {
          const t = this.typeOf(x);
          if (isStringy(t)) return { x, mem: this.memory(x), type: undefined as Type | undefined };
          const st: Type = t.kind === 'int' ? (t.literal !== undefined ? I64 : t) : t.kind === 'bool' ? t : I64;
          return { x, mem: undefined, type: st };
        });
        const types = parts.map((p) => p.mem ? p.mem.type : p.type!);
        const layout = tupleLayout(types);
        const off = b.zeroed(layout.size, 'tuple');
        parts.forEach((p, i) => {
          const at = off + layout.offsets[i];
          if (p.mem) this.convert(at, types[i], p.mem.off, p.mem.type);
          else b.stx(SIZE_NAMES[sizeOf(types[i])] ?? 'dw', 'fp', at, this.scalar(p.x));
        });
        return { off, type: { kind: 'tuple', elements: types } };
      }
      case 'Index': {
        if (this.typeOf(e.expr).kind === 'tuple') return this.tupleElement({ kind: 'TupleIndex', expr: e.expr, index: Number(this.constInt(e.index)), span: e.span });
        if (isMemoryAccess(e)) return readMemoryBuffer(this.host, e);
        break;
      }
      case 'FieldAccess': {
        if (this.typeOf(e.expr).kind === 'record') return this.recordField(e);
        if (isMemoryAccess(e)) return readMemoryBuffer(this.host, e);
        const f = this.argField(e);
        if (f.arrayLength !== undefined) {
          const off = b.zeroed(f.size, 'array');
          this.arrayField(f, off);
          return { off, type: f.type === 'char' ? strType(f.size) : t };
        }
        break;
      }
      case 'Ternary': {
        const size = round8(sizeOf(t));
        const off = b.zeroed(size, 'value');
        const elseL = b.label('t'), end = b.label('t');
        const c = this.scalar(e.cond);
        b.jmp('jeq', c, 0, elseL);
        { const s = this.memory(e.then); this.copy(off, s.off, Math.min(size, round8(sizeOf(s.type)))); }
        b.ja(end);
        b.place(elseL);
        { const s = this.memory(e.else); this.copy(off, s.off, Math.min(size, round8(sizeOf(s.type)))); }
        b.place(end);
        return { off, type: t };
      }
      default: break;
    }
    return this.fail(`cannot use this ${typeName(t)} expression here yet`, e.span);
  }

  /** `t.N`: where element N of a tuple (in a stack buffer) lives. */
  private tupleElement(e: ast.TupleIndex): { off: number; type: Type } {
    const base = this.memory(e.expr);
    if (base.type.kind === 'tuple') {
      const layout = tupleLayout(base.type.elements);
      const t = base.type.elements[e.index];
      if (!t) this.fail(`tuple index ${e.index} is out of range`, e.span);
      return { off: base.off + layout.offsets[e.index], type: t };
    }
    if (base.type.kind === 'record') {
      const layout = tupleLayout(base.type.fields.map((f) => f.type));
      const f = base.type.fields[e.index];
      if (!f) this.fail(`index ${e.index} is out of range`, e.span);
      return { off: base.off + layout.offsets[e.index], type: f.type };
    }
    return this.fail(`cannot index a ${typeName(base.type)}`, e.span);
  }

  /** str(p[, n]): copy a NUL-terminated string from kernel or user memory (or a data_loc field). */
  /**
   * str(p[, n]) into a zeroed buffer. `into` gives the destination (a map key slot of `intoSize`
   * bytes) so the string is read in place instead of into a temporary and copied.
   */
  /** Bytes of the string str(p[, n]) produces. */
  private strCallSize(e: ast.CallExpr): number {
    const limit = e.args[1] ? Number(this.constInt(e.args[1])) : this.script.strlen;
    const size = Math.min(Math.max(1, limit), this.script.strlen);
    return e.type?.kind === 'string' ? e.type.size : size;
  }

  private strCall(e: ast.CallExpr, into?: { off: number; size: number; base?: VReg }): { off: number; type: Type } {
    const b = this.b;
    const arg = e.args[0];
    if (!arg) this.fail('str() takes a pointer', e.span);
    const limit = e.args[1] ? Number(this.constInt(e.args[1])) : this.script.strlen;
    let size = Math.min(Math.max(1, limit), this.script.strlen);
    const resultSize = into ? into.size : (e.type?.kind === 'string' ? e.type.size : size);
    size = Math.min(size, resultSize);
    const off = into ? into.off : b.zeroed(resultSize, 'string');
    /** The destination as a helper argument: the stack slot, or the register base (ring buffer). */
    const dstArg = (): CallArg => (into?.base ? into.base : { fp: off });
    if (arg.kind === 'FieldAccess' && arg.expr.kind === 'Builtin' && arg.expr.name === 'args') {
      const f = this.argField(arg);
      if (f.dataLoc) {
        const loc = b.ldx('w', this.ctx!, f.offset);
        b.alu('and', loc, 0xffff);
        b.alu('add', loc, this.ctx!);
        b.call(Helper.probe_read_kernel_str, [dstArg(), { imm: size }, loc], false);
        return { off, type: strType(resultSize) };
      }
      if (f.arrayLength !== undefined) {
        const p = b.mov(this.ctx!);
        b.alu('add', p, f.offset);
        b.call(Helper.probe_read_kernel_str, [dstArg(), { imm: Math.min(size, f.size) }, p], false);
        return { off, type: strType(resultSize) };
      }
    }
    if (isStringy(this.typeOf(arg)) || arg.kind === 'PositionalParam') {
      const src = this.memory(arg);
      this.copy(off, src.off, Math.min(resultSize, sizeOf(src.type), size));
      if (size <= resultSize) b.st('b', 'fp', off + size - 1, 0);
      return { off, type: strType(resultSize) };
    }
    const p = this.scalar(arg);
    // Pointers read from a syscall's arguments point into the caller's memory, whatever the
    // declared type says (the format files do not mark __user).
    const fromArgs = arg.kind === 'FieldAccess' && arg.expr.kind === 'Builtin' && arg.expr.name === 'args';
    const space = arg.type?.kind === 'pointer' ? arg.type.addrSpace : undefined;
    const userSpace = (fromArgs && this.instance.argsAddrSpace === 'user') || space === 'user' || (space === undefined && this.instance.argsAddrSpace === 'user');
    b.call(userSpace ? Helper.probe_read_user_str : Helper.probe_read_kernel_str, [dstArg(), { imm: size }, p], false);
    return { off, type: strType(resultSize) };
  }

  /** String equality, bytewise up to the first NUL (or the shorter buffer). */
  private strEq(e: ast.BinaryExpr, negate: boolean): VReg {
    return this.strCompare(e.left, e.right, Infinity, negate);
  }

  /**
   * Compare two strings up to the first NUL or `limit` bytes: 1 when equal (0 with `negate`).
   * strncmp() is the negated form: 0 when equal, as in C.
   */
  private strCompare(left: ast.Expr, right: ast.Expr, limit: number, negate: boolean): VReg {
    const b = this.b;
    if ((left.kind === 'String') !== (right.kind === 'String')) {
      const out = b.const(negate ? 1 : 0); // different
      const differ = b.label('sne');
      this.literalCompare(left, right, limit, 'jumpIfDifferent', differ);
      b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: negate ? 0 : 1 }); // equal
      b.place(differ);
      return out;
    }
    const l = this.memory(left), r = this.memory(right);
    const n = Math.min(sizeOf(l.type), sizeOf(r.type), limit);
    const out = b.const(negate ? 1 : 0);
    const ne = b.label('sne'), eq = b.label('seq'), end = b.label('send');
    for (let i = 0; i < n; i++) {
      const x = b.ldx('b', 'fp', l.off + i), y = b.ldx('b', 'fp', r.off + i);
      b.jmp('jne', x, y, ne);
      b.jmp('jeq', x, 0, eq);
    }
    b.place(eq);
    b.emit({ op: 'alu', wide: true, alu: 'mov', dst: out, src: negate ? 0 : 1 });
    b.ja(end);
    b.place(ne);
    b.place(end);
    return out;
  }

  /**
   * A string compared with a literal, as bpftrace compiles it: each byte of the string against
   * the literal's byte as an immediate, up to and including the literal's terminating NUL (or
   * `limit` bytes, or the string's size), without storing the literal. `mode` says when to jump
   * to `target`. False (and nothing emitted) when neither side is a literal.
   */
  private literalCompare(left: ast.Expr, right: ast.Expr, limit: number, mode: 'jumpIfDifferent' | 'jumpIfEqual', target: string): boolean {
    const [lit, other] = right.kind === 'String' ? [right, left] : left.kind === 'String' ? [left, right] : [undefined, undefined];
    if (!lit || !other || other.kind === 'String') return false;
    const b = this.b;
    const full = new TextEncoder().encode(lit.value);
    const nul = full.indexOf(0);
    const bytes = nul < 0 ? full : full.subarray(0, nul);
    const str = this.memory(other);
    const n = Math.min(sizeOf(str.type), limit, bytes.length + 1);
    const differ = mode === 'jumpIfDifferent' ? target : b.label('sdiff');
    for (let i = 0; i < n; i++) b.jmp('jne', b.ldx('b', 'fp', str.off + i), i < bytes.length ? bytes[i] : 0, differ);
    if (mode === 'jumpIfEqual') { b.ja(target); b.place(differ); }
    return true;
  }

  /** `r.name` on a record value. */
  private recordField(e: ast.FieldAccess): { off: number; type: Type } {
    const base = this.memory(e.expr);
    if (base.type.kind !== 'record') return this.fail(`${typeName(base.type)} has no field ${e.field}`, e.fieldSpan);
    const i = base.type.fields.findIndex((f) => f.name === e.field);
    if (i < 0) this.fail(`${typeName(base.type)} has no field ${e.field}`, e.fieldSpan);
    const layout = tupleLayout(base.type.fields.map((f) => f.type));
    return { off: base.off + layout.offsets[i], type: base.type.fields[i].type };
  }

  private copy(dst: number, src: number, size: number): void {
    const b = this.b;
    if (dst === src) return;
    let i = 0;
    for (; i + 8 <= size; i += 8) b.stx('dw', 'fp', dst + i, b.ldx('dw', 'fp', src + i));
    for (; i < size; i++) b.stx('b', 'fp', dst + i, b.ldx('b', 'fp', src + i));
  }

  // ---- types and constants -------------------------------------------------------------------

  private constInt(e: ast.Expr): bigint {
    if (e.kind === 'Integer') return e.value;
    if (e.type?.kind === 'int' && e.type.literal !== undefined) return e.type.literal;
    if (e.kind === 'Unary' && e.op === '-') return -this.constInt(e.operand);
    if (e.kind === 'PositionalParam') {
      const p = this.script.positional[e.index - 1];
      if (p !== undefined && /^-?\d+$/.test(p)) return BigInt(p);
    }
    return this.fail('expected an integer constant', e.span);
  }

  /** The semantic type, or a best guess where semantic analysis left none. */
  typeOf(e: ast.Expr): Type {
    // A uprobe's func is known at compile time: bpfkit carries it as a string, not an address.
    if (e.kind === 'Builtin' && e.name === 'func' && (this.instance.attach.kind === 'uprobe' && this.instance.attach.symbol !== undefined)) {
      return strType(this.instance.attach.symbol!.length + 1);
    }
    if (e.type) return e.type;
    switch (e.kind) {
      case 'String': return strType(Buffer.byteLength(e.value, 'latin1') + 1);
      case 'Integer': return { kind: 'int', bits: 64, signed: true, literal: e.value };
      case 'Boolean': return { kind: 'bool' };
      case 'Builtin': case 'Call':
        switch (e.name) {
          case 'comm': return strType(16);
          case 'probe': return strType(this.instance.name.length + 1);
          case 'str': return strType(this.script.strlen);
          case 'pid': case 'tid': case 'uid': case 'gid': case 'cpu': case 'rand': return U32;
          case 'nsecs': case 'elapsed': case 'cgroup': case 'ncpus': return U64;
          default: return I64;
        }
      case 'Variable': return this.vars.get(e.name)?.type ?? I64;
      case 'Map': case 'MapAccess': return this.script.maps.get(e.kind === 'Map' ? e.name : e.map.name)?.valueType ?? I64;
      case 'FieldAccess': {
        if (e.expr.kind === 'Builtin' && e.expr.name === 'args') {
          const f = this.instance.args?.find((x) => x.name === e.field);
          if (f && (f.arrayLength !== undefined || f.dataLoc)) return f.type === 'char' ? strType(f.size) : { kind: 'array', element: { kind: 'int', bits: 8, signed: false }, length: f.size };
          if (f) return { kind: 'int', bits: (f.size * 8) as 8 | 16 | 32 | 64, signed: f.signed };
        }
        return I64;
      }
      case 'Tuple': return { kind: 'tuple', elements: e.elements.map((x) => this.keyType(x)) };
      case 'Ternary': return this.typeOf(e.then);
      case 'Binary': {
        const l = this.typeOf(e.left), r = this.typeOf(e.right);
        if (['==', '!=', '<', '<=', '>', '>=', '&&', '||'].includes(e.op)) return { kind: 'bool' };
        return comparisonSigned(l, r) ? I64 : U64;
      }
      default: return I64;
    }
  }
}

/** Unsigned when either side is a non-literal unsigned 64-bit value (C's usual conversions). */
function comparisonSigned(l: Type, r: Type): boolean {
  const u64 = (t: Type): boolean => t.kind === 'int' && !t.signed && t.bits === 64 && t.literal === undefined;
  const pointer = (t: Type): boolean => t.kind === 'pointer';
  return !(u64(l) || u64(r) || pointer(l) || pointer(r));
}

export const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg', 'stats', 'hist', 'lhist']);

/** The integer literal 0 (possibly parenthesised or cast): a divisor the kernel refuses as an immediate. */
function isZeroLiteral(e: ast.Expr): boolean {
  if (e.kind === 'Integer') return e.value === 0n;
  if (e.kind === 'Cast') return isZeroLiteral(e.expr);
  return false;
}
