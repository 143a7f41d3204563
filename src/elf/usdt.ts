// USDT probes of an ELF file, ready to attach: the stapsdt notes (parsed by usdt-notes.ts, with
// arguments parsed by probes/usdt/arguments.ts) plus what a uprobe needs from this file: the
// file offset of each probe point and of its semaphore (the uprobe's ref_ctr_offset). One note
// parser and one argument parser; this module only adds the ELF address-to-offset mapping.
import { ElfFile, ElfError } from './elf.js';
import { parseStapsdtNotes, UsdtProbe as UsdtNote } from './usdt-notes.js';

export interface UsdtProbe extends UsdtNote {
  /** File offset of the probe point, for the uprobe. */
  offset: number;
  /** File offset of the semaphore (the uprobe's ref_ctr_offset), 0 if none. */
  semaphoreOffset: number;
}

/** Every USDT probe of an ELF file, with file offsets. */
export function usdtProbes(elf: ElfFile): UsdtProbe[] {
  const notes = elf.section('.note.stapsdt');
  if (!notes) return [];
  const base = elf.section('.stapsdt.base');
  return parseStapsdtNotes(elf.sectionData(notes), base?.addr).map((p) => {
    const offset = elf.vaddrToOffset(p.pc);
    if (offset === undefined) throw new ElfError(`${elf.path}: USDT probe ${p.provider}:${p.name} at 0x${p.pc.toString(16)} is in no loaded segment`);
    const semaphoreOffset = p.semaphore === 0n ? 0 : elf.vaddrToOffset(p.semaphore) ?? 0;
    return { ...p, offset, semaphoreOffset };
  });
}
