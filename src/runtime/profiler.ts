// A sampling CPU profiler over profile:hz:N: a perf_event program on every CPU counts
// (pid, kernel stack id, user stack id, comm) in a hash map, with the stacks in a stack-trace
// map; at the end the stacks are read back and symbolized (kallsyms for the kernel; ELF symtabs
// of each mapped file and /tmp/perf-PID.map for user space) into folded stacks. This is the
// program bpftrace's `profile:hz:99 { @[ustack, kstack, comm] = count(); }` builds, written
// directly with the ISA builder so `bpfkit profile` does not depend on the script compiler.
import { BpfMap, mapSpecs } from '../kernel/maps.js';
import { Program, ProgramType } from '../kernel/programs.js';
import { PerfEventLink } from '../kernel/links/perf-event.js';
import { stackAddresses } from '../kernel/codecs.js';
import { ProgramBuilder, R0, R1, R2, R3, R4, R6, R7, R10 } from '../isa/builder.js';
import { Helper } from '../isa/helpers.js';
import { kernelSymbols } from './symbols/kallsyms.js';
import { formatSymbol, SymbolTable } from './symbols/symbol-table.js';
import { ProcessSymbolizer } from './symbols/process-symbols.js';
import { addStack, FoldedStacks } from '../output/folded.js';

const BPF_F_USER_STACK = 1 << 8;
const KEY_SIZE = 32; // pid u32, kernel stack id s32, user stack id s32, pad, comm[16]
const MAX_DEPTH = 127;

export interface ProfileOptions {
  /** Only this process (default: every process but the idle task). */
  pid?: number;
  hz?: number;
  durationMs: number;
  /** Stop early (resolves the wait). */
  signal?: AbortSignal;
}

function samplerProgram(pid: number | undefined): ReturnType<ProgramBuilder['build']> {
  const b = new ProgramBuilder().mov64(R6, R1);
  for (let o = -KEY_SIZE; o < 0; o += 8) b.st('dw', R10, o, 0);
  b.call(Helper.get_current_pid_tgid).alu64('rsh', R0, 32).mov64(R7, R0);
  b.jmp('jeq', R7, 0, 'out');
  if (pid !== undefined) b.jmp('jne', R7, pid, 'out');
  b.stx('w', R10, -KEY_SIZE, R7);
  b.mov64(R1, R6).ldMap(R2, 'stacks').mov64(R3, 0).call(Helper.get_stackid).stx('w', R10, -KEY_SIZE + 4, R0);
  b.mov64(R1, R6).ldMap(R2, 'stacks').mov64(R3, BPF_F_USER_STACK).call(Helper.get_stackid).stx('w', R10, -KEY_SIZE + 8, R0);
  b.mov64(R1, R10).add64(R1, -16).mov64(R2, 16).call(Helper.get_current_comm);
  b.ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -KEY_SIZE).call(Helper.map_lookup_elem);
  b.jmp('jeq', R0, 0, 'new').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1).ja('out');
  b.label('new').st('dw', R10, -KEY_SIZE - 8, 1)
    .ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -KEY_SIZE).mov64(R3, R10).add64(R3, -KEY_SIZE - 8).mov64(R4, 0).call(Helper.map_update_elem);
  b.label('out').mov64(R0, 0).exit();
  return b.build();
}

export async function profile(options: ProfileOptions): Promise<FoldedStacks> {
  const stacks = BpfMap.create(mapSpecs.stackTrace('bpfkit_stacks', MAX_DEPTH, 16384));
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_samples', KEY_SIZE, 8, 40960));
  let prog: Program | undefined;
  let link: PerfEventLink | undefined;
  const users = new Map<number, ProcessSymbolizer>();
  try {
    prog = Program.load({ name: 'bpfkit_profile', type: ProgramType.PERF_EVENT, instructions: samplerProgram(options.pid), license: 'GPL' }, { stacks, counts });
    link = PerfEventLink.profile(prog, options.hz ?? 99);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, options.durationMs);
      options.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); });
    });
    link.close();
    // Symbolize while the processes still exist: their maps and perf maps are read now.
    let kernel: SymbolTable | undefined;
    const folded: FoldedStacks = new Map();
    for (const [key, value] of counts.entries()) {
      const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
      const pid = v.getUint32(0, true), kid = v.getInt32(4, true), uid = v.getInt32(8, true);
      const comm = Buffer.from(key.subarray(16, 32)).toString('latin1').replace(/\0.*$/s, '');
      const count = Number(new DataView(value.buffer, value.byteOffset).getBigUint64(0, true));
      const frames: string[] = [];
      if (kid >= 0) {
        kernel ??= kernelSymbols();
        const raw = stacks.lookup(u32(kid));
        for (const ip of raw ? stackAddresses(raw) : []) frames.push(`${formatSymbol(kernel.lookup(ip), ip, false)}_[k]`);
      }
      if (uid >= 0) {
        let sym = users.get(pid);
        if (!sym) users.set(pid, (sym = new ProcessSymbolizer(pid)));
        const raw = stacks.lookup(u32(uid));
        for (const ip of raw ? stackAddresses(raw) : []) frames.push(formatSymbol(sym.lookup(ip), ip, false));
      }
      frames.push(comm || `pid ${pid}`);
      addStack(folded, frames, count);
    }
    return folded;
  } finally {
    link?.close();
    prog?.close();
    stacks.close();
    counts.close();
  }
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
