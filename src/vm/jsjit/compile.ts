// eBPF -> JavaScript, for loop-free programs that read only their context: trace filters.
//
// Why a second JIT: a filter on an in-process tracepoint (src/ust) is a handful of compares. On
// the WebAssembly JIT each event must first be copied into wasm memory (the strings encoded to
// UTF-8) and then cross the JavaScript-to-wasm boundary; both cost more than the filter. Here the
// program becomes a JavaScript function that V8 compiles and inlines into emit(), and its context
// loads read the event object in place, the way the kernel rewrites context accesses to the real
// structure behind them (convert_ctx_access). What a context load means is the business of a
// ContextAccess (src/ust/record-access.ts for tracepoint records); this file knows only eBPF.
//
// Registers are pairs of int32 locals (rNl, rNh): exact 64-bit semantics with no BigInt and no
// allocation. Forward jumps become `break` out of nested labeled blocks, one block per jump target:
// a block opened at the start and closed just before its target contains every jump to it.
//
// Not every program qualifies: backward jumps (loops), the stack, helper calls, multiplication and
// division, byte swaps, atomics and pointers other than the context are left to the WebAssembly JIT
// (compileToJs returns the reason). The program must have passed the verifier: registers are
// read only after being written, and context loads stay inside the context.
import { Instruction, slotOffsets } from '../../isa/instruction.js';
import { AluOp, Class, JmpOp, LDDW, Mode, Source, opAlu, opClass, opMode, opSize, opSource, sizeBytes } from '../../isa/opcodes.js';

/** How the program's context (r1 at entry) is read. Offsets are relative to the context start. */
export interface ContextAccess {
  /**
   * JavaScript statements that load `size` bytes at the constant `offset` into the int32 locals
   * named `lo` and `hi` (zero- or sign-extended to 64 bits per `signed`), reading the argument
   * `e`; undefined when the load is not supported (the program then does not qualify).
   */
  load(lo: string, hi: string, offset: number, size: 1 | 2 | 4 | 8, signed: boolean, facts: Facts): string | undefined;
  /** The same at an offset known only when the program runs (`offset` is a JavaScript expression). */
  loadAt(lo: string, hi: string, offset: string, size: 1 | 2 | 4 | 8, signed: boolean, facts: Facts): string | undefined;
  /** Local declarations the loads rely on (per run state), placed at the top of the function. */
  prologue(): string;
  /** Values the generated code refers to by name. */
  readonly bindings: Readonly<Record<string, unknown>>;
}

/**
 * What the loads before this one established on every path here (say, "the string field was
 * decoded"): a load may rely on a fact and add its own. The JIT intersects them where paths meet.
 */
export type Facts = Set<string>;

export type JsFilter = (event: unknown) => number;

export type JsCompileResult =
  | { ok: true; run: JsFilter; source: string }
  | { ok: false; reason: string };

/**
 * What a register holds: a number, or the context pointer at a known offset (a number) or at one
 * known only at run time ('ctx'); 'mixed' when paths that meet disagree (fine while it is dead).
 */
type Kind = 'scalar' | 'ctx' | 'mixed' | number;
const isCtx = (k: Kind): boolean => k === 'ctx' || typeof k === 'number';

class NotSupported extends Error {}

/** Compile `program` to a JavaScript function of the context object, returning r0's low 32 bits (unsigned). */
export function compileToJs(program: readonly Instruction[], context: ContextAccess): JsCompileResult {
  try {
    const source = generate(program, context);
    const bindings: Record<string, unknown> = { ...context.bindings, shift64, shifted };
    const names = Object.keys(bindings);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- this is the JIT
    const factory = new Function(...names, source) as (...values: unknown[]) => JsFilter;
    return { ok: true, run: factory(...names.map((n) => bindings[n])), source };
  } catch (e) {
    if (e instanceof NotSupported) return { ok: false, reason: e.message };
    throw e;
  }
}

