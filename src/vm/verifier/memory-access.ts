// Proving a load or store stays inside the object its pointer register points to, for each
// pointer kind, with the kernel verifier's rejection messages. Returns what a load produces.
import { VerifierState } from './state.js';
import { Env } from './env.js';
import { RegState, constScalar, describe, isPointer, pointer, scalarReg, unknownScalar } from './register.js';
import { Bounds, S64_MIN, isConst, rangeBounds, unknownBounds } from './scalar.js';
import { tnumAdd, tnumConst, tnumString } from './tnum.js';
import { STACK_SIZE } from '../../isa/opcodes.js';

/** The kernel structure behind each map kind (named in its message about map pointer writes). */
const MAP_STRUCT: Record<string, string> = { hash: 'bpf_htab', lru_hash: 'bpf_htab', percpu_hash: 'bpf_htab', lru_percpu_hash: 'bpf_htab', array: 'bpf_array', percpu_array: 'bpf_array', ringbuf: 'bpf_ringbuf_map' };

/** A variable offset as the kernel prints it: the number when known, else the tnum. */
const varOffString = (r: RegState): string => (isConst(r.b) ? `${BigInt.asIntN(64, r.b.tnum.value)}` : tnumString(r.b.tnum));

/** Offsets beyond this are never valid (the kernel's BPF_MAX_VAR_OFF). */
export const MAX_VAR_OFF = 1 << 29;

export interface Access {
  regno: number;
  /** The instruction's offset field. */
  off: number;
  size: number;
  write: boolean;
  /** Register being stored (STX), for spilling. */
  value?: RegState;
  /** Stored value is the constant zero (ST imm 0). */
  zero?: boolean;
  /** Sign-extending load. */
  signExtend?: boolean;
}

const loadedScalar = (size: number, signExtend = false): RegState => {
  if (size === 8) return unknownScalar();
  const bits = BigInt(size * 8);
  if (signExtend) {
    const b: Bounds = { ...unknownBounds(), smin: -(1n << (bits - 1n)), smax: (1n << (bits - 1n)) - 1n };
    return scalarReg(b);
  }
  return scalarReg(rangeBounds(0n, (1n << bits) - 1n));
};

/** Check a memory access through register `a.regno`; returns the loaded value for reads. */
export function checkMemAccess(env: Env, st: VerifierState, a: Access): RegState {
  const reg = st.regs[a.regno];
  switch (reg.kind) {
    case 'fp': return stackAccess(env, st, reg, a);
    case 'ctx': return ctxAccess(env, reg, a);
    case 'map_value': {
      if (a.write && reg.map?.kind === 'ringbuf') env.fail(`R${a.regno} invalid mem access '${reg.kind}'`);
      regionAccess(env, reg, a, reg.map!.valueSize, 'map value');
      return loadedScalar(a.size, a.signExtend);
    }
    case 'mem':
    case 'ringbuf_mem':
      if (a.write && reg.kind === 'mem' && !env.opts.context.writable) env.fail(`R${a.regno} cannot write into mem`);
      regionAccess(env, reg, a, reg.memSize, 'memory');
      return loadedScalar(a.size, a.signExtend);
    case 'pkt':
    case 'pkt_meta':
      packetAccess(env, reg, a);
      return loadedScalar(a.size, a.signExtend);
    case 'map_ptr':
      if (a.write) env.fail(`only read from ${MAP_STRUCT[reg.map!.kind] ?? 'bpf_map'} is supported`);
      return env.fail(`R${a.regno} invalid mem access 'map_ptr'`);
    default:
      return env.fail(`R${a.regno} invalid mem access '${reg.kind === 'not_init' ? 'scalar' : reg.kind}'`);
  }
}

