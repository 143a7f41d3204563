// A small ELF64 little-endian reader: section headers, program headers and symbols (.symtab and
// .dynsym). Enough to turn "path:function" into the file offset a uprobe needs, and for
// symbolizing user stacks. Reads the file once into memory; never writes.
import { readFileSync } from 'node:fs';
import { UserError } from '../diagnostics.js';

export class ElfError extends UserError {
  constructor(message: string) { super(message); this.name = 'ElfError'; }
}

export const SectionType = { SYMTAB: 2, STRTAB: 3, DYNSYM: 11, NOTE: 7 } as const;
export const SegmentType = { LOAD: 1, DYNAMIC: 2, NOTE: 4 } as const;
export const SymbolType = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, TLS: 6, GNU_IFUNC: 10 } as const;

export interface Section { name: string; type: number; flags: bigint; addr: bigint; offset: number; size: number; link: number; info: number; entsize: number }
export interface Segment { type: number; flags: number; offset: number; vaddr: bigint; filesz: number; memsz: number }
export interface ElfSymbol {
  name: string;
  /** Virtual address (st_value). */
  value: bigint;
  size: bigint;
  type: number;
  /** STB_LOCAL 0, GLOBAL 1, WEAK 2. */
  bind: number;
  /** Section index; 0 = undefined (an import). */
  shndx: number;
  /** Which table it came from. */
  table: '.symtab' | '.dynsym';
}

export class ElfFile {
  readonly sections: Section[];
  readonly segments: Segment[];
  /** ET_EXEC 2, ET_DYN 3 (shared objects and PIE executables). */
  readonly type: number;
  private readonly view: DataView;
  private symbolCache?: ElfSymbol[];

  constructor(readonly bytes: Uint8Array, readonly path = '<memory>') {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ElfError(`${path}: not an ELF file`);
    if (bytes[4] !== 2 || bytes[5] !== 1) throw new ElfError(`${path}: only 64-bit little-endian ELF files are supported`);
    const v = this.view;
    this.type = v.getUint16(16, true);
    const phoff = Number(v.getBigUint64(32, true)), shoff = Number(v.getBigUint64(40, true));
    const phentsize = v.getUint16(54, true), phnum = v.getUint16(56, true);
    const shentsize = v.getUint16(58, true), shnum = v.getUint16(60, true), shstrndx = v.getUint16(62, true);
    this.segments = [];
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      this.segments.push({
        type: v.getUint32(o, true), flags: v.getUint32(o + 4, true), offset: Number(v.getBigUint64(o + 8, true)),
        vaddr: v.getBigUint64(o + 16, true), filesz: Number(v.getBigUint64(o + 32, true)), memsz: Number(v.getBigUint64(o + 40, true)),
      });
    }
    const raw: Omit<Section, 'name'>[] & { nameOff?: number }[] = [];
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum && shoff; i++) {
      const o = shoff + i * shentsize;
      nameOffs.push(v.getUint32(o, true));
      raw.push({
        type: v.getUint32(o + 4, true), flags: v.getBigUint64(o + 8, true), addr: v.getBigUint64(o + 16, true),
        offset: Number(v.getBigUint64(o + 24, true)), size: Number(v.getBigUint64(o + 32, true)),
        link: v.getUint32(o + 40, true), info: v.getUint32(o + 44, true), entsize: Number(v.getBigUint64(o + 56, true)),
      });
    }
    const shstr = raw[shstrndx];
    this.sections = raw.map((s, i) => ({ name: shstr ? this.cstr(shstr.offset + nameOffs[i]) : '', ...s }));
  }

  static open(path: string): ElfFile {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new ElfError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return new ElfFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
  }

  private cstr(at: number): string {
    let end = at;
    while (end < this.bytes.length && this.bytes[end] !== 0) end++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, end - at).toString('latin1');
  }

  section(name: string): Section | undefined { return this.sections.find((s) => s.name === name); }
  sectionData(s: Section): Uint8Array { return this.bytes.subarray(s.offset, s.offset + s.size); }

  /** Every symbol of .symtab then .dynsym. */
  symbols(): ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const out: ElfSymbol[] = [];
    for (const s of this.sections) {
      if (s.type !== SectionType.SYMTAB && s.type !== SectionType.DYNSYM) continue;
      const strtab = this.sections[s.link];
      const table = s.type === SectionType.SYMTAB ? '.symtab' : '.dynsym';
      const entsize = s.entsize || 24;
      for (let o = s.offset + entsize; o + 24 <= s.offset + s.size; o += entsize) { // entry 0 is the null symbol
        const info = this.view.getUint8(o + 4);
        out.push({
          name: this.cstr(strtab.offset + this.view.getUint32(o, true)),
          type: info & 0xf, bind: info >> 4, shndx: this.view.getUint16(o + 6, true),
          value: this.view.getBigUint64(o + 8, true), size: this.view.getBigUint64(o + 16, true), table,
        });
      }
    }
    return (this.symbolCache = out);
  }

  /** A defined function (or ifunc/notype) symbol by exact name, preferring .symtab. */
  findSymbol(name: string): ElfSymbol | undefined {
    return this.symbols().find((s) => s.name === name && s.shndx !== 0 && s.value !== 0n);
  }

  /** Translate a virtual address into a file offset through the PT_LOAD segment containing it. */
  vaddrToOffset(vaddr: bigint): number | undefined {
    for (const seg of this.segments) {
      if (seg.type !== SegmentType.LOAD) continue;
      if (vaddr >= seg.vaddr && vaddr < seg.vaddr + BigInt(seg.filesz)) return Number(vaddr - seg.vaddr) + seg.offset;
    }
    return undefined;
  }

  /** The file offset of a function, the value a uprobe is placed at. */
  symbolFileOffset(name: string): number {
    const sym = this.findSymbol(name);
    if (!sym) throw new ElfError(`${this.path}: no symbol '${name}'`);
    const off = this.vaddrToOffset(sym.value);
    if (off === undefined) throw new ElfError(`${this.path}: symbol '${name}' (0x${sym.value.toString(16)}) is in no loaded segment`);
    return off;
  }
}
