// usdt:PATH:PROVIDER:NAME -> one uprobe per probe site (a probe may be inlined in several places),
// with the semaphore (if any) passed to the kernel as the uprobe's ref_ctr_offset: the kernel then
// increments it in every process that maps the file for as long as the probe is attached, so
// "is-enabled" guarded probes fire, and decrements it on detach. Nothing writes process memory.
import { ElfFile } from '../../elf/elf.js';
import { usdtProbes, UsdtProbe } from '../../elf/usdt.js';
import { UserError } from '../../diagnostics.js';
import type { Program } from '../programs.js';
import { UprobeLink } from './uprobe.js';
import { OwningLink } from './link.js';

export class UsdtLink extends OwningLink {
  readonly kind = 'usdt';
  private constructor(target: string, sites: UprobeLink[], readonly probes: UsdtProbe[]) {
    super(target, sites);
  }

  /** Attach a BPF_PROG_TYPE_KPROBE program to every site of PROVIDER:NAME in `path`. */
  static attach(program: Program, path: string, provider: string, name: string, pid?: number): UsdtLink {
    const probes = usdtProbes(ElfFile.open(path)).filter((p) => p.provider === provider && p.name === name);
    if (!probes.length) throw new UserError(`no USDT probe ${provider}:${name} in ${path}`);
    const sites: UprobeLink[] = [];
    try {
      for (const p of probes) {
        sites.push(UprobeLink.attach(program, { path, offset: p.offset, refCtrOffset: p.semaphoreOffset || undefined, pid }));
      }
    } catch (e) {
      for (const s of sites) s.close();
      throw e;
    }
    return new UsdtLink(`${path}:${provider}:${name}`, sites, probes);
  }
}
