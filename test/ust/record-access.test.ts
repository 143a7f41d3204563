// The JavaScript JIT's view of an event (src/ust/record-access.ts) against the record the writer
// produces (src/ust/record.ts): a load of any width at any offset reads the same bytes, for
// events with the values applications really pass: missing fields, BigInts and strings for
// integers, fractions, negative numbers for unsigned fields, non-ASCII and over-long strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutRecord } from '../../src/lang/filter/layout.js';
import { recordWriter } from '../../src/ust/record.js';
import { recordAccess } from '../../src/ust/record-access.js';
import { compileToJs } from '../../src/vm/jsjit/compile.js';
import { VmMemory } from '../../src/vm/memory.js';
import { Instruction } from '../../src/isa/instruction.js';
import { AluOp, Class, JmpOp, Mode, Size, Source } from '../../src/isa/opcodes.js';

const schema = { a: 'u8', b: 's8', c: 'u16', d: 's16', name: 'string', e: 'u32', f: 's32', g: 'u64', h: 's64' } as const;
const layout = layoutRecord(schema, 16);

const values: unknown[] = [undefined, null, 0, 1, -1, 255, 256, 65535, 65536, -32769, 2 ** 31, 2 ** 32 + 5, -(2 ** 40) - 3, 1.75, -1.25, -0.5,
  2 ** 53 + 2, 2 ** 70, 7n, -7n, (1n << 64n) - 1n, 1n << 64n, -(1n << 63n), '42', '0x10', true];
const strings: unknown[] = ['', 'a', '/api/users', 'exactly16bytes!!', 'a string longer than sixteen bytes', 'π', 'naïve/path', '日本語のパス', '😀x', 42, undefined, null];

/** A program returning the low (or high) 32 bits of the `size`-byte load at `at` (via a register base when `moved`). */
function loader(at: number, size: 1 | 2 | 4 | 8, signed: boolean, high: boolean, moved: boolean): Instruction[] {
  const sizeCode = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW }[size];
  const mode = signed ? Mode.MEMSX : Mode.MEM;
  const p: Instruction[] = moved
    ? [{ code: Class.ALU64 | AluOp.MOV | Source.X, dst: 3, src: 1, off: 0, imm: 0 },
      { code: Class.ALU64 | AluOp.ADD | Source.K, dst: 3, src: 0, off: 0, imm: at },
      { code: Class.LDX | sizeCode | mode, dst: 0, src: 3, off: 0, imm: 0 }]
    : [{ code: Class.LDX | sizeCode | mode, dst: 0, src: 1, off: at, imm: 0 }];
  if (high) p.push({ code: Class.ALU64 | AluOp.RSH | Source.K, dst: 0, src: 0, off: 0, imm: 32 });
  p.push({ code: Class.JMP | JmpOp.EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  return p;
}

test('every load of the in-place view reads the bytes the record writer writes', () => {
  const memory = new VmMemory();
  const region = memory.map(layout.size, 'ctx', false, 'record');
  const write = recordWriter(memory, region, [...layout.fields.values()]);
  const access = recordAccess(layout);
  const name = layout.fields.get('name')!;
  let seed = 11;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < 100; i++) {
    const ev: Record<string, unknown> = {};
    for (const [field, type] of Object.entries(schema)) {
      const v = type === 'string' ? strings[rnd(strings.length)] : values[rnd(values.length)];
      if (v !== undefined || rnd(2)) ev[field] = v;
    }
    events.push(ev);
  }
  // Programs for every width at every offset, each read both at a fixed and at a run-time offset.
  const programs: { label: string; run: (e: unknown) => number; at: number; size: number }[] = [];
  for (const size of [1, 2, 4, 8] as const) {
    for (let at = 0; at + size <= layout.size; at++) {
      for (const signed of size < 8 ? [false, true] : [false]) {
        for (const high of [false, true]) {
          for (const moved of [false, true]) {
            const r = compileToJs(loader(at, size, signed, high, moved), access);
            assert.ok(r.ok, r.ok ? '' : r.reason);
            programs.push({ label: `${signed ? 's' : 'u'}${size * 8} at ${at}${high ? ' (high half)' : ''}${moved ? ' via a moved pointer' : ''}`, run: r.run, at, size });
          }
        }
      }
    }
  }
  let compared = 0;
  for (const ev of events) {
    let bigintOverflow = false;
    try { write(ev); } catch { bigintOverflow = true; }
    if (bigintOverflow) continue; // the writer throws on what it cannot convert; so does the view (below)
    const stringBytes = new TextEncoder().encode(typeof ev.name === 'string' ? ev.name : String(ev.name ?? ''));
    // Past the string's end a written record holds what an earlier string left; the view reads 0.
    const validEnd = name.offset + 4 + Math.min(stringBytes.length, name.capacity);
    const expected = memory.bytes.slice(region.start, region.start + layout.size);
    const view = new DataView(expected.buffer);
    for (const p of programs) {
      if (p.at < name.offset + 4 + name.capacity && p.at + p.size > validEnd) continue;
      const signed = p.label.startsWith('s');
      const high = p.label.includes('high');
      let full: bigint;
      switch (p.size) {
        case 1: full = BigInt(signed ? view.getInt8(p.at) : view.getUint8(p.at)); break;
        case 2: full = BigInt(signed ? view.getInt16(p.at, true) : view.getUint16(p.at, true)); break;
        case 4: full = BigInt(signed ? view.getInt32(p.at, true) : view.getUint32(p.at, true)); break;
        default: full = view.getBigUint64(p.at, true);
      }
      full = BigInt.asUintN(64, full);
      const want = Number((high ? full >> 32n : full) & 0xffffffffn);
      assert.equal(p.run(ev), want, `${p.label} of ${JSON.stringify(ev, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
      compared++;
    }
  }
  assert.ok(compared > 100_000, `only ${compared} loads compared`);
});

test('a value the writer cannot convert makes the in-place view throw too, not read garbage', () => {
  const access = recordAccess(layout);
  const g = layout.fields.get('g')!;
  const r = compileToJs(loader(g.offset, 8, false, false, false), access);
  assert.ok(r.ok);
  const memory = new VmMemory();
  const write = recordWriter(memory, memory.map(layout.size, 'ctx', false), [g]);
  for (const bad of [NaN, Infinity, 'not a number']) {
    assert.throws(() => write({ g: bad }), RangeError);
    assert.throws(() => r.run({ g: bad }), RangeError);
  }
});
