// Just enough DWARF (versions 4 and 5) to type uprobe arguments: the names and C types of each
// function's parameters, from `.debug_info` with its abbreviation table and string sections.
// The ELF reader hands in section bytes; nothing here touches files.
import { UserError } from '../diagnostics.js';

export class DwarfError extends UserError {
  constructor(message: string) { super(message); this.name = 'DwarfError'; }
}

export interface DwarfSections {
  info: Uint8Array;
  abbrev: Uint8Array;
  str?: Uint8Array;
  lineStr?: Uint8Array;
  strOffsets?: Uint8Array;
}

export interface DwarfParameter {
  name: string;
  /** C spelling ("const char *", "struct point *", "int"). */
  typeName: string;
  /** Size in bytes (pointers 8), 0 when unknown. */
  size: number;
  signed: boolean;
  pointer: boolean;
}

export interface DwarfFunction {
  name: string;
  params: DwarfParameter[];
  returnType: string;
}

const TAG = {
  array: 0x01, enumeration: 0x04, formal_parameter: 0x05, pointer: 0x0f, compile_unit: 0x11,
  structure: 0x13, subroutine: 0x15, typedef: 0x16, union: 0x17, base: 0x24, const: 0x26,
  subprogram: 0x2e, volatile: 0x35, restrict: 0x37, atomic: 0x47,
} as const;
const AT = { name: 0x03, byte_size: 0x0b, encoding: 0x3e, type: 0x49, declaration: 0x3c, specification: 0x47, abstract_origin: 0x31, str_offsets_base: 0x72 } as const;
const DW_ATE_signed = 0x05, DW_ATE_signed_char = 0x06;

interface Abbrev { tag: number; children: boolean; attrs: { at: number; form: number; implicit?: bigint }[] }

interface Die {
  offset: number;
  tag: number;
  attrs: Map<number, bigint | string>;
  children: Die[];
}

