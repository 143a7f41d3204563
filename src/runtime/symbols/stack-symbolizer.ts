// Turning the 8-byte kstack/ustack values (ir/stacks.ts: stack id, and the pid above it for user
// stacks) and ksym/usym addresses into named frames for printing: kernel frames through
// /proc/kallsyms, user frames through the process's mapped files and its perf map.
import { readdirSync, readFileSync } from 'node:fs';
import type { BpfMap } from '../../kernel/maps.js';
import { stackAddresses } from '../../kernel/codecs.js';
import type { Frame } from '../../output/value.js';
import { kernelSymbols } from './kallsyms.js';
import { formatSymbol, SymbolTable } from './symbol-table.js';
import { ProcessSymbolizer } from './process-symbols.js';
import { displayName } from './demangle.js';

export class StackSymbolizer {
  private kernel: SymbolTable | undefined;
  private processes = new Map<number, ProcessSymbolizer>();

  /** `targetPid`: the process usym() addresses belong to (-p PID or the -c child). */
  /** `demangle`: C++ names shown demangled (config cpp_demangle, on by default as in bpftrace). */
  constructor(private readonly stacks: BpfMap | undefined, private readonly targetPid: () => number | undefined = () => undefined,
    private readonly demangle = true) {}

  private kernelFrame(address: bigint, withOffset: boolean): Frame {
    this.kernel ??= kernelSymbols();
    const r = this.kernel.lookup(address);
    if (!r) return { address };
    // No module for kernel frames: bpftrace prints `kstack(perf)` frames as `ADDR sym+off` only.
    return { address, symbol: withOffset ? `${r.symbol.name}+${r.offset}` : formatSymbol(r, address, false) };
  }

  private process(pid: number): ProcessSymbolizer {
    let p = this.processes.get(pid);
    if (!p) this.processes.set(pid, (p = new ProcessSymbolizer(pid)));
    return p;
  }

  private userFrame(pid: number | undefined, address: bigint, withOffset: boolean): Frame {
    if (pid === undefined) return { address };
    const r = this.process(pid).lookup(address);
    return frame(address, r, withOffset, this.demangle);
  }

  /** usym() carries no pid: try the target process, its descendants (-c runs a shell), then every process seen in a ustack. */
  private anyProcessFrame(address: bigint): Frame {
    const target = this.targetPid();
    const pids = target === undefined ? [] : [target, ...descendants(target)];
    for (const pid of [...pids, ...this.processes.keys()]) {
      const r = this.process(pid).lookup(address);
      if (r) return frame(address, r, false, this.demangle);
    }
    return { address };
  }

  /** Frames of a stack value, innermost first (empty when the kernel could not walk it). */
  stack(user: boolean, raw: bigint): Frame[] {
    const id = Number(BigInt.asIntN(32, raw & 0xffffffffn));
    if (id < 0 || !this.stacks) return [];
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, id, true);
    const bytes = this.stacks.lookup(key);
    if (!bytes) return [];
    const pid = Number(raw >> 32n);
    return stackAddresses(bytes).map((a) => (user ? this.userFrame(pid, a, true) : this.kernelFrame(a, true)));
  }

  ksym(address: bigint): Frame { return this.kernelFrame(address, false); }
  usym(address: bigint): Frame { return this.anyProcessFrame(address); }
}

/** bpftrace prints stack frames as `name+offset` (offset 0 included) and ksym/usym as `name`. */
function frame(address: bigint, r: ReturnType<ProcessSymbolizer['lookup']>, withOffset: boolean, demangle: boolean): Frame {
  if (!r) return { address };
  const name = demangle ? displayName(r.symbol.name) : r.symbol.name;
  return { address, symbol: withOffset ? `${name}+${r.offset}` : name, module: r.symbol.module };
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(c), ...descendants(Number(c)));
    }
  } catch { /* gone */ }
  return out;
}
