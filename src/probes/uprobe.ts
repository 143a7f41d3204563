// uprobe:TARGET:FUNCTION and uretprobe (aliases u, ur): user-space function entry and return.
// TARGET is a path, a library name (ld.so.cache), a program on PATH or, with -p PID, a file the
// process maps (resolve-target.ts). FUNCTION is an ELF symbol (`*`/`?` wildcards expand over the
// file's function symbols), SYMBOL+OFFSET, or an address (0x...). The program type is kprobe:
// the context is the task's struct pt_regs, so arg0..arg5 are the System V argument registers
// and retval is rax, read at their x86-64 pt_regs offsets.
import { MissingProbeError, UserError } from '../diagnostics.js';
import { ElfFile, SymbolType } from '../elf/elf.js';
import { globToRegExp, hasWildcard } from './tracepoint.js';
import { resolveUprobeTarget } from './uprobe/resolve-target.js';
import { PT_REGS_OFFSET } from './usdt/arguments.js';
import { uprobeArgs } from './uprobe/dwarf-args.js';
import { ExpandOptions, ProbeInstance, ProbeProvider, ProgType } from './provider.js';

/** rdi, rsi, rdx, rcx, r8, r9: the System V x86-64 integer argument registers. */
export const ARG_REGISTER_OFFSETS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'].map((r) => PT_REGS_OFFSET[r]);
export const RETVAL_OFFSET = PT_REGS_OFFSET.rax;

/** Function symbols of an ELF file that can carry a uprobe (defined, non-zero address), sorted. */
export function functionSymbols(elf: ElfFile): string[] {
  const names = new Set<string>();
  for (const s of elf.symbols()) {
    if (s.shndx === 0 || s.value === 0n || !s.name) continue;
    if (s.type !== SymbolType.FUNC && s.type !== SymbolType.GNU_IFUNC) continue;
    names.add(s.name);
  }
  return [...names].sort();
}

function uprobeInstances(retprobe: boolean, parts: readonly string[], raw: string, options?: ExpandOptions): ProbeInstance[] {
  const provider = retprobe ? 'uretprobe' : 'uprobe';
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UserError(`${raw}: ${provider} probes are ${provider}:PATH:FUNCTION`);
  const path = resolveUprobeTarget(parts[0], { pid: options?.pid });
  const elf = ElfFile.open(path);
  const fn = parts[1];
  // bpftrace names the probe with the path as written (`uprobe:/bin/bash:readline`).
  const shown = parts[0].includes('/') ? parts[0] : path;
  const instance = (name: string, offset: number, symbol?: string): ProbeInstance => ({
    provider, name: `${provider}:${shown}:${name}`, progType: ProgType.KPROBE,
    attach: { kind: 'uprobe', path, offset, retprobe, pid: options?.pid, symbol },
    argOffsets: retprobe ? undefined : ARG_REGISTER_OFFSETS, retvalOffset: retprobe ? RETVAL_OFFSET : undefined, argsAddrSpace: 'user',
    // Typed `args` where the binary has DWARF for the function (entry probes only).
    args: !retprobe && symbol && name === symbol ? uprobeArgs(path, symbol)?.fields : undefined,
  });
  // A function (or address) the binary does not have is a missing probe (config missing_probes):
  // binaries differ between versions and builds.
  const offsetOf = (symbol: string): number => {
    if (!elf.findSymbol(symbol)) throw new MissingProbeError(`${raw}: ${path}: no symbol '${symbol}'`);
    return elf.symbolFileOffset(symbol);
  };
  if (/^0x[0-9a-f]+$/i.test(fn) || /^\d+$/.test(fn)) {
    const off = elf.vaddrToOffset(BigInt(fn));
    if (off === undefined) throw new MissingProbeError(`${raw}: address ${fn} is in no loaded segment of ${path}`);
    return [instance(fn, off)];
  }
  const plus = /^(.+)\+(0x[0-9a-f]+|\d+)$/i.exec(fn);
  if (plus) {
    if (retprobe) throw new UserError(`${raw}: uretprobe cannot use an offset`);
    return [instance(fn, offsetOf(plus[1]) + Number(BigInt(plus[2])), plus[1])];
  }
  if (hasWildcard(fn)) {
    const re = globToRegExp(fn);
    const names = functionSymbols(elf).filter((n) => re.test(n));
    if (names.length === 0) throw new MissingProbeError(`${raw}: no function in ${path} matches '${fn}'`);
    return names.map((n) => instance(n, elf.symbolFileOffset(n), n));
  }
  return [instance(fn, offsetOf(fn), fn)];
}

function listUprobes(provider: 'uprobe' | 'uretprobe', pattern: string, options?: ExpandOptions): string[] {
  // `uprobe:TARGET:GLOB`: the target must be given; bpftrace cannot list every binary either.
  const m = /^[^:]+:([^:]+):?(.*)$/.exec(pattern);
  if (!m) return [];
  let path: string;
  try { path = resolveUprobeTarget(m[1], { pid: options?.pid }); } catch { return []; }
  const shown = m[1].includes('/') ? m[1] : path;
  const re = globToRegExp(m[2] || '*');
  return functionSymbols(ElfFile.open(path)).filter((n) => re.test(n)).map((n) => `${provider}:${shown}:${n}`);
}

export const uprobeProvider: ProbeProvider = {
  names: ['uprobe', 'u'],
  builtins: ['arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5', 'func'],
  expand: (parts, raw, options) => uprobeInstances(false, parts, raw, options),
  list: (pattern, options) => listUprobes('uprobe', pattern, options),
};

export const uretprobeProvider: ProbeProvider = {
  names: ['uretprobe', 'ur'],
  builtins: ['retval', 'func'],
  expand: (parts, raw, options) => uprobeInstances(true, parts, raw, options),
  list: (pattern, options) => listUprobes('uretprobe', pattern, options),
};
