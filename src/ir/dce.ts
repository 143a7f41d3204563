// Dead-code elimination: drop side-effect-free instructions whose result nobody reads (the
// context copy of a probe that never touches `args`, constants of folded-away branches). Runs to
// a fixed point, since removing one use can make its operands dead in turn.
import { defs, IrFunction, uses } from './ir.js';

const PURE = new Set(['ctx', 'const', 'ldmap', 'lea', 'alu', 'neg', 'ldx']);

export function eliminateDeadCode(fn: IrFunction): IrFunction {
  let insns = removeUnreachable(fn.insns);
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
    out.push(i);
    if (i.op === 'ja' || i.op === 'exit') dead = true;
  }
  return out;
}
