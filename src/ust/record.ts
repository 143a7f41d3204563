// Writing an emitted event's fields into the record a filter program reads (layout from
// src/lang/filter/layout.ts), directly into the VM memory region the program runs on. Only the
// fields the attached filter reads are written.
import type { FieldLayout } from '../lang/filter/layout.js';
import type { Region, VmMemory } from '../vm/memory.js';

export type FieldValue = number | bigint | string;
export type Writer = (event: Record<string, unknown>) => void;

const encoder = new TextEncoder();

/** The string a string field holds, whatever the application passed. */
export const fieldString = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));

/**
 * A function that writes `fields` of an event object into `region`. `stringBytes` limits how
 * many bytes of a string are copied (the filter never looks further); the length is always true.
 * `zeroFill`: the bytes after a string are zeroed, so the string is also a NUL-terminated char
 * array, as bpftrace programs read tracepoint strings (and copy them whole into map keys).
 */
export function recordWriter(memory: VmMemory, region: Region, fields: readonly FieldLayout[], stringBytes?: ReadonlyMap<string, number>, zeroFill = false): Writer {
  // Views are cached: fetching them through VmMemory on every event costs more than the write.
  // Growing the memory detaches the old buffer (byteLength drops to 0): then fetch again.
  let bytes = memory.bytes;
  let view = memory.view;
  const fresh = (): void => {
    if (bytes.byteLength === 0) { bytes = memory.bytes; view = memory.view; }
  };
  const steps = fields.map((f): Writer => {
    const at = region.start + f.offset;
    const name = f.name;
    switch (f.type) {
      case 'u8': case 's8': return (e) => { bytes[at] = Number(e[name] ?? 0); };
      case 'u16': case 's16': return (e) => { view.setUint16(at, Number(e[name] ?? 0), true); };
      case 'u32': return (e) => { view.setUint32(at, Number(e[name] ?? 0), true); };
      case 's32': return (e) => { view.setInt32(at, Number(e[name] ?? 0), true); };
      case 'u64': case 's64': return (e) => {
        const v = e[name] ?? 0;
        view.setBigUint64(at, BigInt.asUintN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))), true);
      };
      case 'string': {
        const cap = f.capacity;
        const copy = Math.min(cap, stringBytes?.get(f.name) ?? cap);
        const data = at + 4;
        return (e) => {
          const s = fieldString(e[name]);
          // ASCII fast path: most event strings (paths, names) are; fall back to UTF-8.
          let n = s.length;
          let ascii = n <= cap;
          if (ascii) {
            const m = n < copy ? n : copy;
            for (let i = 0; i < m; i++) {
              const c = s.charCodeAt(i);
              if (c > 0x7f) { ascii = false; break; }
              bytes[data + i] = c;
            }
            // Bytes not copied must still be ASCII for the length to be the UTF-8 length.
            for (let i = m; ascii && i < n; i++) if (s.charCodeAt(i) > 0x7f) ascii = false;
          }
          if (!ascii) {
            const full = encoder.encode(s);
            n = full.length;
            bytes.set(full.subarray(0, cap), data);
          }
          if (zeroFill && n < cap) bytes.fill(0, data + n, data + cap);
          view.setUint32(at, n, true);
        };
      }
    }
  });
  // The views are re-checked once per event, not per field.
  if (steps.length === 1) { const [a] = steps; return (e) => { fresh(); a(e); }; }
  if (steps.length === 2) { const [a, b] = steps; return (e) => { fresh(); a(e); b(e); }; }
  return (e) => { fresh(); for (const s of steps) s(e); };
}