function generate(program: readonly Instruction[], context: ContextAccess): string {
  const slotOf = slotOffsets(program);
  const indexOfSlot = new Map(slotOf.map((slot, i) => [slot, i]));
  const no = (i: number, why: string): never => { throw new NotSupported(`instruction ${slotOf[i]}: ${why}`); };

  // Jump targets (instruction indices), and the kinds of registers on entry to each instruction.
  const targetOf = (i: number): number => {
    const t = indexOfSlot.get(slotOf[i] + 1 + program[i].off);
    if (t === undefined) no(i, 'jump into the middle of an instruction or out of the program');
    if (t! <= i) no(i, 'backward jump (a loop)');
    return t!;
  };
  const kindsIn: (Kind[] | undefined)[] = new Array(program.length);
  const factsIn: (Facts | undefined)[] = new Array(program.length);
  kindsIn[0] = Array<Kind>(11).fill('scalar');
  kindsIn[0][1] = 0;
  factsIn[0] = new Set();
  let facts: Facts = new Set();
  const merge = (to: number, kinds: Kind[], from: number): void => {
    const known = factsIn[to];
    if (!known) factsIn[to] = new Set(facts);
    else for (const f of known) if (!facts.has(f)) known.delete(f);
    const have = kindsIn[to];
    if (!have) { kindsIn[to] = [...kinds]; return; }
    for (let r = 0; r < 11; r++) {
      if (have[r] === kinds[r]) continue;
      // The context at different offsets: the register's value says which.
      have[r] = isCtx(have[r]) && isCtx(kinds[r]) ? 'ctx' : 'mixed';
    }
  };

  const body: string[] = [];
  const targets = new Set<number>();
  for (let i = 0; i < program.length; i++) {
    const insn = program[i];
    const kinds = kindsIn[i];
    if (!kinds) { body.push(`/* ${slotOf[i]}: unreachable */`); continue; }
    const k = [...kinds];
    facts = new Set(factsIn[i]);
    const { code, dst, src } = insn;
    const cls = opClass(code);
    const d = `r${dst}l`, dh = `r${dst}h`, s = `r${src}l`, sh = `r${src}h`;
    let falls = true;
    let out = '';
    if (code === LDDW) {
      if (src !== 0) no(i, 'lddw of a map or other pseudo value');
      const v = BigInt.asUintN(64, insn.imm64 ?? BigInt(insn.imm >>> 0));
      out = `${d} = ${Number(v & 0xffffffffn) | 0}; ${dh} = ${Number(v >> 32n) | 0};`;
      k[dst] = 'scalar';
    } else if (cls === Class.ALU64 || cls === Class.ALU) {
      out = alu(insn, i, k, no);
    } else if (cls === Class.LDX) {
      const mode = opMode(code);
      if (mode !== Mode.MEM && mode !== Mode.MEMSX) no(i, 'unsupported load');
      const base = k[src];
      if (!isCtx(base)) no(i, 'a load from memory other than the context');
      const size = sizeBytes(opSize(code));
      const signed = mode === Mode.MEMSX;
      const load = typeof base === 'number'
        ? context.load(d, dh, base + insn.off, size, signed, facts)
        : context.loadAt(d, dh, `((${s} + ${insn.off}) | 0)`, size, signed, facts);
      if (load === undefined) no(i, `a ${size}-byte context load this context cannot provide`);
      out = load!;
      k[dst] = 'scalar';
    } else if (cls === Class.JMP || cls === Class.JMP32) {
      const op = opAlu(code);
      if (op === JmpOp.EXIT) { out = 'return r0l >>> 0;'; falls = false; }
      else if (op === JmpOp.CALL) no(i, 'a call');
      else if (op === JmpOp.JA) {
        if (cls === Class.JMP32) no(i, 'gotol');
        const t = targetOf(i);
        targets.add(t); merge(t, k, i);
        out = `break L${t};`;
        falls = false;
      } else {
        const t = targetOf(i);
        const cond = condition(insn, i, k, no);
        if (cond !== 'false') { targets.add(t); merge(t, k, i); }
        out = cond === 'false' ? '' : cond === 'true' ? `break L${t};` : `if (${cond}) break L${t};`;
        if (cond === 'true') falls = false;
      }
    } else {
      no(i, cls === Class.ST || cls === Class.STX ? 'a store' : 'an unsupported instruction');
    }
    body.push(`/* ${slotOf[i]} */ ${out}`);
    if (falls) {
      if (i + 1 >= program.length) no(i, 'falls off the end of the program');
      merge(i + 1, k, i);
    }
  }

  // Labeled blocks: opened outermost-last-target first, each closed right before its target.
  const sorted = [...targets].sort((a, b) => b - a);
  const lines: string[] = ['"use strict";', 'return function bpfFilter(e) {'];
  // Only registers the program names; V8 would drop the others too, but later: a smaller function
  // is inlined into its caller sooner.
  const named = new Set<number>([0]);
  for (const x of program) { named.add(x.dst); if (opSource(x.code) === Source.X || opClass(x.code) === Class.LDX) named.add(x.src); }
  const regs = [...named].sort((a, b) => a - b).map((r) => `r${r}l = 0, r${r}h = 0`).join(', ');
  lines.push(`  let ${regs};`);
  const prologue = context.prologue();
  if (prologue) lines.push(`  ${prologue}`);
  lines.push(...sorted.map((t) => `  L${t}: {`));
  for (let i = 0; i < program.length; i++) {
    if (targets.has(i)) lines.push(`  } // L${i}`);
    lines.push(`  ${body[i]}`);
  }
  lines.push('  throw new Error("fell off the end of the program");', '};');
  return lines.join('\n');
}