class Reader {
  pos: number;
  readonly v: DataView;
  constructor(readonly b: Uint8Array, pos = 0) {
    this.pos = pos;
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u8() { return this.b[this.pos++]; }
  u16() { const x = this.v.getUint16(this.pos, true); this.pos += 2; return x; }
  u32() { const x = this.v.getUint32(this.pos, true); this.pos += 4; return x; }
  u64() { const x = this.v.getBigUint64(this.pos, true); this.pos += 8; return x; }
  uleb(): bigint {
    let result = 0n, shift = 0n, byte;
    do { byte = this.b[this.pos++]; result |= BigInt(byte & 0x7f) << shift; shift += 7n; } while (byte & 0x80);
    return result;
  }
  sleb(): bigint {
    let result = 0n, shift = 0n, byte;
    do { byte = this.b[this.pos++]; result |= BigInt(byte & 0x7f) << shift; shift += 7n; } while (byte & 0x80);
    return byte & 0x40 ? result - (1n << shift) : result;
  }
  cstr(): string {
    const start = this.pos;
    while (this.b[this.pos] !== 0) this.pos++;
    return new TextDecoder().decode(this.b.subarray(start, this.pos++));
  }
}

function parseAbbrevs(bytes: Uint8Array, offset: number): Map<number, Abbrev> {
  const r = new Reader(bytes, offset);
  const out = new Map<number, Abbrev>();
  for (;;) {
    const code = Number(r.uleb());
    if (code === 0) return out;
    const tag = Number(r.uleb());
    const children = r.u8() !== 0;
    const attrs: Abbrev['attrs'] = [];
    for (;;) {
      const at = Number(r.uleb());
      const form = Number(r.uleb());
      if (at === 0 && form === 0) break;
      attrs.push(form === 0x21 ? { at, form, implicit: r.sleb() } : { at, form });
    }
    out.set(code, { tag, children, attrs });
  }
}

const cstrAt = (b: Uint8Array | undefined, off: number): string => {
  if (!b || off >= b.length) return '';
  let end = off;
  while (end < b.length && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(off, end));
};

/** Parse every compilation unit into a DIE tree (only attributes we need are kept). */
function parseUnits(s: DwarfSections): Map<number, Die> {
  const all = new Map<number, Die>();
  const r = new Reader(s.info);
  while (r.pos < s.info.length) {
    const unitStart = r.pos;
    let length = r.u32();
    let offsetSize = 4;
    if (length === 0xffffffff) { length = Number(r.u64()); offsetSize = 8; }
    const end = r.pos + length;
    const version = r.u16();
    let abbrevOff: number, addrSize: number;
    if (version >= 5) {
      const unitType = r.u8();
      addrSize = r.u8();
      abbrevOff = offsetSize === 8 ? Number(r.u64()) : r.u32();
      if (unitType === 0x02 || unitType === 0x06) r.pos += 8 + offsetSize; // type units: signature + type offset
      else if (unitType === 0x04 || unitType === 0x05) r.pos += 8; // skeleton/split: dwo_id
    } else if (version >= 2) {
      abbrevOff = offsetSize === 8 ? Number(r.u64()) : r.u32();
      addrSize = r.u8();
    } else throw new DwarfError(`unsupported DWARF version ${version}`);
    const abbrevs = parseAbbrevs(s.abbrev, abbrevOff);
    let strOffsetsBase = 8; // DWARF 5 default when the CU has none: after the section header
    const strx = (i: bigint): string => {
      if (!s.strOffsets) return '';
      const at = strOffsetsBase + Number(i) * offsetSize;
      const dv = new DataView(s.strOffsets.buffer, s.strOffsets.byteOffset, s.strOffsets.byteLength);
      return cstrAt(s.str, offsetSize === 8 ? Number(dv.getBigUint64(at, true)) : dv.getUint32(at, true));
    };
    const pendingStrx: { die: Die; at: number; index: bigint }[] = [];
    const stack: Die[] = [];
    while (r.pos < end) {
      const dieOffset = r.pos;
      const code = Number(r.uleb());
      if (code === 0) { stack.pop(); continue; }
      const ab = abbrevs.get(code);
      if (!ab) throw new DwarfError(`bad abbreviation code ${code} at .debug_info+0x${dieOffset.toString(16)}`);
      const die: Die = { offset: dieOffset, tag: ab.tag, attrs: new Map(), children: [] };
      for (const { at, form: declared, implicit } of ab.attrs) {
        let form = declared;
        if (form === 0x16) form = Number(r.uleb()); // indirect
        let value: bigint | string | undefined;
        switch (form) {
          case 0x01: r.pos += addrSize; break;
          case 0x03: { const n = r.u16(); r.pos += n; break; } // (read the length before moving pos)
          case 0x04: { const n = r.u32(); r.pos += n; break; }
          case 0x05: value = BigInt(r.u16()); break;
          case 0x06: value = BigInt(r.u32()); break;
          case 0x07: value = r.u64(); break;
          case 0x08: value = r.cstr(); break;
          case 0x09: case 0x18: { const n = Number(r.uleb()); r.pos += n; break; }
          case 0x0a: { const n = r.u8(); r.pos += n; break; }
          case 0x0b: value = BigInt(r.u8()); break;
          case 0x0c: value = BigInt(r.u8()); break;
          case 0x0d: value = r.sleb(); break;
          case 0x0e: value = cstrAt(s.str, offsetSize === 8 ? Number(r.u64()) : r.u32()); break;
          case 0x0f: value = r.uleb(); break;
          case 0x10: value = offsetSize === 8 ? r.u64() : BigInt(r.u32()); break; // ref_addr: section offset
          case 0x11: value = BigInt(unitStart + r.u8()); break;
          case 0x12: value = BigInt(unitStart + r.u16()); break;
          case 0x13: value = BigInt(unitStart + r.u32()); break;
          case 0x14: value = BigInt(unitStart) + r.u64(); break;
          case 0x15: value = BigInt(unitStart) + r.uleb(); break;
          case 0x17: case 0x1d: r.pos += offsetSize; break;
          case 0x19: value = 1n; break;
          case 0x1a: pendingStrx.push({ die, at, index: r.uleb() }); break;
          case 0x1b: case 0x22: case 0x23: r.uleb(); break;
          case 0x1c: r.pos += 4; break;
          case 0x1e: r.pos += 16; break;
          case 0x1f: value = cstrAt(s.lineStr, offsetSize === 8 ? Number(r.u64()) : r.u32()); break;
          case 0x20: case 0x24: r.pos += 8; break;
          case 0x21: value = implicit; break;
          case 0x25: pendingStrx.push({ die, at, index: BigInt(r.u8()) }); break;
          case 0x26: pendingStrx.push({ die, at, index: BigInt(r.u16()) }); break;
          case 0x27: { const lo = r.u16(); pendingStrx.push({ die, at, index: BigInt(lo | (r.u8() << 16)) }); break; }
          case 0x28: pendingStrx.push({ die, at, index: BigInt(r.u32()) }); break;
          case 0x29: r.pos += 1; break;
          case 0x2a: r.pos += 2; break;
          case 0x2b: r.pos += 3; break;
          case 0x2c: r.pos += 4; break;
          default: throw new DwarfError(`unsupported DWARF form 0x${form.toString(16)} at .debug_info+0x${dieOffset.toString(16)}`);
        }
        if (value !== undefined) die.attrs.set(at, value);
      }
      if (die.tag === TAG.compile_unit && typeof die.attrs.get(AT.str_offsets_base) === 'bigint') strOffsetsBase = Number(die.attrs.get(AT.str_offsets_base));
      stack[stack.length - 1]?.children.push(die);
      all.set(dieOffset, die);
      if (ab.children) stack.push(die);
    }
    for (const p of pendingStrx) p.die.attrs.set(p.at, strx(p.index));
    r.pos = end;
  }
  return all;
}

export class Dwarf {
  private readonly dies: Map<number, Die>;

