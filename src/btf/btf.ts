// A BTF reader: the kernel's own description of its types (/sys/kernel/btf/vmlinux), which is how
// bpfkit knows struct layouts with no kernel headers. Parsing is lazy: one pass records where each
// type starts; names are indexed on first lookup; types are decoded on demand.
import { readFileSync } from 'node:fs';
import { UserError } from '../diagnostics.js';
import { BTF_MAGIC, BtfKind, TYPE_HEADER_SIZE, trailingBytes } from './kinds.js';

export class BtfError extends UserError {
  constructor(message: string) { super(message); this.name = 'BtfError'; }
}

export interface BtfMember {
  name: string;
  type: number;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
  /** Bitfield width in bits, 0 when the member is not a bitfield. */
  bitSize: number;
}

export type BtfType =
  | { kind: 'void'; id: 0; name: '' }
  | { kind: 'int'; id: number; name: string; size: number; signed: boolean; char: boolean; bool: boolean; bits: number; bitOffset: number }
  | { kind: 'ptr' | 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag'; id: number; name: string; type: number }
  | { kind: 'array'; id: number; name: string; elem: number; index: number; length: number }
  | { kind: 'struct' | 'union'; id: number; name: string; size: number; members: BtfMember[] }
  | { kind: 'enum'; id: number; name: string; size: number; signed: boolean; values: { name: string; value: bigint }[] }
  | { kind: 'fwd'; id: number; name: string; union: boolean }
  | { kind: 'func'; id: number; name: string; type: number; linkage: number }
  | { kind: 'func_proto'; id: number; name: string; ret: number; params: { name: string; type: number }[] }
  | { kind: 'var'; id: number; name: string; type: number; linkage: number }
  | { kind: 'datasec'; id: number; name: string; size: number; vars: { type: number; offset: number; size: number }[] }
  | { kind: 'float'; id: number; name: string; size: number }
  | { kind: 'decl_tag'; id: number; name: string; type: number; component: number };

const QUALIFIERS = new Set(['typedef', 'volatile', 'const', 'restrict', 'type_tag']);

export class Btf {
  private readonly view: DataView;
  private readonly typesStart: number;
  private readonly stringsStart: number;
  private readonly stringsEnd: number;
  /** Byte offset of type id i (index 0 unused: id 0 is void). */
  private readonly offsets: number[] = [0];
  private names: Map<string, number[]> | undefined;
  private enumerators: Map<string, { id: number; value: bigint }> | undefined;
  private readonly cache = new Map<number, BtfType>();
  private readonly decoder = new TextDecoder();

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 24) throw new BtfError('BTF data is too short');
    let le = true;
    if (this.view.getUint16(0, true) !== BTF_MAGIC) {
      if (this.view.getUint16(0, false) !== BTF_MAGIC) throw new BtfError('not BTF data (bad magic)');
      le = false;
    }
    if (!le) throw new BtfError('big-endian BTF is not supported');
    const hdrLen = this.view.getUint32(4, true);
    const typeOff = this.view.getUint32(8, true);
    const typeLen = this.view.getUint32(12, true);
    const strOff = this.view.getUint32(16, true);
    const strLen = this.view.getUint32(20, true);
    this.typesStart = hdrLen + typeOff;
    this.stringsStart = hdrLen + strOff;
    this.stringsEnd = this.stringsStart + strLen;
    const end = this.typesStart + typeLen;
    if (end > bytes.length || this.stringsEnd > bytes.length) throw new BtfError('BTF sections run past the end of the data');
    for (let at = this.typesStart; at < end;) {
      this.offsets.push(at);
      const info = this.view.getUint32(at + 4, true);
      at += TYPE_HEADER_SIZE + trailingBytes((info >>> 24) & 0x1f, info & 0xffff);
    }
  }

  /** The running kernel's BTF. */
  static kernel(path = '/sys/kernel/btf/vmlinux'): Btf {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (e) {
      throw new BtfError(`cannot read kernel BTF at ${path}: ${(e as Error).message} (the kernel needs CONFIG_DEBUG_INFO_BTF=y)`);
    }
    return new Btf(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  /** Number of type ids, including void (id 0). */
  get count(): number { return this.offsets.length; }

  private str(off: number): string {
    const start = this.stringsStart + off;
    let end = start;
    while (end < this.stringsEnd && this.bytes[end] !== 0) end++;
    return this.decoder.decode(this.bytes.subarray(start, end));
  }

  /** Decode type `id`. */
  type(id: number): BtfType {
    if (id === 0) return { kind: 'void', id: 0, name: '' };
    const cached = this.cache.get(id);
    if (cached) return cached;
    const at = this.offsets[id];
    if (at === undefined) throw new BtfError(`BTF type id ${id} does not exist`);
    const v = this.view;
    const name = this.str(v.getUint32(at, true));
    const info = v.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = (info >>> 31) === 1;
    const sizeOrType = v.getUint32(at + 8, true);
    const extra = at + TYPE_HEADER_SIZE;
    let t: BtfType;
    switch (kind) {
      case BtfKind.INT: {
        const enc = v.getUint32(extra, true);
        const encoding = (enc >>> 24) & 0x0f;
        t = { kind: 'int', id, name, size: sizeOrType, signed: (encoding & 1) !== 0, char: (encoding & 2) !== 0, bool: (encoding & 4) !== 0, bits: enc & 0xff, bitOffset: (enc >>> 16) & 0xff };
        break;
      }
      case BtfKind.PTR: t = { kind: 'ptr', id, name, type: sizeOrType }; break;
      case BtfKind.TYPEDEF: t = { kind: 'typedef', id, name, type: sizeOrType }; break;
      case BtfKind.VOLATILE: t = { kind: 'volatile', id, name, type: sizeOrType }; break;
      case BtfKind.CONST: t = { kind: 'const', id, name, type: sizeOrType }; break;
      case BtfKind.RESTRICT: t = { kind: 'restrict', id, name, type: sizeOrType }; break;
      case BtfKind.TYPE_TAG: t = { kind: 'type_tag', id, name, type: sizeOrType }; break;
      case BtfKind.ARRAY:
        t = { kind: 'array', id, name, elem: v.getUint32(extra, true), index: v.getUint32(extra + 4, true), length: v.getUint32(extra + 8, true) };
        break;
      case BtfKind.STRUCT:
      case BtfKind.UNION: {
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = extra + i * 12;
          const off = v.getUint32(m + 8, true);
          members.push({
            name: this.str(v.getUint32(m, true)),
            type: v.getUint32(m + 4, true),
            bitOffset: kflag ? off & 0xffffff : off,
            bitSize: kflag ? off >>> 24 : 0,
          });
        }
        t = { kind: kind === BtfKind.STRUCT ? 'struct' : 'union', id, name, size: sizeOrType, members };
        break;
      }
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const values: { name: string; value: bigint }[] = [];
        const step = kind === BtfKind.ENUM ? 8 : 12;
        for (let i = 0; i < vlen; i++) {
          const e = extra + i * step;
          const value = kind === BtfKind.ENUM
            ? BigInt(kflag ? v.getInt32(e + 4, true) : v.getUint32(e + 4, true))
            : (BigInt(v.getUint32(e + 8, true)) << 32n) | BigInt(v.getUint32(e + 4, true));
          values.push({ name: this.str(v.getUint32(e, true)), value: kflag && kind === BtfKind.ENUM64 ? BigInt.asIntN(64, value) : value });
        }
        t = { kind: 'enum', id, name, size: sizeOrType, signed: kflag, values };
        break;
      }
      case BtfKind.FWD: t = { kind: 'fwd', id, name, union: kflag }; break;
      case BtfKind.FUNC: t = { kind: 'func', id, name, type: sizeOrType, linkage: vlen }; break;
      case BtfKind.FUNC_PROTO: {
        const params = [];
        for (let i = 0; i < vlen; i++) params.push({ name: this.str(v.getUint32(extra + i * 8, true)), type: v.getUint32(extra + i * 8 + 4, true) });
        t = { kind: 'func_proto', id, name, ret: sizeOrType, params };
        break;
      }
      case BtfKind.VAR: t = { kind: 'var', id, name, type: sizeOrType, linkage: v.getUint32(extra, true) }; break;
      case BtfKind.DATASEC: {
        const vars = [];
        for (let i = 0; i < vlen; i++) {
          const d = extra + i * 12;
          vars.push({ type: v.getUint32(d, true), offset: v.getUint32(d + 4, true), size: v.getUint32(d + 8, true) });
        }
        t = { kind: 'datasec', id, name, size: sizeOrType, vars };
        break;
      }
      case BtfKind.FLOAT: t = { kind: 'float', id, name, size: sizeOrType }; break;
      case BtfKind.DECL_TAG: t = { kind: 'decl_tag', id, name, type: sizeOrType, component: v.getInt32(extra, true) }; break;
      default: throw new BtfError(`BTF type id ${id} has unknown kind ${kind}`);
    }
    this.cache.set(id, t);
    return t;
  }

  /** Ids of every type named `name` (any kind). */
  idsByName(name: string): number[] {
    if (!this.names) {
      this.names = new Map();
      for (let id = 1; id < this.offsets.length; id++) {
        const n = this.str(this.view.getUint32(this.offsets[id], true));
        if (!n) continue;
        const list = this.names.get(n);
        if (list) list.push(id);
        else this.names.set(n, [id]);
      }
    }
    return this.names.get(name) ?? [];
  }

  /**
   * The enum that defines enumerator `name` (TCP_FIN_WAIT1, SKB_DROP_REASON_NOT_SPECIFIED) and its
   * value. Enumerators are not type names, so the first call indexes every enum once.
   */
  enumerator(name: string): { type: Extract<BtfType, { kind: 'enum' }>; value: bigint } | undefined {
    if (!this.enumerators) {
      this.enumerators = new Map();
      for (let id = 1; id < this.offsets.length; id++) {
        const kind = (this.view.getUint32(this.offsets[id] + 4, true) >>> 24) & 0x1f;
        if (kind !== BtfKind.ENUM && kind !== BtfKind.ENUM64) continue;
        const t = this.type(id) as Extract<BtfType, { kind: 'enum' }>;
        // The first definition wins, as a C compiler would see one of them.
        for (const v of t.values) if (!this.enumerators.has(v.name)) this.enumerators.set(v.name, { id, value: v.value });
      }
    }
    const hit = this.enumerators.get(name);
    return hit && { type: this.type(hit.id) as Extract<BtfType, { kind: 'enum' }>, value: hit.value };
  }

  /** Every type name in this BTF (for listing probes: btf_trace_*, functions). */
  allNames(): IterableIterator<string> {
    this.idsByName('');
    return this.names!.keys();
  }

  /** The first type named `name` of one of `kinds` (a complete definition preferred over a fwd). */
  find(name: string, ...kinds: BtfType['kind'][]): BtfType | undefined {
    for (const id of this.idsByName(name)) {
      const t = this.type(id);
      if (kinds.length === 0 || kinds.includes(t.kind)) return t;
    }
    return undefined;
  }

  /** `struct NAME` (or union) by name; throws a clear error when the kernel has none. */
  struct(name: string): Extract<BtfType, { kind: 'struct' | 'union' }> {
    const t = this.find(name, 'struct', 'union');
    if (!t || (t.kind !== 'struct' && t.kind !== 'union')) throw new BtfError(`unknown struct '${name}' (not in the kernel's BTF)`);
    return t;
  }

  /** Follow typedefs and qualifiers to the underlying type. */
  resolve(id: number): BtfType {
    let t = this.type(id);
    for (let guard = 0; QUALIFIERS.has(t.kind) && guard < 64; guard++) t = this.type((t as { type: number }).type);
    return t;
  }

  /** Size in bytes of type `id`. */
  sizeof(id: number): number {
    const t = this.resolve(id);
    switch (t.kind) {
      case 'int': case 'struct': case 'union': case 'enum': case 'float': case 'datasec': return t.size;
      case 'ptr': return 8;
      case 'array': return t.length * this.sizeof(t.elem);
      default: throw new BtfError(`type '${this.typeName(id)}' has no size`);
    }
  }

  /** C spelling of a type, as a user would write it in a cast (`struct task_struct *`). */
  typeName(id: number): string {
    const t = this.type(id);
    switch (t.kind) {
      case 'void': return 'void';
      case 'ptr': return `${this.typeName(t.type)} *`;
      case 'const': return `const ${this.typeName(t.type)}`;
      case 'volatile': return `volatile ${this.typeName(t.type)}`;
      case 'restrict': case 'type_tag': return this.typeName(t.type);
      case 'array': return `${this.typeName(t.elem)}[${t.length}]`;
      case 'struct': case 'union': return `${t.kind} ${t.name || '(anon)'}`;
      case 'enum': return `enum ${t.name || '(anon)'}`;
      case 'fwd': return `${t.union ? 'union' : 'struct'} ${t.name}`;
      case 'func_proto': return `${this.typeName(t.ret)} (*)(${t.params.map((p) => this.typeName(p.type)).join(', ')})`;
      default: return t.name;
    }
  }

  /**
   * Find member `name` of a struct/union, looking through anonymous struct/union members as C
   * does. Returns the member with its bit offset from the start of the outer struct.
   */
  member(structId: number, name: string): BtfMember | undefined {
    const t = this.resolve(structId);
    if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
    for (const m of t.members) {
      if (m.name === name) return m;
      if (m.name === '') {
        const inner = this.member(m.type, name);
        if (inner) return { ...inner, bitOffset: inner.bitOffset + m.bitOffset };
      }
    }
    return undefined;
  }
}

let kernelInstance: Btf | undefined;
/** The running kernel's BTF, read once per process (the probes, struct types and enums share it). */
export function kernelBtf(): Btf {
  return (kernelInstance ??= Btf.kernel());
}
