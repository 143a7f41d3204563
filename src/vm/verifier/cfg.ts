// Checks on the program's shape before any path is explored (the kernel's check_cfg):
// every jump lands on an instruction inside the program and never inside an lddw, every
// instruction is reachable, and control cannot run off the end. Also finds the prune points.
import { Instruction, slotOffsets, slots } from '../../isa/instruction.js';
import { CallSrc, Class, JmpOp, LDDW, opAlu, opClass } from '../../isa/opcodes.js';
import { VerifierError } from './errors.js';
import { logLine } from './disasm.js';

export interface ProgramShape {
  /** Instruction at each slot (undefined for the second slot of an lddw). */
  at: (Instruction | undefined)[];
  /** Slot index of each instruction. */
  pcs: number[];
  /** Slots where states are stored and compared. */
  prunePoints: Uint8Array;
}

/** Where control may go after the instruction at `pc` (not counting returns from calls). */
export function successors(insn: Instruction, pc: number): number[] {
  const cls = opClass(insn.code);
  const next = pc + slots(insn);
  if (cls !== Class.JMP && cls !== Class.JMP32) return [next];
  const op = opAlu(insn.code);
  if (op === JmpOp.EXIT) return [];
  if (op === JmpOp.CALL) return insn.src === CallSrc.LOCAL ? [next, pc + insn.imm + 1] : [next];
  if (op === JmpOp.JA) return [pc + 1 + (cls === Class.JMP32 ? insn.imm : insn.off)];
  return [next, pc + 1 + insn.off];
}

export function checkShape(program: readonly Instruction[]): ProgramShape {
  if (program.length === 0) throw new VerifierError('empty program', -1, '');
  const pcs = slotOffsets(program);
  const total = pcs[pcs.length - 1] + slots(program[program.length - 1]);
  const at: (Instruction | undefined)[] = new Array(total).fill(undefined);
  program.forEach((insn, i) => { at[pcs[i]] = insn; });
  const fail = (reason: string, pc: number): never => {
    throw new VerifierError(reason, pc, at[pc] ? logLine(pc, at[pc]!) : '');
  };
  const prunePoints = new Uint8Array(total + 1);
  program.forEach((insn, i) => {
    const pc = pcs[i];
    if (insn.code === LDDW && insn.src > 6) fail('invalid BPF_LD_IMM insn', pc);
    const cls = opClass(insn.code);
    if (cls !== Class.JMP && cls !== Class.JMP32) return;
    const op = opAlu(insn.code);
    if (op === JmpOp.EXIT) return;
    if (op === JmpOp.CALL && insn.src !== CallSrc.LOCAL) return;
    const targets = successors(insn, pc);
    const target = op === JmpOp.CALL ? targets[1] : targets[targets.length - 1];
    if (op === JmpOp.CALL) {
      if (target < 0 || target >= total) fail(`function calls to unknown / out of range target ${target}`, pc);
    } else if (target < 0 || target >= total) fail(`jump out of range from insn ${pc} to ${target}`, pc);
    if (at[target] === undefined) fail(`jump into the middle of ldimm64 insn ${target - 1}`, pc);
    prunePoints[target] = 1;
    if (op !== JmpOp.JA && op !== JmpOp.CALL) prunePoints[pc + 1] = 1;
    if (op === JmpOp.CALL) prunePoints[pc + 1] = 1;
  });
  // Reachability by depth-first search from the entry.
  const seen = new Uint8Array(total);
  const work = [0];
  seen[0] = 1;
  while (work.length) {
    const pc = work.pop()!;
    const insn = at[pc]!;
    for (const next of successors(insn, pc)) {
      if (next >= total) {
        fail(`last insn is not an exit or jmp`, pc);
      }
      if (!seen[next]) { seen[next] = 1; work.push(next); }
    }
  }
  for (const pc of pcs) if (!seen[pc]) fail(`unreachable insn ${pc}`, pc);
  return { at, pcs, prunePoints };
}