type No = (i: number, why: string) => never;

function alu(insn: Instruction, i: number, k: Kind[], no: No): string {
  const { code, dst, src, imm } = insn;
  const wide = opClass(code) === Class.ALU64;
  const op = opAlu(code);
  const fromReg = opSource(code) === Source.X;
  const d = `r${dst}l`, dh = `r${dst}h`;
  const s = fromReg ? `r${src}l` : `${imm | 0}`;
  const sh = fromReg ? `r${src}h` : `${imm < 0 ? -1 : 0}`;
  if ((fromReg && k[src] === 'mixed') || (k[dst] === 'mixed' && op !== AluOp.MOV)) no(i, 'a register that is the context on some paths only');
  if (fromReg && isCtx(k[src])) {
    if (op === AluOp.MOV && wide && insn.off === 0) { k[dst] = k[src]; return `${d} = ${s}; ${dh} = ${sh};`; }
    no(i, 'arithmetic with the context pointer as operand');
  }
  if (op === AluOp.MOV) k[dst] = 'scalar';
  const base = k[dst];
  if (isCtx(base)) {
    // The context pointer is held as its offset from the context start: adding moves it.
    if (op !== AluOp.ADD || !wide) no(i, 'arithmetic on the context pointer other than adding');
    k[dst] = typeof base === 'number' && !fromReg ? base + (imm | 0) : 'ctx';
    return add64(d, dh, s, sh);
  }
  k[dst] = 'scalar';
  if (wide) {
    switch (op) {
      case AluOp.MOV:
        if (insn.off === 0 || !fromReg) return `${d} = ${s}; ${dh} = ${sh};`;
        if (insn.off === 8 || insn.off === 16) return `${d} = (${s} << ${32 - insn.off}) >> ${32 - insn.off}; ${dh} = ${d} >> 31;`;
        if (insn.off === 32) return `${d} = ${s}; ${dh} = ${d} >> 31;`;
        return no(i, 'movsx of an unknown width');
      case AluOp.ADD: return add64(d, dh, s, sh);
      case AluOp.SUB: return `{ const t = (${d} >>> 0) - (${s} >>> 0); ${dh} = (${dh} - ${sh} - (t < 0 ? 1 : 0)) | 0; ${d} = t | 0; }`;
      case AluOp.AND: return `${d} &= ${s}; ${dh} &= ${sh};`;
      case AluOp.OR: return `${d} |= ${s}; ${dh} |= ${sh};`;
      case AluOp.XOR: return `${d} ^= ${s}; ${dh} ^= ${sh};`;
      case AluOp.NEG: return `{ const t = 0 - (${d} >>> 0); ${dh} = (0 - ${dh} - (t < 0 ? 1 : 0)) | 0; ${d} = t | 0; }`;
      case AluOp.LSH: case AluOp.RSH: case AluOp.ARSH: {
        if (fromReg) return `${d} = shift64(${op}, ${d}, ${dh}, ${s} & 63); ${dh} = shifted.hi;`;
        return shiftConst64(op, d, dh, imm & 63);
      }
      default: return no(i, 'multiplication, division or byte swap');
    }
  }
  const n = fromReg ? `(${s} & 31)` : `${imm & 31}`;
  let body: string;
  switch (op) {
    case AluOp.MOV:
      if (insn.off === 0 || !fromReg) body = `${d} = ${s};`;
      else if (insn.off === 8 || insn.off === 16) body = `${d} = (${s} << ${32 - insn.off}) >> ${32 - insn.off};`;
      else return no(i, 'movsx of an unknown width');
      break;
    case AluOp.ADD: body = `${d} = (${d} + ${s}) | 0;`; break;
    case AluOp.SUB: body = `${d} = (${d} - ${s}) | 0;`; break;
    case AluOp.AND: body = `${d} &= ${s};`; break;
    case AluOp.OR: body = `${d} |= ${s};`; break;
    case AluOp.XOR: body = `${d} ^= ${s};`; break;
    case AluOp.NEG: body = `${d} = (0 - ${d}) | 0;`; break;
    case AluOp.LSH: body = `${d} <<= ${n};`; break;
    case AluOp.RSH: body = `${d} = (${d} >>> ${n}) | 0;`; break;
    case AluOp.ARSH: body = `${d} >>= ${n};`; break;
    default: return no(i, 'multiplication, division or byte swap');
  }
  // 32-bit operations zero the upper half.
  return `${body} ${dh} = 0;`;
}

