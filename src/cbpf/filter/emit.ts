// From a condition tree to a classic BPF program: short-circuit code as a graph of blocks (each
// block: statements that compute A, one conditional jump), then an optimizer in the spirit of
// libpcap's: values are named by what they load from the packet, so a block can learn along each
// edge what is already in A and X and which comparisons are already decided, and
//  - a load whose value is already in the register is removed,
//  - a test whose outcome is known on an edge is jumped over (jump threading),
//  - unreachable and duplicate blocks disappear.
// Only loads that already happened on the path are ever skipped, so a load past the end of a
// short packet still rejects it exactly where libpcap's program would.
import { type CbpfInstruction, CClass, CMode, CJmp, CSrc, CMisc, COp, cinsn, cClass, cMode, cOp, cSrc, cSize } from '../instruction.js';
import type { Cond } from './codegen.js';

interface Block {
  id: number;
  stmts: CbpfInstruction[];
  /** Conditional jump (JMP class, not JA); undefined for a return block. */
  test?: CbpfInstruction;
  ret?: number;
  jt?: Block;
  jf?: Block;
}

export interface EmitOptions {
  /** Value of the accepting `ret` (the snapshot length). */
  snaplen: number;
  optimize?: boolean;
}

export function emitProgram(cond: Cond | undefined, options: EmitOptions): CbpfInstruction[] {
  let nextId = 0;
  const blocks: Block[] = [];
  const mk = (b: Omit<Block, 'id'>): Block => { const x = { id: nextId++, ...b }; blocks.push(x); return x; };
  const reject = mk({ stmts: [], ret: 0 });
  const accept = mk({ stmts: [], ret: options.snaplen >>> 0 });
  const lower = (c: Cond, t: Block, f: Block): Block => {
    switch (c.k) {
      case 'const': return c.value ? t : f;
      case 'not': return lower(c.a, f, t);
      case 'and': { const b = lower(c.b, t, f); return lower(c.a, b, f); }
      case 'or': { const b = lower(c.b, t, f); return lower(c.a, t, b); }
      case 'atom': {
        const stmts = c.stmts.map((s) => ({ ...s }));
        const last = stmts[stmts.length - 1];
        // `(A & k) == 0` is `jset #k` with the targets swapped (libpcap's peephole).
        if (last && last.code === (CClass.ALU | COp.AND | CSrc.K) && c.test.code === (CClass.JMP | CJmp.JEQ | CSrc.K) && c.test.k === 0) {
          stmts.pop();
          return mk({ stmts, test: cinsn(CClass.JMP | CJmp.JSET | CSrc.K, last.k), jt: f, jf: t });
        }
        return mk({ stmts, test: { ...c.test }, jt: t, jf: f });
      }
    }
  };
  let entry = cond ? lower(cond, accept, reject) : accept;
  while (entry.test && entry.jt === entry.jf) entry = entry.jt!;
  if (options.optimize !== false) {
    optimize(entry);
    while (entry.test && entry.jt === entry.jf) entry = entry.jt!;
  }
  return linearize(entry);
}

// ---- symbolic values ------------------------------------------------------------------------

/** What a register holds, as a pure function of the packet ("h[12]", "(b[x+14]&240)"); null: unknown. */
type Key = string | null;
interface State { a: Key; x: Key; mem: Key[]; facts: Map<string, Fact> }
/** What the path has established about a value: the values it may have (oneOf), values it
 * cannot have, a range, bits known clear and masks known to have a bit set. */
interface Fact { oneOf?: Set<number>; ne: Set<number>; lo: number; hi: number; clear: number; anySet: Set<number> }
const freshFact = (): Fact => ({ ne: new Set(), lo: 0, hi: 0xffffffff, clear: 0, anySet: new Set() });

const SIZE_NAME = ['w', 'h', 'b'];

