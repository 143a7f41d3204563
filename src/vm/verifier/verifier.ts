// The static verifier: explores every path through the program (forking at conditional jumps,
// pruning paths whose state is covered by an already verified one) and rejects the program at
// the first instruction that could misbehave. What it proves is handed on to the engines:
// `safeAccesses` are the loads and stores the JIT may run without a bounds check.
import { Instruction, constant } from '../../isa/instruction.js';
import { CallSrc, Class, JmpOp, LDDW, Mode, PseudoSrc, opAlu, opClass, opMode, opSize, sizeBytes } from '../../isa/opcodes.js';
import { Env, VerifierOptions } from './env.js';
import { VerifierError } from './errors.js';
import { Checkpoint, VerifierState } from './state.js';
import { constScalar, pointer } from './register.js';
import { checkShape } from './cfg.js';
import { reservedFieldsProblem } from './reserved-fields.js';
import { liveRegisters } from './liveness.js';
import { USERSPACE_HELPERS } from './helper-prototypes.js';
import { aluStep, checkRead } from './alu.js';
import { branch } from './branches.js';
import { checkMemAccess } from './memory-access.js';
import { helperCall, localCall, localReturn } from './calls.js';

export type { VerifierOptions } from './env.js';

export interface VerifiedProgram {
  readonly instructions: readonly Instruction[];
  /** Slot pcs of loads/stores proven inside their object on every path (no runtime check needed). */
  readonly safeAccesses: ReadonlySet<number>;
  /** Instructions processed over all paths (the kernel's "processed N insns"). */
  readonly processed: number;
  /** States stored at prune points, as in the kernel's log summary. */
  readonly storedStates: number;
  readonly options: VerifierOptions;
}

/** The kernel's limit on instructions processed (BPF_COMPLEXITY_LIMIT_INSNS). */
export const COMPLEXITY_LIMIT = 1_000_000;