const add64 = (d: string, dh: string, s: string, sh: string): string =>
  `{ const t = (${d} >>> 0) + (${s} >>> 0); ${dh} = (${dh} + ${sh} + (t > 0xffffffff ? 1 : 0)) | 0; ${d} = t | 0; }`;

function shiftConst64(op: number, d: string, dh: string, n: number): string {
  if (n === 0) return '';
  if (op === AluOp.LSH) {
    return n < 32 ? `${dh} = (${dh} << ${n}) | (${d} >>> ${32 - n}); ${d} <<= ${n};` : `${dh} = ${d} << ${n - 32}; ${d} = 0;`;
  }
  const top = op === AluOp.ARSH ? `${dh} >> ${n < 32 ? n : 31}` : n < 32 ? `(${dh} >>> ${n}) | 0` : '0';
  const low = n < 32 ? `(${d} >>> ${n}) | (${dh} << ${32 - n})` : op === AluOp.ARSH ? `${dh} >> ${n - 32}` : `(${dh} >>> ${n - 32}) | 0`;
  return `${d} = ${low}; ${dh} = ${top};`;
}

/** A 64-bit shift by a register amount (0-63): returns the low half, leaves the high in `shifted.hi`. */
export const shifted = { hi: 0 };
export function shift64(op: number, lo: number, hi: number, n: number): number {
  if (n === 0) { shifted.hi = hi; return lo; }
  if (op === AluOp.LSH) {
    if (n < 32) { shifted.hi = (hi << n) | (lo >>> (32 - n)); return lo << n; }
    shifted.hi = lo << (n - 32); return 0;
  }
  const arith = op === AluOp.ARSH;
  if (n < 32) { shifted.hi = arith ? hi >> n : (hi >>> n) | 0; return (lo >>> n) | (hi << (32 - n)); }
  shifted.hi = arith ? hi >> 31 : 0;
  return arith ? hi >> (n - 32) : (hi >>> (n - 32)) | 0;
}

