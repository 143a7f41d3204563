// Bytes the BPF programs produced (map keys and values, ring-buffer records) back into typed
// output values. Only the compiler knows these layouts, so this module reads the same Type and
// layout data the lowering used (lang/types.ts tupleLayout, ir/maps.ts, ir/records.ts).
import { Type, sizeOf, tupleLayout } from '../lang/types.js';
import { IntBits, Value, normalizeInt } from '../output/value.js';

export interface DecodeContext {
  /** Names for `probe` values carried as ids. */
  probeNames: readonly string[];
  /** Names for kstack/ustack values and ksym/usym addresses (runtime/symbols/stack-symbolizer.ts). */
  symbols?: import('./symbols/stack-symbolizer.js').StackSymbolizer;
  /** Value -> enumerator name of `enum NAME` (the script's enums, then the kernel's). */
  enums?: (enumName: string) => ReadonlyMap<bigint, string> | undefined;
}

const decoder = new TextDecoder('utf-8');

/** A NUL-terminated string from a fixed buffer. */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function readUint(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

/**
 * Decode a value of `type` at `offset`. `wide` says integers were stored as 8 bytes whatever
 * their width (records and map values store registers; keys store the natural width).
 */
export function decodeValue(type: Type, bytes: Uint8Array, offset: number, ctx: DecodeContext, wide = false): Value {
  switch (type.kind) {
    case 'int': {
      const raw = readUint(bytes, offset, wide ? 8 : type.bits / 8);
      const value = normalizeInt(raw, type.signed, type.bits as IntBits);
      const enumerator = type.enumName === undefined ? undefined : ctx.enums?.(type.enumName)?.get(value);
      return { kind: 'int', value, signed: type.signed, bits: type.bits as IntBits, ...(enumerator === undefined ? {} : { enumerator }) };
    }
    case 'bool': return { kind: 'bool', value: readUint(bytes, offset, wide ? 8 : 1) !== 0n };
    case 'pointer': return { kind: 'int', value: readUint(bytes, offset, 8), signed: false, bits: 64 };
    case 'string': return { kind: 'string', value: cString(bytes.subarray(offset, offset + type.size)) };
    case 'buffer': {
      const len = Math.min(type.size, Number(readUint(bytes, offset, 4)));
      return { kind: 'buffer', bytes: bytes.slice(offset + 4, offset + 4 + len) };
    }
    case 'tuple': {
      const layout = tupleLayout(type.elements);
      return { kind: 'tuple', elements: type.elements.map((t, i) => decodeValue(t, bytes, offset + layout.offsets[i], ctx)) };
    }
    case 'record': {
      const layout = tupleLayout(type.fields.map((f) => f.type));
      return { kind: 'record', fields: type.fields.map((f, i) => ({ name: f.name, value: decodeValue(f.type, bytes, offset + layout.offsets[i], ctx) })) };
    }
    case 'array': {
      const size = sizeOf(type.element);
      return { kind: 'array', elements: Array.from({ length: type.length }, (_, i) => decodeValue(type.element, bytes, offset + i * size, ctx)) };
    }
    case 'stack': {
      const raw = readUint(bytes, offset, 8);
      const frames = (ctx.symbols?.stack(type.user, raw) ?? []).slice(0, type.limit);
      return { kind: 'stack', which: type.user ? 'ustack' : 'kstack', mode: type.mode === 'build_id' ? 'bpftrace' : type.mode, frames };
    }
    case 'special': {
      if ((type.name === 'ksym' || type.name === 'usym') && ctx.symbols) {
        const address = readUint(bytes, offset, 8);
        return { kind: 'symbol', which: type.name, frame: type.name === 'ksym' ? ctx.symbols.ksym(address) : ctx.symbols.usym(address) };
      }
      const id = Number(readUint(bytes, offset, Math.min(8, type.size)));
      if (type.name === 'inet') {
        const family = Number(readUint(bytes, offset, 8));
        const v6 = family === 10;
        return { kind: 'inet', family: v6 ? 6 : 4, bytes: bytes.slice(offset + 8, offset + 8 + (v6 ? 16 : 4)) };
      }
      if (type.name === 'probe') return { kind: 'string', value: ctx.probeNames[id] ?? `probe ${id}` };
      return { kind: 'int', value: readUint(bytes, offset, Math.min(8, type.size)), signed: false, bits: 64 };
    }
    default: return { kind: 'int', value: readUint(bytes, offset, 8), signed: false, bits: 64 };
  }
}
