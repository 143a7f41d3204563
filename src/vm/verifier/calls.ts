// Helper calls checked against their prototypes, and bpf-to-bpf calls (a new frame).
import { Env } from './env.js';
import { VerifierState } from './state.js';
import { NOT_INIT, RegState, pointer, unknownScalar } from './register.js';
import { USERSPACE_HELPERS } from './helper-prototypes.js';
import { checkHelperMemory, MAX_VAR_OFF } from './memory-access.js';
import { checkRead } from './alu.js';
import * as S from './scalar.js';
import { helperName } from '../../isa/helpers.js';
import { StackFrame } from './stack.js';
import { NUM_REGS } from '../../isa/opcodes.js';

const typeName = (r: RegState): string => (r.kind === 'not_init' ? 'scalar' : r.kind);

export function helperCall(env: Env, st: VerifierState, id: number): void {
  const table = env.opts.helpers ?? USERSPACE_HELPERS;
  const proto = table.get(id);
  if (!proto) {
    const name = helperName(id);
    env.fail(name ? `program of this type cannot use helper bpf_${name}#${id}` : `invalid func unknown#${id}`);
  }
  const regs = st.regs;
  let map = undefined as RegState['map'];
  let allocSize = 0;
  let released = 0;
  proto.args.forEach((kind, i) => {
    const regno = i + 1;
    const r = checkRead(env, st, regno);
    switch (kind) {
      case 'anything':
        break;
      case 'const_map_ptr':
        if (r.kind !== 'map_ptr') env.fail(`R${regno} type=${typeName(r)} expected=map_ptr`);
        map = r.map;
        if (proto.name.startsWith('ringbuf') !== (map!.kind === 'ringbuf')) env.fail(`cannot pass map_type ${map!.kind === 'ringbuf' ? 27 : 1} into func bpf_${proto.name}#${id}`);
        break;
      case 'map_key':
      case 'map_value':
        if (!map) env.fail(`invalid map_ptr to access map->${kind === 'map_key' ? 'key' : 'value'}`);
        checkPtrArg(env, r, regno);
        checkHelperMemory(env, st, regno, kind === 'map_key' ? map.keySize : map.valueSize, false);
        break;
      case 'mem':
      case 'uninit_mem':
        checkPtrArg(env, r, regno);
        break;
      case 'const_size':
      case 'const_size_or_zero': {
        if (r.kind !== 'scalar') env.fail(`R${regno} type=${typeName(r)} expected=scalar`);
        if (r.b.smin < 0n) env.fail(`R${regno} min value is negative, either use unsigned or 'var &= const'`);
        if (r.b.umin === 0n && kind === 'const_size' ) env.fail(`R${regno} invalid zero-sized read: u64=[${r.b.umin},${r.b.umax}]`);
        if (r.b.umax >= BigInt(MAX_VAR_OFF)) env.fail(`R${regno} unbounded memory access, use 'var &= const' or 'if (var < const)'`);
        // The memory argument before the size must hold umax bytes.
        const write = proto.args[i - 1] === 'uninit_mem';
        checkHelperMemory(env, st, regno - 1, Number(r.b.umax), write);
        break;
      }
      case 'const_alloc_size_or_zero':
        if (r.kind !== 'scalar' || !S.isConst(r.b)) env.fail(`R${regno} is not a known constant'`);
        allocSize = Number(r.b.tnum.value);
        break;
      case 'alloc_mem':
        if (r.kind !== 'ringbuf_mem') env.fail(`R${regno} type=${typeName(r)} expected=ringbuf_mem`);
        if (r.off !== 0 || !S.isConst(r.b) || r.b.tnum.value !== 0n) env.fail(`R${regno} must have zero offset when passed to release func`);
        released = r.refId;
        break;
    }
  });

  if (released) {
    st.refs = st.refs.filter((ref) => ref.id !== released);
    // Every copy of the released pointer is dead now.
    st.mapRegs((r) => (r.refId === released ? unknownScalar() : r));
  }
  for (let r = 1; r <= 5; r++) regs[r] = NOT_INIT;
  switch (proto.ret) {
    case 'integer': regs[0] = unknownScalar(); break;
    case 'map_value_or_null': regs[0] = pointer('map_value_or_null', { map, id: env.nextId() }); break;
    case 'ringbuf_mem_or_null': {
      const id = env.nextId();
      regs[0] = pointer('ringbuf_mem_or_null', { memSize: allocSize, id, refId: id });
      st.refs.push({ id, pc: env.pc });
      break;
    }
  }
}

function checkPtrArg(env: Env, r: RegState, regno: number): void {
  const ok = ['fp', 'pkt', 'pkt_meta', 'map_value', 'mem', 'ringbuf_mem'].includes(r.kind);
  if (!ok) env.fail(`R${regno} type=${typeName(r)} expected=fp, pkt, pkt_meta, map_value, mem, ringbuf_mem`);
}

/** Maximum call depth (the kernel's MAX_CALL_FRAMES). */
export const MAX_FRAMES = 8;

/** Enter a local function at `target`: arguments R1-R5 carry over, the callee gets its own stack. */
export function localCall(env: Env, st: VerifierState, returnPc: number): void {
  if (st.frames.length >= MAX_FRAMES) env.fail(`the call stack of ${st.frames.length + 1} frames is too deep !`);
  const caller = st.regs;
  const regs: RegState[] = new Array(NUM_REGS).fill(NOT_INIT);
  for (let r = 1; r <= 5; r++) regs[r] = caller[r];
  const frameNo = st.frames.length;
  regs[10] = pointer('fp', { frame: frameNo });
  st.frames.push({ regs, stack: new StackFrame(), returnPc, frameNo });
}

/** Leave a local function: R0 goes back, the caller's R1-R5 are clobbered. Returns the pc to resume. */
export function localReturn(env: Env, st: VerifierState): number {
  const callee = st.frames.pop()!;
  const r0 = callee.regs[0];
  if (r0.kind === 'fp' && r0.frame === callee.frameNo) env.fail('cannot return stack pointer to the caller frame');
  const regs = st.regs;
  regs[0] = r0;
  for (let r = 1; r <= 5; r++) regs[r] = NOT_INIT;
  return callee.returnPc;
}