/** Simulate one statement on the symbolic state; returns the register it writes and its new key. */
function step(s: State, p: CbpfInstruction): { reg: 'a' | 'x' | 'mem' | 'none'; key: Key } {
  const cls = cClass(p.code);
  const k = p.k >>> 0;
  const sz = SIZE_NAME[cSize(p.code) >> 3] ?? '?';
  switch (cls) {
    case CClass.LD:
      switch (cMode(p.code)) {
        case CMode.ABS: return { reg: 'a', key: k >= 0xfffff000 ? null : `${sz}[${k}]` };
        case CMode.IND: return { reg: 'a', key: s.x === null ? null : `${sz}[${s.x}+${k}]` };
        case CMode.LEN: return { reg: 'a', key: 'len' };
        case CMode.IMM: return { reg: 'a', key: `#${k}` };
        case CMode.MEM: return { reg: 'a', key: s.mem[k & 15] ?? null };
      }
      return { reg: 'a', key: null };
    case CClass.LDX:
      switch (cMode(p.code)) {
        case 0xa0: return { reg: 'x', key: `msh[${k}]` };
        case CMode.IMM: return { reg: 'x', key: `#${k}` };
        case CMode.LEN: return { reg: 'x', key: 'len' };
        case CMode.MEM: return { reg: 'x', key: s.mem[k & 15] ?? null };
      }
      return { reg: 'x', key: null };
    case CClass.ALU: {
      if (s.a === null) return { reg: 'a', key: null };
      if (cOp(p.code) === COp.NEG) return { reg: 'a', key: `-(${s.a})` };
      const rhs = cSrc(p.code) === CSrc.X ? s.x : `#${k}`;
      return { reg: 'a', key: rhs === null ? null : `(${s.a}${cOp(p.code).toString(16)}${rhs})` };
    }
    case CClass.MISC:
      return (p.code & 0xf8) === CMisc.TAX ? { reg: 'x', key: s.a } : { reg: 'a', key: s.x };
    case CClass.ST: case CClass.STX:
      return { reg: 'mem', key: null };
  }
  return { reg: 'none', key: null };
}

function apply(s: State, p: CbpfInstruction): void {
  const r = step(s, p);
  if (r.reg === 'a') s.a = r.key;
  else if (r.reg === 'x') s.x = r.key;
  else if (cClass(p.code) === CClass.ST) s.mem[p.k & 15] = s.a;
  else if (cClass(p.code) === CClass.STX) s.mem[p.k & 15] = s.x;
}

const cloneFact = (f: Fact): Fact => ({ oneOf: f.oneOf && new Set(f.oneOf), ne: new Set(f.ne), lo: f.lo, hi: f.hi, clear: f.clear, anySet: new Set(f.anySet) });
const cloneState = (s: State): State => ({ a: s.a, x: s.x, mem: [...s.mem], facts: new Map([...s.facts].map(([k, f]) => [k, cloneFact(f)])) });

function meet(a: State | undefined, b: State): State {
  if (!a) return cloneState(b);
  const facts = new Map<string, Fact>();
  for (const [k, fa] of a.facts) {
    const fb = b.facts.get(k);
    if (!fb) continue;
    const excluded = (f: Fact, v: number): boolean => f.ne.has(v) || (f.oneOf !== undefined && !f.oneOf.has(v)) || v < f.lo || v > f.hi;
    const f: Fact = {
      oneOf: fa.oneOf && fb.oneOf ? new Set([...fa.oneOf, ...fb.oneOf]) : undefined,
      ne: new Set([...fa.ne, ...fb.ne].filter((v) => excluded(fa, v) && excluded(fb, v))),
      lo: Math.min(fa.lo, fb.lo), hi: Math.max(fa.hi, fb.hi), clear: fa.clear & fb.clear,
      anySet: new Set([...fa.anySet].filter((m) => fb.anySet.has(m))),
    };
    facts.set(k, f);
  }
  return { a: a.a === b.a ? a.a : null, x: a.x === b.x ? a.x : null, mem: a.mem.map((m, i) => (m === b.mem[i] ? m : null)), facts };
}

/** What taking the edge of `test` (on value `key`) says: true edge or false edge. */
function edgeFact(facts: Map<string, Fact>, key: Key, test: CbpfInstruction, taken: boolean): void {
  if (key === null || cSrc(test.code) === CSrc.X) return;
  const f = facts.get(key) ?? freshFact();
  const k = test.k >>> 0;
  switch (cOp(test.code)) {
    case CJmp.JEQ:
      if (taken) f.oneOf = new Set([k]);
      else f.ne.add(k);
      break;
    case CJmp.JGT:
      if (taken) f.lo = Math.max(f.lo, k + 1);
      else f.hi = Math.min(f.hi, k);
      break;
    case CJmp.JGE:
      if (taken) f.lo = Math.max(f.lo, k);
      else f.hi = Math.min(f.hi, k - 1);
      break;
    case CJmp.JSET:
      if (taken) f.anySet.add(k);
      else f.clear = (f.clear | k) >>> 0;
      break;
  }
  facts.set(key, f);
}