  constructor(sections: DwarfSections) {
    this.dies = parseUnits(sections);
  }

  private ref(die: Die, at: number): Die | undefined {
    const v = die.attrs.get(at);
    return typeof v === 'bigint' ? this.dies.get(Number(v)) : undefined;
  }

  private name(die: Die): string {
    const n = die.attrs.get(AT.name);
    if (typeof n === 'string') return n;
    const origin = this.ref(die, AT.abstract_origin) ?? this.ref(die, AT.specification);
    return origin ? this.name(origin) : '';
  }

  /** C spelling of the type a DIE refers to through DW_AT_type (void when absent). */
  typeName(die: Die | undefined): string {
    if (!die) return 'void';
    const inner = () => this.typeName(this.ref(die, AT.type));
    switch (die.tag) {
      case TAG.base: case TAG.typedef: return this.name(die);
      case TAG.pointer: return `${inner()} *`;
      case TAG.const: return `const ${inner()}`;
      case TAG.volatile: return `volatile ${inner()}`;
      case TAG.restrict: case TAG.atomic: return inner();
      case TAG.structure: return `struct ${this.name(die) || '(anon)'}`;
      case TAG.union: return `union ${this.name(die) || '(anon)'}`;
      case TAG.enumeration: return `enum ${this.name(die) || '(anon)'}`;
      case TAG.array: return `${inner()}[]`;
      case TAG.subroutine: return `${inner()} (*)()`;
      default: return this.name(die) || '?';
    }
  }

  private describe(die: Die | undefined): Omit<DwarfParameter, 'name' | 'typeName'> {
    let t = die;
    for (let guard = 0; t && guard < 32; guard++) {
      if (t.tag === TAG.pointer || t.tag === TAG.subroutine || t.tag === TAG.array) return { size: 8, signed: false, pointer: true };
      if (t.tag === TAG.base || t.tag === TAG.enumeration || t.tag === TAG.structure || t.tag === TAG.union) {
        const enc = Number(t.attrs.get(AT.encoding) ?? 0n);
        return { size: Number(t.attrs.get(AT.byte_size) ?? 0n), signed: enc === DW_ATE_signed || enc === DW_ATE_signed_char || t.tag === TAG.enumeration, pointer: false };
      }
      t = this.ref(t, AT.type);
    }
    return { size: 0, signed: false, pointer: false };
  }

  /** The function named `name` (its defining DIE, not a declaration), or undefined. */
  function(name: string): DwarfFunction | undefined {
    for (const die of this.dies.values()) {
      if (die.tag !== TAG.subprogram || die.attrs.has(AT.declaration) || this.name(die) !== name) continue;
      const params = die.children.filter((c) => c.tag === TAG.formal_parameter).map((p) => {
        const type = this.ref(p, AT.type) ?? this.ref(this.ref(p, AT.abstract_origin) ?? p, AT.type);
        return { name: this.name(p), typeName: this.typeName(type), ...this.describe(type) };
      });
      return { name, params, returnType: this.typeName(this.ref(die, AT.type)) };
    }
    return undefined;
  }
}