export function verify(program: readonly Instruction[], options: VerifierOptions): VerifiedProgram {
  const shape = checkShape(program);
  const env = new Env(options);
  const limit = options.insnLimit ?? COMPLEXITY_LIMIT;
  const ctx = options.context;
  const r1 = ctx.type === 'mem' ? pointer('mem', { memSize: ctx.size }) : pointer('ctx');
  const init = VerifierState.initial(r1, ctx.type === 'mem' ? constScalar(BigInt(ctx.size)) : undefined);
  const explored = new Map<number, Checkpoint[]>();
  const live = liveRegisters(shape, options.helpers ?? USERSPACE_HELPERS);
  const safe = new Set<number>();
  let processed = 0;
  let stored = 0;
  let jumps = 0, lastJumps = 0, lastProcessed = 0;
  const inProgress = new Map<number, Checkpoint[]>();

  /** A path ended (exit or pruned): its checkpoints may now be complete. */
  const pathDone = (st: VerifierState): void => {
    for (let c = st.parent; c; c = c.parent) {
      if (--c.branches > 0) break;
      // Fully explored: from now on it can prune.
      const list = explored.get(c.pc);
      if (list) list.push(c); else explored.set(c.pc, [c]);
      const key = c.pc * 4294967296 + c.state.fingerprint();
      const same = inProgress.get(key);
      if (same) same.splice(same.indexOf(c), 1);
    }
  };

  const work: { pc: number; st: VerifierState }[] = [{ pc: 0, st: init }];
  while (work.length) {
    let { pc, st } = work.pop()!;
    for (;;) {
      if (++processed > limit) throw new VerifierError(`BPF program is too large. Processed ${processed} insn`, pc, '');
      const insn = shape.at[pc]!;
      env.pc = pc;
      env.insn = insn;

      if (shape.prunePoints[pc]) {
        // Infinite loop: the very same state is already being explored further up this path.
        const key = pc * 4294967296 + st.fingerprint();
        for (const cp of inProgress.get(key) ?? []) {
          if (cp.branches > 0 && cp.state.covers(st, true)) env.fail(`infinite loop detected at insn ${pc}`);
        }
        // Pruning: a fully explored state at this pc that covers ours.
        const list = explored.get(pc) ?? [];
        let pruned = false;
        for (let i = 0; i < list.length; i++) {
          const cp = list[i];
          if (cp.state.covers(st, false, live[pc])) { cp.hits++; pruned = true; break; }
          // States that keep failing to prune are dropped (the kernel's miss heuristic).
          if (++cp.misses > cp.hits * 3 + 3) { list.splice(i--, 1); }
        }
        if (pruned) { pathDone(st); break; }
        // Like the kernel, store a new state only every few jumps/instructions: each loop
        // iteration would otherwise add one that rarely helps.
        if (jumps - lastJumps >= 2 && processed - lastProcessed >= 8) {
          const cp: Checkpoint = { pc, state: st.clone(), branches: 1, parent: st.parent, hits: 0, misses: 0 };
          const same = inProgress.get(key);
          if (same) same.push(cp); else inProgress.set(key, [cp]);
          stored++;
          st.parent = cp;
          lastJumps = jumps;
          lastProcessed = processed;
        }
      }

      const cls = opClass(insn.code);
      const regs = st.regs;
      const reserved = cls === Class.JMP && opAlu(insn.code) === JmpOp.CALL && insn.code !== (Class.JMP | JmpOp.CALL) ? undefined : reservedFieldsProblem(insn);
      if (reserved) env.fail(reserved);
      if (insn.dst > 10) env.fail(`R${insn.dst} is invalid`);
      if (insn.src > 10 && (cls === Class.LDX || cls === Class.STX || ((cls === Class.ALU || cls === Class.ALU64 || cls === Class.JMP || cls === Class.JMP32) && (insn.code & 0x08) && opAlu(insn.code) !== JmpOp.CALL))) {
        env.fail(`R${insn.src} is invalid`);
      }
      let next = pc + 1;
      if (cls === Class.ALU || cls === Class.ALU64) {
        aluStep(env, st);
      } else if (cls === Class.LDX) {
        const mode = opMode(insn.code);
        if (mode !== Mode.MEM && mode !== Mode.MEMSX) env.fail(`unknown opcode ${insn.code.toString(16)}`);
        checkRead(env, st, insn.src);
        if (insn.dst === 10) env.fail('frame pointer is read only');
        const v = checkMemAccess(env, st, { regno: insn.src, off: insn.off, size: sizeBytes(opSize(insn.code)), write: false, signExtend: mode === Mode.MEMSX });
        regs[insn.dst] = v;
        safe.add(pc);
      } else if (cls === Class.ST || cls === Class.STX) {
        const mode = opMode(insn.code);
        const size = sizeBytes(opSize(insn.code));
        checkRead(env, st, insn.dst);
        if (cls === Class.STX) checkRead(env, st, insn.src);
        if (mode === Mode.ATOMIC && cls === Class.STX) {
          if (![0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1].includes(insn.imm)) env.fail(`BPF_ATOMIC uses invalid atomic opcode ${(insn.imm >>> 0).toString(16).padStart(2, '0')}`);
          if (size !== 4 && size !== 8) env.fail(`invalid atomic operand size`);
          const dst = regs[insn.dst];
          if (dst.kind !== 'fp' && dst.kind !== 'map_value' && dst.kind !== 'mem') {
            env.fail(`BPF_ATOMIC stores into R${insn.dst} ${dst.kind === 'not_init' ? 'scalar' : dst.kind} is not allowed`);
          }
          if (insn.imm !== 0xf1 && (insn.imm & 1) && insn.src === 10) env.fail('frame pointer is read only');
          checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size, write: false });
          checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size, write: true });
          if (insn.imm === 0xf1) { checkRead(env, st, 0); regs[0] = constScalar(0n); regs[0] = { ...regs[0], b: { ...regs[0].b, umax: size === 8 ? (1n << 64n) - 1n : 0xffffffffn, smin: -(1n << 63n), smax: (1n << 63n) - 1n, tnum: { value: 0n, mask: size === 8 ? (1n << 64n) - 1n : 0xffffffffn } } }; }
          else if (insn.imm & 1) regs[insn.src] = { ...constScalar(0n), b: { umin: 0n, umax: size === 8 ? (1n << 64n) - 1n : 0xffffffffn, smin: -(1n << 63n), smax: (1n << 63n) - 1n, tnum: { value: 0n, mask: size === 8 ? (1n << 64n) - 1n : 0xffffffffn } } };
        } else {
          if (mode !== Mode.MEM) env.fail(`unknown opcode ${insn.code.toString(16)}`);
          const value = cls === Class.STX ? regs[insn.src] : undefined;
          checkMemAccess(env, st, { regno: insn.dst, off: insn.off, size, write: true, value: value ?? constScalar(BigInt(insn.imm | 0)), zero: cls === Class.ST && insn.imm === 0 });
        }
        safe.add(pc);
      } else if (cls === Class.LD) {
        if (insn.code !== LDDW) env.fail('BPF_LD_[ABS|IND] instructions not allowed for this program type');
        if (insn.dst === 10) env.fail('frame pointer is read only');
        next = pc + 2;
        if (insn.src === 0) regs[insn.dst] = constScalar(constant(insn));
        else if (insn.src === PseudoSrc.MAP_FD || insn.src === PseudoSrc.MAP_VALUE) {
          const map = options.maps?.(insn.imm);
          if (!map) return env.fail(`fd ${insn.imm} is not pointing to valid bpf_map`);
          if (insn.src === PseudoSrc.MAP_FD) regs[insn.dst] = pointer('map_ptr', { map });
          else {
            if (map.kind !== 'array' || map.maxEntries !== 1) env.fail('map_value pseudo instruction needs a single-element array map');
            const off = Number((insn.imm64 ?? 0n) >> 32n);
            if (off < 0 || off >= map.valueSize) env.fail(`invalid access to map value pointer, value_size=${map.valueSize} off=${off}`);
            regs[insn.dst] = pointer('map_value', { map, off });
          }
        } else env.fail(`unsupported lddw pseudo source ${insn.src}`);
      } else {
        // JMP / JMP32
        const op = opAlu(insn.code);
        if (op === JmpOp.EXIT) {
          if (st.frames.length > 1) {
            checkRead(env, st, 0);
            next = localReturn(env, st);
          } else {
            const r0 = regs[0];
            if (r0.kind === 'not_init') env.fail('R0 !read_ok');
            if (r0.kind !== 'scalar') env.fail(`At program exit the register R0 is not a known value (${r0.kind})`);
            if (st.refs.length) env.fail(`Unreleased reference id=${st.refs[0].id} alloc_insn=${st.refs[0].pc}`);
            pathDone(st);
            break;
          }
        } else if ((op === JmpOp.CALL || op === JmpOp.EXIT) && cls === Class.JMP32) {
          env.fail(`unknown opcode ${insn.code.toString(16)}`);
        } else if (op === JmpOp.CALL) {
          if (insn.code !== (Class.JMP | JmpOp.CALL)) env.fail(`unknown opcode ${insn.code.toString(16)}`);
          if (insn.src === CallSrc.LOCAL) {
            localCall(env, st, pc + 1);
            next = pc + insn.imm + 1;
          } else if (insn.src === CallSrc.HELPER) {
            helperCall(env, st, insn.imm);
          } else env.fail('kernel function calls are not supported');
        } else if (op === JmpOp.JA) {
          jumps++;
          next = pc + 1 + (cls === Class.JMP32 ? insn.imm : insn.off);
        } else {
          jumps++;
          const out = branch(env, st, (n) => checkRead(env, st, n));
          const target = pc + 1 + insn.off;
          if (out.taken && out.fallthrough) {
            // Fork: the pending path shares our checkpoints.
            if (st.parent) st.parent.branches++;
            work.push({ pc: target, st: out.taken });
            st = out.fallthrough;
          } else if (out.taken) {
            st = out.taken;
            next = target;
          } else st = out.fallthrough!;
        }
      }
      pc = next;
    }
  }
  return { instructions: program, safeAccesses: safe, processed, storedStates: stored, options };
}