function regionAccess(env: Env, reg: RegState, a: Access, memSize: number, what: 'map value' | 'memory'): void {
  const off = reg.off + a.off;
  const inside = (o: bigint): boolean => o >= 0n && o + BigInt(a.size) <= BigInt(memSize);
  const report = (o: bigint): string =>
    what === 'map value'
      ? `invalid access to map value, value_size=${memSize} off=${o} size=${a.size}`
      : `invalid access to memory, mem_size=${memSize} off=${o} size=${a.size}`;
  if (isConst(reg.b)) {
    const o = BigInt(off) + BigInt.asIntN(64, reg.b.tnum.value);
    if (!inside(o)) env.fail(report(o));
    return;
  }
  if (reg.b.smin < 0n && (reg.b.smin === S64_MIN || reg.b.smin + BigInt(off) < 0n)) {
    env.fail(`R${a.regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  }
  if (!inside(reg.b.smin + BigInt(off))) env.fail(`${report(reg.b.smin + BigInt(off))}\nR${a.regno} min value is outside of the allowed memory range`);
  if (reg.b.umax >= BigInt(MAX_VAR_OFF)) env.fail(`R${a.regno} unbounded memory access, make sure to bounds check any such access`);
  if (!inside(reg.b.umax + BigInt(off))) env.fail(`${report(reg.b.umax + BigInt(off))}\nR${a.regno} max value is outside of the allowed memory range`);
}

function packetAccess(env: Env, reg: RegState, a: Access): void {
  const off = reg.off + a.off;
  if (reg.b.smin < 0n) env.fail(`R${a.regno} min value is negative, either use unsigned index or do a if (index >=0) check.`);
  if (off < 0 || off + a.size > reg.range) {
    env.fail(`invalid access to packet, off=${off} size=${a.size}, R${a.regno}(id=${reg.id},off=${off},r=${reg.range})\nR${a.regno} offset is outside of the packet`);
  }
}

function ctxAccess(env: Env, reg: RegState, a: Access): RegState {
  const ctx = env.opts.context;
  if (!isConst(reg.b)) env.fail(`variable ctx access var_off=${tnumString(reg.b.tnum)} disallowed`);
  if (reg.off !== 0) env.fail(`dereference of modified ctx ptr R${a.regno} off=${reg.off} disallowed`);
  const off = a.off;
  const bad = (): never => env.fail(`invalid bpf_context access off=${off} size=${a.size}`);
  if (off < 0 || off + a.size > ctx.size || off % a.size !== 0) bad();
  if (a.write && !ctx.writable) bad();
  const field = ctx.pointerFields?.find((f) => off < f.offset + 4 && off + a.size > f.offset);
  if (field) {
    if (a.write || off !== field.offset || a.size !== 4) bad();
    return pointer(field.kind);
  }
  return loadedScalar(a.size, a.signExtend);
}

function stackAccess(env: Env, st: VerifierState, reg: RegState, a: Access): RegState {
  const fixed = reg.off + a.off;
  // Alignment is required on the stack: the known low bits of the address must be aligned.
  const addr = tnumAdd(reg.b.tnum, tnumConst(BigInt(fixed)));
  if (((addr.value | addr.mask) & BigInt(a.size - 1)) !== 0n) {
    env.fail(`misaligned stack access off ${varOffString(reg)}+${reg.off}+${a.off} size ${a.size}`);
  }
  const frame = st.frames[reg.frame];
  if (!isConst(reg.b)) {
    // Variable offset: every byte it may touch must be inside the frame.
    const lo = reg.b.smin + BigInt(fixed);
    const hi = reg.b.smax + BigInt(fixed);
    if (reg.b.smin === S64_MIN || lo < -BigInt(STACK_SIZE) || hi + BigInt(a.size) > 0n) {
      env.fail(`invalid variable-offset${a.write ? ' write to' : ' read from'} stack R${a.regno} var_off=${tnumString(reg.b.tnum)} off=${fixed} size=${a.size}`);
    }
    const from = Number(lo), len = Number(hi - lo) + a.size;
    if (a.write) {
      if (a.value && isPointer(a.value)) env.fail('invalid size of register spill');
      frame.stack.write(from, len, undefined, false);
      return unknownScalar();
    }
    const bad = frame.stack.firstInvalid(from, len);
    if (bad >= 0) env.fail(`invalid read from stack off ${from}+${bad} size ${a.size}`);
    return loadedScalar(a.size, a.signExtend);
  }
  const off = fixed + Number(BigInt.asIntN(64, reg.b.tnum.value));
  if (off < -STACK_SIZE || off + a.size > 0) {
    env.fail(`invalid${a.write ? ' write to' : ' read from'} stack R${a.regno} off=${off} size=${a.size}`);
  }
  if (a.write) {
    const value = a.value;
    if (value && isPointer(value) && a.size !== 8) env.fail('invalid size of register spill');
    frame.stack.write(off, a.size, value, !!a.zero || (value?.kind === 'scalar' && isConst(value.b) && value.b.tnum.value === 0n));
    return unknownScalar();
  }
  const spilled = a.size === 8 ? frame.stack.spillAt(off) : undefined;
  if (spilled) return spilled;
  const bad = frame.stack.firstInvalid(off, a.size);
  if (bad >= 0) env.fail(`invalid read from stack off ${off}+${bad} size ${a.size}`);
  if (frame.stack.allZero(off, a.size)) return constScalar(0n);
  // Part of a spilled scalar: a narrower load of it is some number of that width.
  return loadedScalar(a.size, a.signExtend);
}

/**
 * A helper reading (or writing) `size` bytes through a pointer argument: the memory must be
 * inside the object, and for reads from the stack every byte must have been written.
 */
export function checkHelperMemory(env: Env, st: VerifierState, regno: number, size: number, write: boolean): void {
  const reg = st.regs[regno];
  if (size === 0) return;
  if (reg.kind === 'fp') {
    if (!isConst(reg.b)) env.fail(`R${regno} variable stack access prohibited (var_off=${tnumString(reg.b.tnum)})`);
    const off = reg.off + Number(BigInt.asIntN(64, reg.b.tnum.value));
    if (off < -STACK_SIZE || off + size > 0) env.fail(`invalid${write ? ' write to' : ' read from'} stack R${regno} off=${off} size=${size}`);
    const frame = st.frames[reg.frame];
    if (write) {
      frame.stack.write(off, size, undefined, false);
      return;
    }
    const bad = frame.stack.firstInvalid(off, size);
    if (bad >= 0) env.fail(`invalid indirect read from stack R${regno} off ${off}+${bad} size ${size}`);
    return;
  }
  if (reg.kind === 'ctx' && write) env.fail(`R${regno} type=ctx expected=fp`);
  const asAccess: Access = { regno, off: 0, size, write };
  switch (reg.kind) {
    case 'map_value': regionAccess(env, reg, asAccess, reg.map!.valueSize, 'map value'); return;
    case 'mem': case 'ringbuf_mem': regionAccess(env, reg, asAccess, reg.memSize, 'memory'); return;
    case 'pkt': case 'pkt_meta': packetAccess(env, reg, asAccess); return;
    case 'ctx': ctxAccess(env, reg, { ...asAccess, size: 1 }); if (size > env.opts.context.size) env.fail(`invalid bpf_context access off=0 size=${size}`); return;
    default: env.fail(`R${regno} type=${reg.kind === 'not_init' ? 'scalar' : reg.kind} expected=fp, pkt, pkt_meta, map_value, mem, ringbuf_mem`);
  }
}

export { describe };
