// Assembler for the text syntax of the bpf_conformance suite (and of ubpf/rbpf), e.g.
//   mov32 %r0, 1          jeq %r1, 0x4, +2        ldxdw %r0, [%r1+8]      lddw %r0, 0x123456789
//   lock fetch add [%r10-8], %r1                  call local func1        call %r2  (callx)
// Labels are `name:`; jump targets are labels or signed slot offsets (`+2`, `-3`); as in the
// conformance suite's own assembler, `exit` used as a target means the first exit instruction
// unless a label of that name exists. Comments start with `#` or `//`.
// Extensions, so that any decoded program can be written back: legacy packet loads (`ldabsw 12`,
// `ldindb %r1, 4`), pseudo lddw (`lddw %r1, map_fd(3)`, `map_value(counts, 8)`, `btf_id(7)`),
// `call kfunc 5`, helper names (`call map_lookup_elem`), and `.insn CODE, DST, SRC, OFF, IMM` for
// encodings that have no mnemonic. Every error is a SourceError pointing at the offending token.
import { SourceError } from '../diagnostics.js';
import { Instruction, SourceLocation } from './instruction.js';
import { AluOp, AtomicOp, CallSrc, Class, JmpOp, LDDW, Mode, PseudoSrc, Size, Source } from './opcodes.js';
import { Helper } from './helpers.js';

export class AssemblyError extends SourceError {
  constructor(message: string, line: number, column: number, length: number, file: string, source: string) {
    super(message, { line, column, length }, file, source);
    this.name = 'AssemblyError';
  }
}

export interface AssembleOptions {
  /** File name for diagnostics. */
  file?: string;
  /** Attach `loc` (line, column, source text) to every instruction, for runtime error messages. */
  locations?: boolean;
}

type TokKind = 'ident' | 'reg' | 'num' | 'mem' | 'punct';
interface Token {
  kind: TokKind;
  text: string;
  column: number; // 1-based
  reg?: number;
  value?: bigint;
  /** mem operands: base register and offset */
  off?: number;
}

const ALU_OPS: Record<string, number> = {
  add: AluOp.ADD, sub: AluOp.SUB, mul: AluOp.MUL, div: AluOp.DIV, sdiv: AluOp.DIV, or: AluOp.OR,
  and: AluOp.AND, lsh: AluOp.LSH, rsh: AluOp.RSH, mod: AluOp.MOD, smod: AluOp.MOD, xor: AluOp.XOR,
  mov: AluOp.MOV, arsh: AluOp.ARSH,
};
const JMP_OPS: Record<string, number> = {
  jeq: JmpOp.JEQ, jgt: JmpOp.JGT, jge: JmpOp.JGE, jset: JmpOp.JSET, jne: JmpOp.JNE, jsgt: JmpOp.JSGT,
  jsge: JmpOp.JSGE, jlt: JmpOp.JLT, jle: JmpOp.JLE, jslt: JmpOp.JSLT, jsle: JmpOp.JSLE,
};
const SIZE_SUFFIX: Record<string, number> = { b: Size.B, h: Size.H, w: Size.W, dw: Size.DW };
const ATOMIC_OPS: Record<string, number> = {
  add: AtomicOp.ADD, or: AtomicOp.OR, and: AtomicOp.AND, xor: AtomicOp.XOR,
  xchg: AtomicOp.XCHG, cmpxchg: AtomicOp.CMPXCHG,
};
const PSEUDO: Record<string, number> = {
  map_fd: PseudoSrc.MAP_FD, map_value: PseudoSrc.MAP_VALUE, btf_id: PseudoSrc.BTF_ID,
  func: PseudoSrc.FUNC, map_idx: PseudoSrc.MAP_IDX, map_idx_value: PseudoSrc.MAP_IDX_VALUE,
};

