// kstack / ustack in BPF: bpf_get_stackid() stores the stack in a stack-trace map and returns its
// id; the 8-byte stack value is that id, with the pid in the upper half for ustack so userspace
// can symbolize against the right process. One map (depth 127, the kernel's default
// perf_event_max_stack) serves every stack of a script; kstack(N) limits and the perf/raw modes
// are applied when printing. A negative id (-EFAULT, -EEXIST on a hash collision) stays in the
// low half and prints as an empty stack, as bpftrace prints failed stack walks.
import { Helper } from '../isa/helpers.js';
import { MapType } from '../kernel/maps.js';
import type { FunctionBuilder } from './function-builder.js';
import type { MapSpec } from './maps.js';
import type { VReg } from './ir.js';

export const STACK_MAP = 'stack_traces';
export const STACK_DEPTH = 127;
const BPF_F_USER_STACK = 1 << 8;

export const stackMapSpec = (): MapSpec => ({ name: STACK_MAP, type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * STACK_DEPTH, maxEntries: 4096 });

/** The 8-byte kstack/ustack value of the current context. */
export function lowerStack(b: FunctionBuilder, ctx: VReg, user: boolean): VReg {
  const id = b.call(Helper.get_stackid, [ctx, { map: STACK_MAP }, { imm: user ? BPF_F_USER_STACK : 0 }])!;
  // Keep the low 32 bits (the id, or the negative errno) ...
  b.alu('lsh', id, 32);
  b.alu('rsh', id, 32);
  if (user) {
    // ... and put the pid (tgid) above them.
    const pid = b.call(Helper.get_current_pid_tgid, [])!;
    b.alu('rsh', pid, 32);
    b.alu('lsh', pid, 32);
    b.alu('or', id, pid);
  }
  return id;
}
