// Typed `args` for uprobes, from the target's DWARF (.debug_info): each parameter of the probed
// function becomes a field whose value is its System V argument register (the first six integer
// or pointer parameters; a parameter that is not passed in a register is not offered). Pointer
// parameters point into user memory, so `args.p->field` reads with probe_read_user. Binaries
// without DWARF give no `args` (bpftrace refuses `args` there too).
import { ElfFile } from '../../elf/elf.js';
import { Dwarf, DwarfFunction } from '../../elf/dwarf.js';
import { cTypeToType } from '../../lang/ctype.js';
import type { StructTypeT, Type } from '../../lang/types.js';
import type { TracepointField } from '../../kernel/tracefs.js';
import { PT_REGS_OFFSET } from '../usdt/arguments.js';

const ARG_REGS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'].map((r) => PT_REGS_OFFSET[r]);
const cache = new Map<string, Dwarf | null>();

function dwarfOf(path: string): Dwarf | null {
  if (cache.has(path)) return cache.get(path)!;
  let d: Dwarf | null = null;
  try {
    const elf = ElfFile.open(path);
    const sec = (n: string) => { const s = elf.section(n); return s ? elf.sectionData(s) : undefined; };
    const info = sec('.debug_info'), abbrev = sec('.debug_abbrev');
    if (info && abbrev) d = new Dwarf({ info, abbrev, str: sec('.debug_str'), lineStr: sec('.debug_line_str'), strOffsets: sec('.debug_str_offsets') });
  } catch { d = null; }
  cache.set(path, d);
  return d;
}

export function dwarfFunction(path: string, func: string): DwarfFunction | undefined {
  return dwarfOf(path)?.function(func);
}

function userPointers(t: Type): Type {
  return t.kind === 'pointer' ? { ...t, addrSpace: 'user' } : t;
}

/** `args` of a uprobe on `func` in `path`: the struct for type checking and the fields to load. */
export function uprobeArgs(path: string, func: string): { struct: StructTypeT; fields: TracepointField[] } | undefined {
  const fn = dwarfFunction(path, func);
  if (!fn) return undefined;
  const params = fn.params.slice(0, ARG_REGS.length).filter((p) => p.name && (p.pointer || (p.size > 0 && p.size <= 8)));
  const fields: TracepointField[] = [];
  const struct: StructTypeT = { kind: 'struct', name: `struct _uprobe_args_${func}`, size: 8 * params.length, fields: [] };
  fn.params.slice(0, ARG_REGS.length).forEach((p, i) => {
    if (!params.includes(p)) return;
    const size = p.pointer ? 8 : p.size;
    const type = userPointers(cTypeToType(p.typeName, size, p.signed));
    fields.push({ name: p.name, type: p.typeName, offset: ARG_REGS[i], size, signed: p.signed, dataLoc: false, common: false } as TracepointField);
    struct.fields.push({ name: p.name, type, offset: ARG_REGS[i] });
  });
  return { struct, fields };
}
