// Trace filter -> eBPF. The program gets R1 = the event record (read-only memory laid out by
// RecordLayout) and returns 1 when the event matches, 0 otherwise. Booleans compile to jumps
// (short-circuit, no materialised values); string globs compile to length checks and 8/4/2/1-byte
// compares against constants.
import { Instruction } from '../../isa/instruction.js';
import { ProgramBuilder, R0, R1, R2, R3, R4, R5, Reg } from '../../isa/builder.js';
import { CompareOp, FilterExpr, Operand } from './ast.js';
import { FilterError } from './errors.js';
import { FieldLayout, INT_BYTES, IntType, RecordLayout, isSigned } from './layout.js';
import { LITERAL_STAR } from './lexer.js';
import { parseFilter } from './parser.js';

type JmpName = Parameters<ProgramBuilder['jmp']>[0];

export interface CompiledFilter {
  readonly source: string;
  readonly program: Instruction[];
  /** Fields the filter reads (the emitter need only encode these). */
  readonly fields: readonly string[];
  /** String fields: how many leading bytes the filter can look at (the rest need not be copied). */
  readonly stringBytes: ReadonlyMap<string, number>;
}

const MIRROR: Record<CompareOp, CompareOp> = { '==': '==', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const NEGATE: Record<CompareOp, CompareOp> = { '==': '!=', '!=': '==', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };
const JUMP: Record<CompareOp, [JmpName, JmpName]> = {
  // [unsigned, signed]
  '==': ['jeq', 'jeq'], '!=': ['jne', 'jne'], '<': ['jlt', 'jslt'], '<=': ['jle', 'jsle'], '>': ['jgt', 'jsgt'], '>=': ['jge', 'jsge'],
};

function evalConst(op: CompareOp, a: bigint, b: bigint): boolean {
  switch (op) {
    case '==': return a === b; case '!=': return a !== b; case '<': return a < b;
    case '<=': return a <= b; case '>': return a > b; case '>=': return a >= b;
  }
}

export function compileFilter(source: string, layout: RecordLayout): CompiledFilter {
  const expr = parseFilter(source);
  const b = new ProgramBuilder();
  const used = new Set<string>();
  const stringBytes = new Map<string, number>();
  const fail = (msg: string, span: Operand['span']): never => { throw new FilterError(msg, span, source); };
  const field = (o: Operand & { kind: 'field' }): FieldLayout => {
    const f = layout.fields.get(o.name);
    if (!f) {
      const known = [...layout.fields.keys()].join(', ');
      return fail(`unknown field '${o.name}' (fields: ${known || 'none'})`, o.span);
    }
    used.add(f.name);
    return f;
  };
  const loadInt = (dst: Reg, f: FieldLayout): void => {
    const t = f.type as IntType;
    const size = ({ 1: 'b', 2: 'h', 4: 'w', 8: 'dw' } as const)[INT_BYTES[t]];
    if (isSigned(t) && size !== 'dw') b.ldxs(size, dst, R1, f.offset);
    else b.ldx(size, dst, R1, f.offset);
  };
  // A jump known to be taken is still written as a conditional one (R1, the record, is never 0)
  // so the code after it stays reachable in the control-flow graph, as verifiers require.
  const always = (target: string): void => { b.jmp('jne', R1, 0, target); };
  /** Emit a jump to `target` taken exactly when `e` evaluates to `when`. */
  const cond = (e: FilterExpr, target: string, when: boolean): void => {
    switch (e.kind) {
      case 'not': return cond(e.operand, target, !when);
      case 'and':
      case 'or': {
        // a && b jumps on false when either does; on true only when both do (dually for ||).
        const shortCircuits = (e.kind === 'and') !== when;
        if (shortCircuits) { cond(e.left, target, when); cond(e.right, target, when); return; }
        const skip = b.newLabel('skip');
        cond(e.left, skip, !when);
        cond(e.right, target, when);
        b.label(skip);
        // A label needs an instruction after it; the caller always emits one.
        return;
      }
      case 'truthy': {
        const o = e.operand;
        if (o.kind === 'int') { if ((o.value !== 0n) === when) always(target); return; }
        if (o.kind === 'string') return fail('a string alone is not a condition; compare it with ==', o.span);
        const f = field(o);
        if (f.type === 'string') return fail(`'${f.name}' is a string; compare it with == "pattern"`, o.span);
        loadInt(R2, f);
        b.jmp(when ? 'jne' : 'jeq', R2, 0, target);
        return;
      }
      case 'compare': return compare(e.op, e.left, e.right, target, when);
    }
  };
  const compare = (op0: CompareOp, l0: Operand, r0: Operand, target: string, when: boolean): void => {
    let op = op0, l = l0, r = r0;
    if (l.kind !== 'field' && r.kind === 'field') { [l, r] = [r, l]; op = MIRROR[op]; }
    if (!when) op = NEGATE[op];
    if (l.kind === 'int' && r.kind === 'int') { if (evalConst(op, l.value, r.value)) always(target); return; }
    if (l.kind !== 'field') return fail('compare a field with a value', l.span);
    const f = field(l);
    if (f.type === 'string') {
      if (r.kind !== 'string') return fail(`'${f.name}' is a string; compare it with a "string" (globs with * allowed)`, r.span);
      if (op !== '==' && op !== '!=') return fail(`strings can only be compared with == and !=`, r.span);
      const matchIsJump = op === '==';
      // Fall through on match: on mismatch go to target (for !=) or past the jump (for ==).
      if (matchIsJump) {
        const miss = b.newLabel('miss');
        glob(f, r.value, miss, r.span);
        b.ja(target).label(miss);
      } else glob(f, r.value, target, r.span);
      return;
    }
    const t = f.type as IntType;
    const signed = isSigned(t);
    if (r.kind === 'string') return fail(`'${f.name}' is an integer (${t}); it cannot equal a string`, r.span);
    loadInt(R2, f);
    if (r.kind === 'field') {
      const g = field(r);
      if (g.type === 'string') return fail(`'${g.name}' is a string; it cannot be compared with an integer`, r.span);
      if (isSigned(g.type as IntType) !== signed) return fail(`'${f.name}' (${t}) and '${g.name}' (${g.type}) differ in signedness`, r.span);
      loadInt(R3, g);
      b.jmp(JUMP[op][signed ? 1 : 0], R2, R3, target);
      return;
    }
    const v = r.value;
    // Literals outside the field's domain make the comparison constant.
    const lo = signed ? -(1n << 63n) : 0n;
    const hi = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
    if (v < lo || v > hi) {
      // Every field value lies above (or below) the literal: the answer is known.
      if (evalConst(op, v < lo ? 1n : -1n, 0n)) always(target);
      return;
    }
    const jump = JUMP[op][signed ? 1 : 0];
    if (v >= -(1n << 31n) && v < (1n << 31n)) b.jmp(jump, R2, Number(v), target);
    else b.lddw(R3, v).jmp(jump, R2, R3, target);
  };
  /** Falls through when field `f` matches glob `pattern`, jumps to `miss` otherwise. */
  const glob = (f: FieldLayout, pattern: string, miss: string, span: Operand['span']): void => {
    // Glob stars split the pattern; escaped stars (LITERAL_STAR) are ordinary characters.
    const segments = pattern.split(/(?<!\u0000)\*/).map((s) => s.split(LITERAL_STAR).join('*'));
    if (segments.length > 2) return fail('only one * per pattern is supported', span);
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    const prefix = enc(segments[0]);
    const suffix = segments.length === 2 ? enc(segments[1]) : undefined;
    const data = f.offset + 4;
    stringBytes.set(f.name, Math.max(stringBytes.get(f.name) ?? 0, suffix ? f.capacity : prefix.length));
    if (prefix.length + (suffix?.length ?? 0) > f.capacity) return fail(`pattern is longer than the ${f.capacity} bytes kept of '${f.name}'`, span);
    b.ldx('w', R2, R1, f.offset);
    if (!suffix) {
      b.jmp('jne', R2, prefix.length, miss);
      compareBytes(b, R1, data, prefix, miss);
      return;
    }
    b.jmp('jlt', R2, prefix.length + suffix.length, miss);
    compareBytes(b, R1, data, prefix, miss);
    if (suffix.length) {
      // The suffix sits at data + len - |suffix|: only checkable if the whole string was kept.
      b.jmp('jgt', R2, f.capacity, miss);
      b.mov64(R3, R1).add64(R3, R2);
      compareBytes(b, R3, data - suffix.length, suffix, miss);
    }
  };

  const end = b.newLabel('end');
  b.mov64(R0, 0);
  cond(expr, end, false);
  b.mov64(R0, 1).label(end).exit();
  return { source, program: b.build(), fields: [...used], stringBytes };
}

/** Jump to `miss` unless the bytes at base+off equal `bytes` (widest loads first). */
function compareBytes(b: ProgramBuilder, base: Reg, off: number, bytes: Uint8Array, miss: string): void {
  let i = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (i < bytes.length) {
    const left = bytes.length - i;
    if (left >= 8) {
      b.ldx('dw', R4, base, off + i).lddw(R5, view.getBigUint64(i, true)).jmp('jne', R4, R5, miss);
      i += 8;
    } else if (left >= 4) {
      b.ldx('w', R4, base, off + i).jmp32('jne', R4, view.getUint32(i, true) | 0, miss);
      i += 4;
    } else if (left >= 2) {
      b.ldx('h', R4, base, off + i).jmp('jne', R4, view.getUint16(i, true), miss);
      i += 2;
    } else {
      b.ldx('b', R4, base, off + i).jmp('jne', R4, view.getUint8(i), miss);
      i += 1;
    }
  }
}