const NUM_RE = /^[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** A pending label reference to patch once every label is known. */
interface Fixup { index: number; label: Token; field: 'off' | 'imm'; line: number }

export function assemble(source: string, options: AssembleOptions = {}): Instruction[] {
  return new Assembler(source, options.file ?? '<input>', options.locations ?? false).run();
}

class Assembler {
  private readonly out: Instruction[] = [];
  private readonly slotOf: number[] = [];
  private slot = 0;
  private readonly labels = new Map<string, number>();
  private firstExit: number | undefined;
  private readonly fixups: Fixup[] = [];
  private line = 0;
  private lineText = '';

  constructor(private readonly source: string, private readonly file: string, private readonly withLoc: boolean) {}

  private fail(message: string, column: number, length = 1): never {
    throw new AssemblyError(message, this.line, column, Math.max(1, length), this.file, this.source);
  }
  private failAt(tok: Token, message: string): never {
    return this.fail(message, tok.column, tok.text.length);
  }

  run(): Instruction[] {
    const lines = this.source.split('\n');
    for (let i = 0; i < lines.length; i++) {
      this.line = i + 1;
      this.lineText = lines[i].replace(/\r$/, '');
      this.assembleLine(this.tokenize(this.lineText));
    }
    for (const f of this.fixups) {
      const name = f.label.text;
      let target = this.labels.get(name);
      if (target === undefined && name === 'exit') target = this.firstExit;
      if (target === undefined) {
        this.line = f.line;
        this.failAt(f.label, `undefined label '${name}'`);
      }
      const rel = target - this.slotOf[f.index] - 1;
      if (f.field === 'off') {
        if (rel < -32768 || rel > 32767) {
          this.line = f.line;
          this.failAt(f.label, `jump to '${name}' is too far (${rel} slots)`);
        }
        this.out[f.index].off = rel;
      } else {
        this.out[f.index].imm = rel;
      }
    }
    return this.out;
  }

  private tokenize(text: string): Token[] {
    const toks: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === ' ' || c === '\t') { i++; continue; }
      if (c === '#' || (c === '/' && text[i + 1] === '/')) break;
      const column = i + 1;
      if (c === ',' || c === ':' || c === '(' || c === ')') {
        toks.push({ kind: 'punct', text: c, column });
        i++;
        continue;
      }
      if (c === '[') {
        const end = text.indexOf(']', i);
        if (end < 0) this.fail("missing ']' in memory operand", column, text.length - i);
        const inner = text.slice(i + 1, end).replace(/\s+/g, '');
        const m = /^(%?r\d+)(?:([+-])(0[xX][0-9a-fA-F]+|\d+))?$/.exec(inner);
        const tokText = text.slice(i, end + 1);
        if (!m) this.fail(`bad memory operand '${tokText}' (expected [%rN+OFFSET])`, column, tokText.length);
        const reg = this.register(m[1], column, m[1].length + 1);
        let off = 0;
        if (m[2]) {
          const v = BigInt(m[3]) * (m[2] === '-' ? -1n : 1n);
          if (v < -32768n || v > 32767n) this.fail(`offset ${v} does not fit in 16 bits`, column, tokText.length);
          off = Number(v);
        }
        toks.push({ kind: 'mem', text: tokText, column, reg, off });
        i = end + 1;
        continue;
      }
      const m = /^[^\s,:()[\]#]+/.exec(text.slice(i));
      const word = m ? m[0] : c;
      if (/^%?r\d+$/.test(word)) {
        toks.push({ kind: 'reg', text: word, column, reg: this.register(word, column, word.length) });
      } else if (NUM_RE.test(word)) {
        const neg = word.startsWith('-');
        const digits = word.replace(/^[+-]/, '');
        toks.push({ kind: 'num', text: word, column, value: neg ? -BigInt(digits) : BigInt(digits) });
      } else if (/^[A-Za-z_.][\w.]*$/.test(word)) {
        toks.push({ kind: 'ident', text: word, column });
      } else {
        this.fail(`unexpected '${word}'`, column, word.length);
      }
      i += word.length;
    }
    return toks;
  }

  private register(text: string, column: number, length: number): number {
    const n = Number(text.replace(/^%?r/, ''));
    if (!(n >= 0 && n <= 10)) this.fail(`no register ${text} (registers are r0-r10)`, column, length);
    return n;
  }

  private emit(insn: Instruction, first: Token): number {
    if (this.withLoc) insn.loc = { line: this.line, column: first.column, text: this.lineText.trim() } satisfies SourceLocation;
    const index = this.out.length;
    this.out.push(insn);
    this.slotOf.push(this.slot);
    this.slot += insn.code === LDDW ? 2 : 1;
    return index;
  }

  private assembleLine(toks: Token[]): void {
    // Leading labels: `name:` (several allowed, and an instruction may follow on the same line).
    while (toks.length >= 2 && toks[0].kind === 'ident' && toks[1].kind === 'punct' && toks[1].text === ':') {
      const name = toks[0].text;
      if (this.labels.has(name)) this.failAt(toks[0], `label '${name}' defined twice`);
      this.labels.set(name, this.slot);
      toks = toks.slice(2);
    }
    if (toks.length === 0) return;
    const head = toks[0];
    if (head.kind !== 'ident') this.failAt(head, `expected an instruction mnemonic, found '${head.text}'`);
    const mn = head.text.toLowerCase();
    const rest = toks.slice(1);
    if (mn === 'lock') return this.atomic(head, rest);
    if (mn === 'call') return this.call(head, rest);
    const ops = this.splitOperands(rest, head);
    this.instruction(head, mn, ops);
  }

  /** Operands separated by commas; pseudo operands like `map_fd(3)` become one group. */
  private splitOperands(toks: Token[], head: Token): Token[][] {
    const groups: Token[][] = [];
    if (toks.length === 0) return groups;
    let cur: Token[] = [];
    for (const t of toks) {
      if (t.kind === 'punct' && t.text === ',' && !this.insideParens(cur)) {
        if (cur.length === 0) this.failAt(t, 'missing operand before comma');
        groups.push(cur);
        cur = [];
      } else {
        cur.push(t);
      }
    }
    if (cur.length === 0) this.fail('missing operand after comma', toks[toks.length - 1].column);
    groups.push(cur);
    for (const g of groups) {
      if (g.length > 1 && !(g[0].kind === 'ident' && g[1].text === '(')) {
        this.failAt(g[1], `unexpected '${g[1].text}' after operand '${g[0].text}' of ${head.text} (missing comma?)`);
      }
    }
    return groups;
  }
  private insideParens(toks: Token[]): boolean {
    let depth = 0;
    for (const t of toks) if (t.text === '(') depth++; else if (t.text === ')') depth--;
    return depth > 0;
  }

  private expectCount(head: Token, ops: Token[][], n: number, form: string): void {
    if (ops.length !== n) {
      const extra = ops[n]?.[0];
      if (extra) this.failAt(extra, `too many operands for ${head.text} (expected: ${form})`);
      this.fail(`${head.text} needs ${n} operand${n === 1 ? '' : 's'} (expected: ${form})`, head.column, head.text.length);
    }
  }
  private reg(op: Token[], what: string): number {
    const t = op[0];
    if (t.kind !== 'reg') this.failAt(t, `expected a register for ${what}, found '${t.text}'`);
    return t.reg!;
  }
  private mem(op: Token[], what: string): Token {
    const t = op[0];
    if (t.kind !== 'mem') this.failAt(t, `expected a memory operand [%rN+OFF] for ${what}, found '${t.text}'`);
    return t;
  }
  private imm32(t: Token, what: string): number {
    if (t.kind !== 'num') this.failAt(t, `expected a number for ${what}, found '${t.text}'`);
    const v = t.value!;
    if (v < -(1n << 31n) || v > 0xffffffffn) this.failAt(t, `${what} ${t.text} does not fit in 32 bits`);
    return Number(BigInt.asIntN(32, v));
  }
  /** A jump target: `+N`/`-N`/`N` slots, or a label fixed up at the end. */
  private target(t: Token, field: 'off' | 'imm'): number {
    if (t.kind === 'num') {
      const v = t.value!;
      if (field === 'off' && (v < -32768n || v > 32767n)) this.failAt(t, `jump offset ${t.text} does not fit in 16 bits`);
      if (field === 'imm' && (v < -(1n << 31n) || v >= 1n << 31n)) this.failAt(t, `jump offset ${t.text} does not fit in 32 bits`);
      return Number(v);
    }
    if (t.kind !== 'ident') this.failAt(t, `expected a jump target (label or +offset), found '${t.text}'`);
    this.pendingLabel = { label: t, field };
    return 0;
  }
  /** The label operand of the instruction being assembled, fixed up once all labels are known. */
  private pendingLabel: { label: Token; field: 'off' | 'imm' } | undefined;
  private emitWithTarget(insn: Instruction, head: Token): void {
    const index = this.emit(insn, head);
    if (this.pendingLabel) {
      this.fixups.push({ index, label: this.pendingLabel.label, field: this.pendingLabel.field, line: this.line });
      this.pendingLabel = undefined;
    }
  }

  private instruction(head: Token, mn: string, ops: Token[][]): void {
    let m: RegExpExecArray | null;
    const ins = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });

    if (mn === 'exit') {
      this.expectCount(head, ops, 0, 'exit');
      const i = this.emit(ins(Class.JMP | JmpOp.EXIT), head);
      if (this.firstExit === undefined) this.firstExit = this.slotOf[i];
      return;
    }
    if (mn === 'ja' || mn === 'ja32') {
      this.expectCount(head, ops, 1, `${mn} TARGET`);
      const wide = mn === 'ja32';
      const v = this.target(ops[0][0], wide ? 'imm' : 'off');
      this.emitWithTarget(wide ? ins(Class.JMP32 | JmpOp.JA, 0, 0, 0, v) : ins(Class.JMP | JmpOp.JA, 0, 0, v), head);
      return;
    }
    if ((m = /^(j[a-z]+?)(32)?$/.exec(mn)) && JMP_OPS[m[1]] !== undefined) {
      this.expectCount(head, ops, 3, `${mn} %rDST, %rSRC|IMM, TARGET`);
      const cls = m[2] ? Class.JMP32 : Class.JMP;
      const dst = this.reg(ops[0], 'the compared register');
      const b = ops[1][0];
      const off = this.target(ops[2][0], 'off');
      const insn = b.kind === 'reg'
        ? ins(cls | JMP_OPS[m[1]] | Source.X, dst, b.reg!, off)
        : ins(cls | JMP_OPS[m[1]] | Source.K, dst, 0, off, this.imm32(b, 'immediate'));
      this.emitWithTarget(insn, head);
      return;
    }
    if ((m = /^(be|le|bswap|swap)(16|32|64)$/.exec(mn))) {
      this.expectCount(head, ops, 1, `${mn} %rDST`);
      const dst = this.reg(ops[0], 'the swapped register');
      const code = m[1] === 'be' ? Class.ALU | AluOp.END | Source.X : m[1] === 'le' ? Class.ALU | AluOp.END | Source.K : Class.ALU64 | AluOp.END;
      this.emit(ins(code, dst, 0, 0, Number(m[2])), head);
      return;
    }
    if ((m = /^neg(32|64)?$/.exec(mn))) {
      this.expectCount(head, ops, 1, `${mn} %rDST`);
      this.emit(ins((m[1] === '32' ? Class.ALU : Class.ALU64) | AluOp.NEG, this.reg(ops[0], 'the negated register')), head);
      return;
    }
    if ((m = /^movsx(8|16|32)(32|64)$/.exec(mn))) {
      this.expectCount(head, ops, 2, `${mn} %rDST, %rSRC`);
      if (m[1] === '32' && m[2] === '32') this.failAt(head, 'movsx3232 does not exist (use mov32)');
      const cls = m[2] === '32' ? Class.ALU : Class.ALU64;
      this.emit(ins(cls | AluOp.MOV | Source.X, this.reg(ops[0], 'destination'), this.reg(ops[1], 'source'), Number(m[1])), head);
      return;
    }
    if ((m = /^([a-z]+?)(32|64)?$/.exec(mn)) && ALU_OPS[m[1]] !== undefined) {
      this.expectCount(head, ops, 2, `${mn} %rDST, %rSRC|IMM`);
      const cls = m[2] === '32' ? Class.ALU : Class.ALU64;
      const signed = m[1] === 'sdiv' || m[1] === 'smod' ? 1 : 0;
      const dst = this.reg(ops[0], 'destination');
      const b = ops[1][0];
      const insn = b.kind === 'reg'
        ? ins(cls | ALU_OPS[m[1]] | Source.X, dst, b.reg!, signed)
        : ins(cls | ALU_OPS[m[1]] | Source.K, dst, 0, signed, this.imm32(b, 'immediate'));
      this.emit(insn, head);
      return;
    }
    if ((m = /^ldx(s?)(b|h|w|dw)$/.exec(mn))) {
      this.expectCount(head, ops, 2, `${mn} %rDST, [%rSRC+OFF]`);
      if (m[1] && m[2] === 'dw') this.failAt(head, 'ldxsdw does not exist (a 64-bit load needs no sign extension)');
      const dst = this.reg(ops[0], 'destination');
      const a = this.mem(ops[1], 'the address');
      this.emit(ins(Class.LDX | (m[1] ? Mode.MEMSX : Mode.MEM) | SIZE_SUFFIX[m[2]], dst, a.reg!, a.off!), head);
      return;
    }
    if ((m = /^st(x?)(b|h|w|dw)$/.exec(mn))) {
      this.expectCount(head, ops, 2, m[1] ? `${mn} [%rDST+OFF], %rSRC` : `${mn} [%rDST+OFF], IMM`);
      const a = this.mem(ops[0], 'the address');
      const insn = m[1]
        ? ins(Class.STX | Mode.MEM | SIZE_SUFFIX[m[2]], a.reg!, this.reg(ops[1], 'the stored value'), a.off!)
        : ins(Class.ST | Mode.MEM | SIZE_SUFFIX[m[2]], a.reg!, 0, a.off!, this.imm32(ops[1][0], 'immediate'));
      this.emit(insn, head);
      return;
    }
    if (mn === 'lddw') {
      this.expectCount(head, ops, 2, 'lddw %rDST, IMM64');
      const dst = this.reg(ops[0], 'destination');
      this.emit(this.lddw(dst, ops[1]), head);
      return;
    }
    if ((m = /^ld(abs|ind)(b|h|w|dw)$/.exec(mn))) {
      const ind = m[1] === 'ind';
      this.expectCount(head, ops, ind ? 2 : 1, ind ? `${mn} %rSRC, IMM` : `${mn} IMM`);
      const src = ind ? this.reg(ops[0], 'the index register') : 0;
      const imm = this.imm32(ops[ind ? 1 : 0][0], 'packet offset');
      this.emit(ins(Class.LD | (ind ? Mode.IND : Mode.ABS) | SIZE_SUFFIX[m[2]], 0, src, 0, imm), head);
      return;
    }
    if (mn === '.insn') {
      this.expectCount(head, ops, 5, '.insn CODE, DST, SRC, OFF, IMM');
      const f = ops.map((o) => o[0]);
      const small = (t: Token, max: number, what: string): number => {
        if (t.kind !== 'num' || t.value! < 0n || t.value! > BigInt(max)) this.failAt(t, `${what} must be a number 0-${max}`);
        return Number(t.value);
      };
      const code = small(f[0], 255, 'CODE');
      if (code === LDDW) this.failAt(f[0], 'use lddw for opcode 0x18 (it takes two slots)');
      const off = f[3];
      if (off.kind !== 'num' || off.value! < -32768n || off.value! > 32767n) this.failAt(off, 'OFF must fit in 16 bits');
      this.emit(ins(code, small(f[1], 15, 'DST'), small(f[2], 15, 'SRC'), Number(off.value), this.imm32(f[4], 'IMM')), head);
      return;
    }
    this.failAt(head, `unknown instruction '${head.text}'`);
  }

  private lddw(dst: number, op: Token[]): Instruction {
    const t = op[0];
    if (t.kind === 'num') {
      const v = t.value!;
      if (op.length > 1) this.failAt(op[1], `unexpected '${op[1].text}'`);
      if (v < -(1n << 63n) || v > 0xffffffffffffffffn) this.failAt(t, `constant ${t.text} does not fit in 64 bits`);
      const u = BigInt.asUintN(64, v);
      return { code: LDDW, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, u)), imm64: u };
    }
    // pseudo form: NAME(ARG[, OFFSET])  where ARG is a number (fd/id/index) or a map name
    const kind = t.kind === 'ident' ? PSEUDO[t.text] : undefined;
    if (kind === undefined || op[1]?.text !== '(' || op[op.length - 1].text !== ')') {
      this.failAt(t, `expected a 64-bit constant or ${Object.keys(PSEUDO).join('/')}(...), found '${t.text}'`);
    }
    const inner = op.slice(2, -1);
    const arg = inner[0];
    if (!arg) this.failAt(op[1], `${t.text}(...) needs an argument`);
    let second = 0;
    if (inner.length > 1) {
      if (inner[1].text !== ',' || !inner[2] || inner.length > 3) this.failAt(inner[1], `expected ${t.text}(ARG, OFFSET)`);
      second = this.imm32(inner[2], 'offset');
    }
    const insn: Instruction = { code: LDDW, dst, src: kind, off: 0, imm: 0 };
    if (arg.kind === 'ident') {
      insn.ref = arg.text;
    } else if (arg.kind === 'num') {
      insn.imm = this.imm32(arg, 'argument');
    } else {
      this.failAt(arg, `expected a number or a name, found '${arg.text}'`);
    }
    insn.imm64 = (BigInt(second >>> 0) << 32n) | BigInt(insn.imm >>> 0);
    return insn;
  }

  /** lock [fetch] OP[32] [%rDST+OFF], %rSRC */
  private atomic(head: Token, toks: Token[]): void {
    const words: Token[] = [];
    while (toks.length && toks[0].kind === 'ident') words.push(toks.shift()!);
    const form = 'lock [fetch] add|or|and|xor|xchg|cmpxchg[32] [%rDST+OFF], %rSRC';
    const fetch = words[0]?.text === 'fetch';
    if (fetch) words.shift();
    const opTok = words[0];
    if (!opTok) this.fail(`lock needs an operation (${form})`, head.column, head.text.length);
    if (words.length > 1) this.failAt(words[1], `unexpected '${words[1].text}' (${form})`);
    const m = /^([a-z]+?)(32|64)?$/.exec(opTok.text);
    const base = m ? ATOMIC_OPS[m[1]] : undefined;
    if (base === undefined || !m) this.failAt(opTok, `unknown atomic operation '${opTok.text}' (${form})`);
    if (fetch && (m[1] === 'xchg' || m[1] === 'cmpxchg')) this.failAt(opTok, `${m[1]} always fetches; drop 'fetch'`);
    const ops = this.splitOperands(toks, head);
    this.expectCount(head, ops, 2, form);
    const a = this.mem(ops[0], 'the address');
    const src = this.reg(ops[1], 'the operand');
    const size = m[2] === '32' ? Size.W : Size.DW;
    this.emit({ code: Class.STX | Mode.ATOMIC | size, dst: a.reg!, src, off: a.off!, imm: base | (fetch ? AtomicOp.FETCH : 0) }, head);
  }

  /** call IMM | call helper IMM | call NAME | call local TARGET | call kfunc IMM | call %rN */
  private call(head: Token, toks: Token[]): void {
    const CALL = Class.JMP | JmpOp.CALL;
    const form = 'call HELPER | call local TARGET | call kfunc ID | call %rN';
    if (toks.length === 0) this.fail(`call needs a target (${form})`, head.column, head.text.length);
    let mode = 'helper';
    if (toks[0].kind === 'ident' && ['helper', 'local', 'runtime', 'kfunc'].includes(toks[0].text) && toks.length > 1) {
      mode = toks.shift()!.text;
    }
    if (toks.length > 1) this.failAt(toks[1], `unexpected '${toks[1].text}' (${form})`);
    const t = toks[0];
    if (mode === 'local') {
      const v = this.target(t, 'imm');
      this.emitWithTarget({ code: CALL, dst: 0, src: CallSrc.LOCAL, off: 0, imm: v }, head);
      return;
    }
    if (t.kind === 'reg' && mode === 'helper') {
      // callx: the conformance suite's encoding keeps the register in dst.
      this.emit({ code: CALL | Source.X, dst: t.reg!, src: 0, off: 0, imm: 0 }, head);
      return;
    }
    let id: number;
    if (t.kind === 'ident' && mode === 'helper') {
      const name = t.text.replace(/^bpf_/, '');
      const known = (Helper as Record<string, number>)[name];
      if (known === undefined) this.failAt(t, `unknown helper '${t.text}'`);
      id = known;
    } else {
      id = this.imm32(t, mode === 'helper' ? 'helper id' : 'function id');
    }
    this.emit({ code: CALL, dst: 0, src: mode === 'helper' ? CallSrc.HELPER : CallSrc.KFUNC, off: 0, imm: id }, head);
  }
}