function condition(insn: Instruction, i: number, k: Kind[], no: No): string {
  const { code, dst, src, imm } = insn;
  const wide = opClass(code) === Class.JMP;
  const op = opAlu(code);
  const fromReg = opSource(code) === Source.X;
  if ((fromReg && k[src] === 'mixed') || k[dst] === 'mixed') no(i, 'a register that is the context on some paths only');
  if (fromReg && isCtx(k[src])) no(i, 'a comparison with the context pointer');
  if (isCtx(k[dst])) {
    // The context pointer is never null: the compilers' "always taken" jump.
    if (!fromReg && imm === 0 && op === JmpOp.JEQ) return 'false';
    if (!fromReg && imm === 0 && op === JmpOp.JNE) return 'true';
    no(i, 'a comparison of the context pointer');
  }
  const a = `r${dst}l`, ah = `r${dst}h`;
  const b = fromReg ? `r${src}l` : `${imm | 0}`;
  const bh = fromReg ? `r${src}h` : `${imm < 0 ? -1 : 0}`;
  const ua = `(${a} >>> 0)`, ub = fromReg ? `(${b} >>> 0)` : `${imm >>> 0}`;
  if (!wide) {
    switch (op) {
      case JmpOp.JEQ: return `${a} === ${b}`;
      case JmpOp.JNE: return `${a} !== ${b}`;
      case JmpOp.JSET: return `(${a} & ${b}) !== 0`;
      case JmpOp.JGT: return `${ua} > ${ub}`;
      case JmpOp.JGE: return `${ua} >= ${ub}`;
      case JmpOp.JLT: return `${ua} < ${ub}`;
      case JmpOp.JLE: return `${ua} <= ${ub}`;
      case JmpOp.JSGT: return `${a} > ${b}`;
      case JmpOp.JSGE: return `${a} >= ${b}`;
      case JmpOp.JSLT: return `${a} < ${b}`;
      case JmpOp.JSLE: return `${a} <= ${b}`;
      default: return no(i, 'an unknown jump');
    }
  }
  const uah = `(${ah} >>> 0)`, ubh = fromReg ? `(${bh} >>> 0)` : `${imm < 0 ? 0xffffffff : 0}`;
  // Unsigned and signed orders differ only in how the high halves compare.
  const order = (rel: '<' | '>', hiA: string, hiB: string, orEqual: boolean): string =>
    `(${hiA} ${rel} ${hiB} || (${ah} === ${bh} && ${ua} ${rel}${orEqual ? '=' : ''} ${ub}))`;
  switch (op) {
    case JmpOp.JEQ: return `(${a} === ${b} && ${ah} === ${bh})`;
    case JmpOp.JNE: return `(${a} !== ${b} || ${ah} !== ${bh})`;
    case JmpOp.JSET: return `((${a} & ${b}) | (${ah} & ${bh})) !== 0`;
    case JmpOp.JGT: return order('>', uah, ubh, false);
    case JmpOp.JGE: return order('>', uah, ubh, true);
    case JmpOp.JLT: return order('<', uah, ubh, false);
    case JmpOp.JLE: return order('<', uah, ubh, true);
    case JmpOp.JSGT: return order('>', ah, bh, false);
    case JmpOp.JSGE: return order('>', ah, bh, true);
    case JmpOp.JSLT: return order('<', ah, bh, false);
    case JmpOp.JSLE: return order('<', ah, bh, true);
    default: return no(i, 'an unknown jump');
  }
}