/** The outcome of `test` on a value with known facts, if decided. */
function decide(f: Fact | undefined, test: CbpfInstruction): boolean | undefined {
  if (!f || cSrc(test.code) === CSrc.X) return undefined;
  const k = test.k >>> 0;
  const values = f.oneOf ? [...f.oneOf].filter((v) => !f.ne.has(v) && v >= f.lo && v <= f.hi && (v & f.clear) === 0) : undefined;
  const all = (pred: (v: number) => boolean): boolean | undefined => {
    if (!values || values.length === 0) return undefined;
    const r = values.map(pred);
    return r.every((x) => x) ? true : r.every((x) => !x) ? false : undefined;
  };
  switch (cOp(test.code)) {
    case CJmp.JEQ:
      if (f.ne.has(k) || k < f.lo || k > f.hi || (k & f.clear) !== 0) return false;
      return all((v) => v === k);
    case CJmp.JGT:
      if (f.lo > k) return true;
      if (f.hi <= k) return false;
      return all((v) => v > k);
    case CJmp.JGE:
      if (f.lo >= k) return true;
      if (f.hi < k) return false;
      return all((v) => v >= k);
    case CJmp.JSET:
      if ((k & ~f.clear) === 0) return false;
      if ([...f.anySet].some((m) => (m & ~k) === 0)) return true;
      return all((v) => (v & k) !== 0);
  }
  return undefined;
}

function reachable(entry: Block): Block[] {
  // Reverse postorder: every block after all its predecessors (the graph is acyclic).
  const seen = new Set<Block>();
  const post: Block[] = [];
  const visit = (b: Block): void => {
    if (seen.has(b)) return;
    seen.add(b);
    if (b.jf) visit(b.jf);
    if (b.jt) visit(b.jt);
    post.push(b);
  };
  visit(entry);
  return post.reverse();
}

function analyse(entry: Block): { order: Block[]; exit: Map<Block, State>; entryState: Map<Block, State>; testKey: Map<Block, Key> } {
  const order = reachable(entry);
  const entryState = new Map<Block, State>();
  const exit = new Map<Block, State>();
  const testKey = new Map<Block, Key>();
  entryState.set(entry, { a: null, x: null, mem: new Array<Key>(16).fill(null), facts: new Map() });
  for (const b of order) {
    const s = cloneState(entryState.get(b)!);
    for (const p of b.stmts) apply(s, p);
    exit.set(b, s);
    testKey.set(b, s.a);
    if (!b.test) continue;
    for (const [succ, taken] of [[b.jt!, true], [b.jf!, false]] as const) {
      const e = cloneState(s);
      edgeFact(e.facts, s.a, b.test, taken);
      entryState.set(succ, meet(entryState.get(succ), e));
    }
  }
  return { order, exit, entryState, testKey };
}

