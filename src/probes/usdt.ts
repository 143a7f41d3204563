// usdt:TARGET:[PROVIDER:]NAME (alias U): user statically defined tracepoints from the target's
// .note.stapsdt (elf/usdt.ts). A probe may be compiled into several sites, each with its own
// argument operands, so each site is one program instance: arg0..argN are computed per site
// from pt_regs (probes/usdt/arguments.ts). Sites with an is-enabled semaphore attach with the
// semaphore's file offset as the uprobe's ref_ctr_offset, the mechanism UsdtLink uses: the
// kernel raises the counter in every process mapping the file while the probe is attached.
import { MissingProbeError, UserError } from '../diagnostics.js';
import { ElfFile } from '../elf/elf.js';
import { usdtProbes, UsdtProbe } from '../elf/usdt.js';
import { globToRegExp } from './tracepoint.js';
import { resolveUprobeTarget } from './uprobe/resolve-target.js';
import { ExpandOptions, ProbeInstance, ProbeProvider, ProgType } from './provider.js';

function probesOf(target: string, options?: ExpandOptions): { path: string; probes: UsdtProbe[] } {
  const path = resolveUprobeTarget(target, { pid: options?.pid });
  return { path, probes: usdtProbes(ElfFile.open(path)) };
}

export const usdtProvider: ProbeProvider = {
  names: ['usdt', 'U'],
  builtins: ['arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5', 'arg6', 'arg7', 'arg8', 'arg9', 'arg10', 'arg11'],
  expand(parts: readonly string[], raw: string, options?: ExpandOptions): ProbeInstance[] {
    if ((parts.length !== 2 && parts.length !== 3) || parts.some((p) => !p)) throw new UserError(`${raw}: usdt probes are usdt:PATH:[PROVIDER:]NAME`);
    const { path, probes } = probesOf(parts[0], options);
    const provRe = globToRegExp(parts.length === 3 ? parts[1] : '*');
    const nameRe = globToRegExp(parts[parts.length - 1]);
    const shown = parts[0].includes('/') ? parts[0] : path;
    const sites = probes.filter((p) => provRe.test(p.provider) && nameRe.test(p.name));
    if (sites.length === 0) throw new MissingProbeError(`${raw}: no USDT probe in ${path} matches`);
    return sites.map((p) => ({
      provider: 'usdt', name: `usdt:${shown}:${p.provider}:${p.name}`, progType: ProgType.KPROBE,
      attach: { kind: 'uprobe', path, offset: p.offset, retprobe: false, pid: options?.pid, refCtrOffset: p.semaphoreOffset || undefined },
      usdtArgs: p.arguments, usdtSite: { pc: p.pc, path }, argsAddrSpace: 'user',
    }));
  },
  list(pattern: string, options?: ExpandOptions): string[] {
    const m = /^[^:]+:([^:]+):?(.*)$/.exec(pattern);
    if (!m) return [];
    let found;
    try { found = probesOf(m[1], options); } catch { return []; }
    const shown = m[1].includes('/') ? m[1] : found.path;
    const re = globToRegExp(`usdt:${shown}:${m[2] || '*'}`);
    const names = found.probes.map((p) => `usdt:${shown}:${p.provider}:${p.name}`);
    return [...new Set(names)].filter((n) => re.test(n));
  },
};
