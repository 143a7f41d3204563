// User-space addresses of one process to names: /proc/PID/maps says which file (and which file
// offset) an address falls in; that file's ELF symbol tables name it (the address is turned into
// the file's own virtual address through its PT_LOAD segments, so PIE executables and shared
// libraries resolve wherever they were mapped). Anonymous executable memory, JIT code, is named
// by /tmp/perf-PID.map (node --perf-basic-prof), which bpftrace 0.17 does not read.
import { readFileSync } from 'node:fs';
import { ElfFile, SymbolType } from '../../elf/elf.js';
import { SymbolTable, Resolved } from './symbol-table.js';
import { PerfMapSymbolizer } from './perf-map.js';

export interface Mapping { start: bigint; end: bigint; offset: bigint; path: string }

export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(line);
    if (!m || !m[3].includes('x')) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), offset: BigInt(`0x${m[4]}`), path: m[5] });
  }
  return out;
}

const files = new Map<string, { elf: ElfFile; table: SymbolTable } | null>();

function fileSymbols(path: string, root: string): { elf: ElfFile; table: SymbolTable } | null {
  const key = `${root}${path}`;
  if (files.has(key)) return files.get(key)!;
  let entry: { elf: ElfFile; table: SymbolTable } | null = null;
  try {
    const elf = ElfFile.open(key);
    const syms = elf.symbols().filter((s) => s.shndx !== 0 && s.value !== 0n && s.name && (s.type === SymbolType.FUNC || s.type === SymbolType.GNU_IFUNC))
      .map((s) => ({ name: s.name, address: s.value, size: s.size, module: path }));
    entry = { elf, table: new SymbolTable(syms) };
  } catch { /* unreadable or not ELF: frames stay addresses */ }
  files.set(key, entry);
  return entry;
}

export class ProcessSymbolizer {
  private maps: Mapping[] = [];
  private readonly perfMap: PerfMapSymbolizer;

  constructor(readonly pid: number) {
    this.perfMap = new PerfMapSymbolizer(pid);
    this.refresh();
  }

  /** Re-read /proc/PID/maps (libraries loaded since); keeps the last copy if the process is gone. */
  refresh(): void {
    try { this.maps = parseMaps(readFileSync(`/proc/${this.pid}/maps`, 'utf8')); } catch { /* exited */ }
  }

  lookup(address: bigint): Resolved | undefined {
    const m = this.maps.find((x) => address >= x.start && address < x.end);
    if (m && m.path.startsWith('/')) {
      const f = fileSymbols(m.path, `/proc/${this.pid}/root`) ?? fileSymbols(m.path, '');
      if (!f) return undefined;
      const fileOffset = address - m.start + m.offset;
      const seg = f.elf.segments.find((s) => s.type === 1 && fileOffset >= BigInt(s.offset) && fileOffset < BigInt(s.offset + s.filesz));
      if (!seg) return undefined;
      return f.table.lookup(seg.vaddr + (fileOffset - BigInt(seg.offset)));
    }
    return this.perfMap.lookup(address);
  }
}
