import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgramBuilder, R0, R1, R2, encode, decode, bindMaps, LDDW, EncodingError } from '../../src/isa/index.js';

test('builder resolves labels into slot offsets, counting lddw as two slots', () => {
  const b = new ProgramBuilder();
  b.mov64(R0, 0).jmp('jeq', R1, 0, 'out').lddw(R2, 0x1122334455667788n).add64(R0, R2).label('out').exit();
  const p = b.build();
  assert.equal(p[1].off, 3); // skips lddw (2 slots) and add
  assert.equal(p[1].ref, undefined);
});

test('encode/decode round trip keeps every field, including the 64-bit constant', () => {
  const b = new ProgramBuilder();
  b.lddw(R1, -2n).stx('dw', R1, -8, R2).jmp32('jsgt', R1, -5, 'x').label('x').sdiv64(R0, R1).exit();
  const p = b.build();
  const bytes = encode(p);
  assert.equal(bytes.length, 6 * 8);
  const back = decode(bytes);
  assert.equal(back[0].code, LDDW);
  assert.equal(back[0].imm64, 0xfffffffffffffffen);
  assert.deepEqual(back.slice(1), p.slice(1));
  assert.equal(back[3].off, 1);
});

test('map references stay symbolic until bound, and encoding refuses unbound ones elsewhere', () => {
  const p = new ProgramBuilder().ldMap(R1, 'counts').mov64(R0, 0).exit().build();
  assert.equal(p[0].ref, 'counts');
  const bound = bindMaps(p, (n) => (n === 'counts' ? 7 : -1));
  assert.equal(bound[0].imm, 7);
  assert.equal(decode(encode(bound))[0].imm64, 7n);
  assert.throws(() => encode([{ code: 0x05, dst: 0, src: 0, off: 0, imm: 0, ref: 'nowhere' }]), EncodingError);
});