function optimize(entry: Block): void {
  for (let round = 0; round < 100; round++) {
    const { order, exit, testKey } = analyse(entry);
    let changed = false;
    // Jump threading: follow an edge through blocks whose test is decided by what the edge knows.
    for (const b of order) {
      if (!b.test) continue;
      for (const side of ['jt', 'jf'] as const) {
        const facts = cloneState(exit.get(b)!).facts;
        edgeFact(facts, testKey.get(b)!, b.test, side === 'jt');
        let target = b[side]!;
        const visited = new Set<Block>();
        for (;;) {
          if (!target.test || visited.has(target)) break;
          visited.add(target);
          // The target's value, computed from this edge's state by the target's own statements.
          const s = cloneState(exit.get(b)!);
          s.facts = facts;
          for (const p of target.stmts) apply(s, p);
          const outcome = s.a === null ? undefined : decide(facts.get(s.a), target.test);
          if (outcome === undefined) break;
          // Skipping the target is only sound if it loads nothing new (its value is known, so
          // every load in it already happened on this path): require its key to be in the facts.
          target = outcome ? target.jt! : target.jf!;
        }
        if (target !== b[side]) { b[side] = target; changed = true; }
      }
    }
    // A test whose both edges go to the same block decides nothing: bypass it, as libpcap does.
    for (const b of reachable(entry)) {
      for (const side of ['jt', 'jf'] as const) {
        let t = b[side];
        while (t && t.test && t.jt === t.jf) t = t.jt;
        if (t && t !== b[side]) { b[side] = t; changed = true; }
      }
    }
    // Merge duplicate blocks (same statements, test and successors).
    const sig = new Map<string, Block>();
    const replace = new Map<Block, Block>();
    for (const b of [...reachable(entry)].reverse()) {
      const s = JSON.stringify([b.stmts, b.test, b.ret, b.jt && (replace.get(b.jt) ?? b.jt).id, b.jf && (replace.get(b.jf) ?? b.jf).id]);
      const prev = sig.get(s);
      if (prev && prev !== b) replace.set(b, prev);
      else sig.set(s, b);
    }
    if (replace.size) {
      for (const b of reachable(entry)) {
        if (b.jt && replace.has(b.jt)) { b.jt = replace.get(b.jt)!; changed = true; }
        if (b.jf && replace.has(b.jf)) { b.jf = replace.get(b.jf)!; changed = true; }
      }
    }
    if (!changed) break;
  }
  // Remove loads whose value is already in the register on every incoming path.
  const { order, entryState } = analyse(entry);
  for (const b of order) {
    const s = cloneState(entryState.get(b)!);
    b.stmts = b.stmts.filter((p) => {
      const r = step(s, p);
      const redundant = (r.reg === 'a' && r.key !== null && r.key === s.a) || (r.reg === 'x' && r.key !== null && r.key === s.x);
      apply(s, p);
      return !redundant;
    });
  }
  // Blocks left with the same code and successors are one block, whatever their registers hold
  // on entry (the code does the same thing on every path): `tcp or udp` shares its final
  // `jeq #17` between the IPv4 and IPv6 paths, as libpcap does. No analysis runs after this.
  mergeIdentical(entry);
}

function mergeIdentical(entry: Block): void {
  for (;;) {
    const sig = new Map<string, Block>();
    const replace = new Map<Block, Block>();
    for (const b of [...reachable(entry)].reverse()) {
      const s = JSON.stringify([b.stmts, b.test, b.ret, b.jt?.id, b.jf?.id]);
      const prev = sig.get(s);
      if (prev && prev !== b) replace.set(b, prev);
      else sig.set(s, b);
    }
    if (!replace.size) return;
    for (const b of reachable(entry)) {
      if (b.jt && replace.has(b.jt)) b.jt = replace.get(b.jt)!;
      if (b.jf && replace.has(b.jf)) b.jf = replace.get(b.jf)!;
    }
  }
}

/** Lay the blocks out in order and resolve jumps; a conditional jump reaches 255 instructions,
 * beyond that it goes through a `ja`. */
function linearize(entry: Block): CbpfInstruction[] {
  const order = reachable(entry);
  // Order returns last (libpcap puts them at the end), keeping the rest in flow order.
  const body = order.filter((b) => b.ret === undefined);
  const rets = order.filter((b) => b.ret !== undefined);
  const layout = [...body, ...rets];
  const far = new Set<Block>();
  for (;;) {
    const start = new Map<Block, number>();
    let pc = 0;
    for (const b of layout) {
      start.set(b, pc);
      pc += b.stmts.length + 1 + (far.has(b) ? 2 : 0);
    }
    let grew = false;
    const out: CbpfInstruction[] = [];
    for (const b of layout) {
      out.push(...b.stmts.map((s) => ({ ...s })));
      if (b.ret !== undefined) { out.push(cinsn(CClass.RET | CSrc.K, b.ret)); continue; }
      const here = out.length;
      const t = start.get(b.jt!)! - (here + 1);
      const f = start.get(b.jf!)! - (here + 1);
      if (far.has(b)) {
        out.push({ ...b.test!, jt: 0, jf: 1 });
        out.push(cinsn(CClass.JMP | CJmp.JA, t - 1));
        out.push(cinsn(CClass.JMP | CJmp.JA, f - 2));
      } else {
        if (t > 255 || f > 255) { far.add(b); grew = true; }
        out.push({ ...b.test!, jt: t, jf: f });
      }
    }
    if (!grew) return out;
  }
}
