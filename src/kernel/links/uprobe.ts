// uprobe:PATH:FUNCTION and uretprobe -> a perf event of the uprobe PMU
// (/sys/bus/event_source/devices/uprobe/type) with config1 = pointer to the path and
// config2 = file offset; the retprobe bit position comes from the PMU's format/retprobe file.
// No tracefs uprobe_events entry is created, so nothing can outlive the process: the uprobe
// goes away when the perf event fd is closed (or the process dies).
import { readFileSync, realpathSync } from 'node:fs';
import { cString } from '../sys.js';
import { openPerfEvent } from '../perf.js';
import { UserError } from '../../diagnostics.js';
import { ElfFile } from '../../elf/elf.js';
import type { Program } from '../programs.js';
import { PerfEventAttachment } from './perf-event-attachment.js';
import { OwningLink } from './link.js';

const PMU = '/sys/bus/event_source/devices/uprobe';

let pmuCache: { type: number; retprobeBit: number; refCtrShift?: number } | undefined;
/** The uprobe PMU's perf type and the config bit that makes a probe a return probe. */
export function uprobePmu(): { type: number; retprobeBit: number; refCtrShift?: number } {
  if (pmuCache) return pmuCache;
  let type: number;
  try {
    type = Number(readFileSync(`${PMU}/type`, 'utf8').trim());
  } catch {
    throw new UserError(`uprobes are not available: ${PMU}/type is missing (kernel without CONFIG_UPROBE_EVENTS?)`);
  }
  const fmt = /config:(\d+)/.exec(readFileSync(`${PMU}/format/retprobe`, 'utf8'));
  let refCtrShift: number | undefined;
  try {
    const m = /config:(\d+)-\d+/.exec(readFileSync(`${PMU}/format/ref_ctr_offset`, 'utf8'));
    if (m) refCtrShift = Number(m[1]);
  } catch { /* kernel without reference-counted uprobes */ }
  return (pmuCache = { type, retprobeBit: fmt ? Number(fmt[1]) : 0, refCtrShift });
}

export interface UprobeOptions {
  /** The executable or shared library. */
  path: string;
  /** A function name (resolved through .symtab/.dynsym) ... */
  symbol?: string;
  /** ... or a file offset. */
  offset?: number;
  /** Added to the symbol's offset. */
  symbolOffset?: number;
  retprobe?: boolean;
  /** Only this process (default -1: every process mapping the file). */
  pid?: number;
  /** File offset of a USDT semaphore the kernel keeps incremented while attached. */
  refCtrOffset?: number;
}

export class UprobeLink extends OwningLink {
  readonly kind: 'uprobe' | 'uretprobe';
  private constructor(target: string, retprobe: boolean, attachment: PerfEventAttachment, readonly offset: number) {
    super(target, [attachment]);
    this.kind = retprobe ? 'uretprobe' : 'uprobe';
  }

  /** Attach a BPF_PROG_TYPE_KPROBE program as a uprobe or uretprobe. */
  static attach(program: Program, options: UprobeOptions): UprobeLink {
    let path: string;
    try {
      path = realpathSync(options.path);
    } catch {
      throw new UserError(`uprobe target not found: ${options.path}`);
    }
    let offset = options.offset;
    if (offset === undefined) {
      if (!options.symbol) throw new UserError('a uprobe needs a symbol or an offset');
      offset = ElfFile.open(path).symbolFileOffset(options.symbol) + (options.symbolOffset ?? 0);
    }
    const pmu = uprobePmu();
    const retprobe = options.retprobe ?? false;
    const pathC = cString(path);
    const target = `${path}:${options.symbol ?? `0x${offset.toString(16)}`}`;
    const pid = options.pid ?? -1;
    let config = retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
    if (options.refCtrOffset) {
      if (pmu.refCtrShift === undefined) throw new UserError('this kernel cannot maintain USDT semaphores (no uprobe ref_ctr_offset)');
      config |= BigInt(options.refCtrOffset) << BigInt(pmu.refCtrShift);
    }
    const fd = openPerfEvent({
      type: pmu.type, config,
      config1: pathC, config2: offset, samplePeriod: 1, wakeupEvents: 1, disabled: true,
    }, pid, pid === -1 ? 0 : -1, `${retprobe ? 'uretprobe' : 'uprobe'} ${target}`);
    return new UprobeLink(target, retprobe, new PerfEventAttachment(fd, program.fd), offset);
  }
}
