// Dead-code elimination: drop side-effect-free instructions whose result nobody reads (the
// context copy of a probe that never touches `args`, constants of folded-away branches). Runs to
// a fixed point, since removing one use can make its operands dead in turn.
import { defs, IrFunction, uses } from './ir.js';

const PURE = new Set(['ctx', 'const', 'ldmap', 'lea', 'alu', 'neg', 'bswap', 'ldx']);

export function eliminateDeadCode(fn: IrFunction): IrFunction {
  let insns = removeDeadStores(foldImmediates(removeUnreachable(fn.insns)));
  for (;;) {
    const used = new Set<number>();
    for (const i of insns) for (const v of uses(i)) used.add(v.id);
    const next = insns.filter((i) => {
      if (!PURE.has(i.op)) return true;
      // `alu dst, src` reads dst too; it is dead only if dst is not read anywhere else.
      const d = defs(i);
      return d.some((v) => used.has(v.id) && !(i.op === 'alu' && i.alu !== 'mov' && onlyUsedBySelf(insns, v.id)));
    });
    if (next.length === insns.length) return { ...fn, insns };
    insns = next;
  }
}

/** True when every read of vreg `id` is by an instruction that also writes it (x += 1 chains). */
function onlyUsedBySelf(insns: IrFunction['insns'], id: number): boolean {
  for (const i of insns) {
    if (!uses(i).some((v) => v.id === id)) continue;
    if (!defs(i).some((v) => v.id === id) || !PURE.has(i.op)) return false;
  }
  return true;
}

/**
 * Drop code after an unconditional jump or exit up to the next label that some jump targets:
 * the kernel rejects programs with unreachable instructions (`exit(); printf(...)`).
 */
export function removeUnreachable(insns: IrFunction['insns']): IrFunction['insns'] {
  const targets = new Set<string>();
  for (const i of insns) if (i.op === 'jmp' || i.op === 'ja') targets.add(i.target);
  const out: IrFunction['insns'] = [];
  let dead = false;
  for (const i of insns) {
    if (i.op === 'label' && targets.has(i.name)) dead = false;
    if (dead && i.op !== 'loop') continue;
    // A jump to the label that follows anyway is a no-op (`exit()` at the end of a probe).
    if (i.op === 'label') {
      for (let j = out.length - 1; j >= 0 && (out[j].op === 'label' || out[j].op === 'loop' || out[j].op === 'ja'); j--) {
        const o = out[j];
        if (o.op === 'ja' && o.target === i.name) { out.splice(j, 1); break; }
        if (o.op === 'ja') break;
      }
    }
    out.push(i);
    if (i.op === 'ja' || i.op === 'exit') dead = true;
  }
  return out;
}

/**
 * Use immediates where a register only carries a small constant: `x = 5; *p = x` becomes
 * `*p = 5`, `y += x` becomes `y += 5` (the constant is then dead and removed). Only for virtual
 * registers with exactly one definition, so the value is the constant on every path.
 */
export function foldImmediates(insns: IrFunction['insns']): IrFunction['insns'] {
  const defCount = new Map<number, number>();
  const constOf = new Map<number, number>();
  for (const i of insns) {
    for (const v of defs(i)) defCount.set(v.id, (defCount.get(v.id) ?? 0) + 1);
    if (i.op === 'const') {
      const s = BigInt.asIntN(64, i.value);
      if (s >= -(2n ** 31n) && s < 2n ** 31n) constOf.set(i.dst.id, Number(s));
    }
  }
  const imm = (v: unknown): number | undefined => {
    if (typeof v !== 'object' || v === null || !('id' in v)) return undefined;
    const id = (v as { id: number }).id;
    return defCount.get(id) === 1 ? constOf.get(id) : undefined;
  };
  return insns.map((i) => {
    if (i.op === 'stx') {
      const k = imm(i.src);
      if (k !== undefined) return { op: 'st', size: i.size, base: i.base, off: i.off, imm: k, loc: i.loc };
    }
    if (i.op === 'alu' && !i.signed) {
      const k = imm(i.src);
      if (k !== undefined) return { ...i, src: k };
    }
    if (i.op === 'jmp') {
      const k = imm(i.b);
      if (k !== undefined) return { ...i, b: k };
    }
    return i;
  });
}

const SIZE_BYTES: Record<string, number> = { b: 1, h: 2, w: 4, dw: 8 };
/** get_current_comm, probe_read_user, probe_read_kernel (helper ids from uapi bpf.h). */
const FILLING_HELPERS = new Set([16, 112, 113]);

/**
 * Drop a stack store that is overwritten before anything can read it: buffers are zeroed when
 * allocated (map keys must not hash stale bytes) and are often filled right after. The scan
 * stops at anything that may read the slot or change control flow (labels, jumps, calls).
 */
export function removeDeadStores(insns: IrFunction['insns']): IrFunction['insns'] {
  const dead = new Set<number>();
  // Registers that never point into this function's stack: function arguments (the context, or
  // a callback's map key/value and its caller's stack) and helper results (map values). Loads
  // through them cannot read the slot.
  const notStack = new Set<number>();
  const otherDefs = new Set<number>();
  for (const i of insns) {
    for (const v of defs(i)) (i.op === 'ctx' || i.op === 'call' ? notStack : otherDefs).add(v.id);
  }
  for (const id of otherDefs) notStack.delete(id);
  insns.forEach((i, at) => {
    if ((i.op !== 'st' && i.op !== 'stx') || i.base !== 'fp') return;
    const lo = i.off, hi = i.off + SIZE_BYTES[i.size];
    for (let j = at + 1; j < insns.length; j++) {
      const n = insns[j];
      if (n.op === 'label' || n.op === 'jmp' || n.op === 'ja' || n.op === 'exit' || n.op === 'loop' || n.op === 'lea') return;
      // A helper reads stack only through pointer arguments; one that starts below the slot's
      // end may cover it (registers may hold any stack pointer, so they stop the scan too).
      if (n.op === 'call') {
        // Helpers that fill [buf, buf+n) whatever happens (probe_read zero-fills on failure).
        const a0 = n.args[0], a1 = n.args[1];
        if (FILLING_HELPERS.has(n.helper) && a0 && 'fp' in a0 && a1 && 'imm' in a1) {
          const flo = a0.fp, fhi = a0.fp + Number(a1.imm);
          if (flo <= lo && fhi >= hi) { dead.add(at); return; }
          if (!(fhi <= lo || flo >= hi)) return;
          continue;
        }
        if (n.args.some((a) => !('imm' in a) && !('map' in a) && (!('fp' in a) || a.fp < hi))) return;
        continue;
      }
      if (n.op === 'ldx' || n.op === 'st' || n.op === 'stx' || n.op === 'atomic') {
        if (n.base !== 'fp') {
          if ((n.op === 'ldx' || n.op === 'atomic') && !notStack.has(n.base.id)) return;
          continue;
        }
        const nlo = n.off, nhi = n.off + SIZE_BYTES[n.size];
        if (nhi <= lo || nlo >= hi) continue;
        // The first access to the slot: a store covering it kills ours; anything else keeps it.
        if ((n.op === 'st' || n.op === 'stx') && nlo <= lo && nhi >= hi) dead.add(at);
        return;
      }
    }
  });
  return dead.size ? insns.filter((_, i) => !dead.has(i)) : insns;
}
