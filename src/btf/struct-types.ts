// Kernel struct types for the language, from BTF: what makes `((struct task_struct *)curtask)->pid`
// and `curtask->real_parent->tgid` work with no kernel headers. A struct converts eagerly through
// its embedded (by-value) structs and arrays, whose fields `.` reaches, but only shallowly
// through pointers: a pointer's target struct is a stub {size 0, no fields} that the type checker
// and the compiler resolve by name when `->` follows it, so task_struct's web of pointers costs
// nothing until used. Anonymous struct/union members are flattened into their parent, as C
// lets you name their fields directly. Bitfields keep their bit position.
import type { StructField, StructTypeT, Type } from '../lang/types.js';
import { int, ptr, str, VOID, I8, U64 } from '../lang/types.js';
import { Btf, kernelBtf } from './btf.js';

const cache = new Map<number, StructTypeT>();

/** `struct NAME` / `union NAME` from kernel BTF, or undefined when the kernel has none. */
export function kernelStructType(keyword: 'struct' | 'union' | 'enum', name: string): StructTypeT | undefined {
  if (keyword === 'enum') return undefined;
  let b: Btf;
  try { b = kernelBtf(); } catch { return undefined; }
  const t = b.find(name, keyword);
  if (!t || (t.kind !== 'struct' && t.kind !== 'union')) return undefined;
  return structType(b, t.id);
}

function structType(b: Btf, id: number): StructTypeT {
  const hit = cache.get(id);
  if (hit) return hit;
  const t = b.resolve(id);
  if (t.kind !== 'struct' && t.kind !== 'union') throw new Error(`BTF type ${id} is not a struct`);
  const out: StructTypeT = { kind: 'struct', name: `${t.kind} ${t.name || '(anon)'}`, size: t.size, fields: [] };
  cache.set(id, out);
  const add = (members: typeof t.members, baseBits: number): void => {
    for (const m of members) {
      const bits = baseBits + m.bitOffset;
      const mt = b.resolve(m.type);
      if (m.name === '' && (mt.kind === 'struct' || mt.kind === 'union')) { add(mt.members, bits); continue; }
      const field: StructField = { name: m.name, type: memberType(b, m.type), offset: Math.floor(bits / 8) };
      if (m.bitSize > 0) {
        // The containing unit is the member's underlying integer, read at a byte offset.
        const unit = Math.min(8, b.sizeof(m.type));
        const byte = Math.floor(bits / 8);
        field.offset = byte;
        field.bitfield = { bitOffset: bits - byte * 8, bits: m.bitSize };
        field.type = int(bitsFor(Math.max(unit, Math.ceil((bits - byte * 8 + m.bitSize) / 8))), mt.kind === 'int' && mt.signed);
      }
      out.fields.push(field);
    }
  };
  add(t.members, 0);
  return out;
}

function bitsFor(bytes: number): 8 | 16 | 32 | 64 {
  return bytes <= 1 ? 8 : bytes <= 2 ? 16 : bytes <= 4 ? 32 : 64;
}

/** The language type of a BTF type used as a struct member or function argument. */
export function memberType(b: Btf, id: number): Type {
  const t = b.resolve(id);
  switch (t.kind) {
    case 'int':
      if (t.bool) return { kind: 'bool' };
      if (t.size > 8) return { kind: 'array', element: int(8, false), length: t.size };
      return int(bitsFor(t.size), t.signed || (t.char && t.signed));
    case 'enum': return t.name ? { ...int(bitsFor(t.size), t.signed), enumName: t.name } : int(bitsFor(t.size), t.signed);
    case 'ptr': return ptr(pointee(b, t.type), 'kernel');
    case 'array': {
      const el = b.resolve(t.elem);
      // char[N] reads as a string, as bpftrace prints task_struct->comm.
      if (el.kind === 'int' && el.size === 1 && (el.char || el.name === 'char')) return str(t.length);
      return { kind: 'array', element: memberType(b, t.elem), length: t.length };
    }
    case 'struct': case 'union': return structType(b, t.id);
    case 'float': return { kind: 'array', element: int(8, false), length: t.size };
    default: return U64;
  }
}

function pointee(b: Btf, id: number): Type {
  const t = b.resolve(id);
  switch (t.kind) {
    case 'void': return VOID;
    case 'struct': case 'union': return { kind: 'struct', name: `${t.kind} ${t.name || '(anon)'}`, size: 0, fields: [] };
    case 'fwd': return { kind: 'struct', name: `${t.union ? 'union' : 'struct'} ${t.name}`, size: 0, fields: [] };
    case 'int': return t.size === 1 ? I8 : memberType(b, id);
    case 'ptr': return ptr(pointee(b, t.type), 'kernel');
    case 'func_proto': return VOID;
    default: return memberType(b, id);
  }
}
