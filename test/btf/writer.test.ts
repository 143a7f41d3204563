// The BTF writer: its blobs must read back with our reader (btf.ts) and be accepted by the
// kernel's BTF checker (BPF_BTF_LOAD); with them, a program whose subprogram is a
// bpf_for_each_map_elem callback loads, and without func_info the verifier refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { Btf } from '../../src/btf/btf.js';
import { BtfFuncLinkage, BtfIntEncoding, BtfWriter, functionsBtf } from '../../src/btf/writer.js';
import { loadBtf, BtfLoadError } from '../../src/kernel/btf-load.js';
import { closeFd } from '../../src/kernel/sys.js';
import { ProgramBuilder, R0, R1, R2, R3, R4 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType, VerifierError } from '../../src/kernel/programs.js';
import { u32, u64 } from '../../src/kernel/codecs.js';
import { slotOffsets } from '../../src/isa/instruction.js';

function sample(): Uint8Array {
  const w = new BtfWriter();
  const int = w.int('int', 4, BtfIntEncoding.SIGNED);
  const uchar = w.int('unsigned char', 1, BtfIntEncoding.CHAR);
  const p = w.ptr(uchar);
  const proto = w.funcProto(int, [{ name: 'ctx', type: p }, { name: 'n', type: int }]);
  w.func('handler', proto, BtfFuncLinkage.GLOBAL);
  return w.build();
}

test('BTF writer output reads back with the BTF reader', () => {
  const btf = new Btf(sample());
  assert.equal(btf.count, 6); // void + 5 types
  assert.deepEqual(btf.type(1), { kind: 'int', id: 1, name: 'int', size: 4, signed: true, char: false, bool: false, bits: 32, bitOffset: 0 });
  assert.equal(btf.type(2).kind, 'int');
  assert.deepEqual(btf.type(3), { kind: 'ptr', id: 3, name: '', type: 2 });
  const proto = btf.type(4);
  assert.equal(proto.kind, 'func_proto');
  if (proto.kind === 'func_proto') {
    assert.equal(proto.ret, 1);
    assert.deepEqual(proto.params, [{ name: 'ctx', type: 3 }, { name: 'n', type: 1 }]);
  }
  assert.deepEqual(btf.type(5), { kind: 'func', id: 5, name: 'handler', type: 4, linkage: BtfFuncLinkage.GLOBAL });
  assert.equal(btf.typeName(3), 'unsigned char *');
});

test('the kernel accepts the BTF writer\'s blobs (BPF_BTF_LOAD)', needs(), () => {
  closeFd(loadBtf(sample()));
  const { btf } = functionsBtf([{ name: 'main_fn', insnOffset: 0, params: 1 }, { name: 'cb_fn', insnOffset: 4, params: 4 }]);
  closeFd(loadBtf(btf));
  // And refuses a broken one, with its reason: a FUNC whose name is not an identifier.
  const w = new BtfWriter();
  w.func('not valid!', w.funcProto(0, []));
  assert.throws(() => loadBtf(w.build()), BtfLoadError);
});

test('a bpf_for_each_map_elem callback loads with func_info and counts the map', needs(), () => {
  const m = BpfMap.create(mapSpecs.hash('bpfkit_fe', 4, 8, 16));
  for (let i = 0; i < 5; i++) m.update(u32.encode(i), u64.encode(BigInt(i * 10)));
  // main: return for_each_map_elem(m, cb, 0, 0) (the number of elements visited); cb: go on.
  const main = new ProgramBuilder()
    .ldMap(R1, 'm').ldFunc(R2, 'cb').mov64(R3, 0).mov64(R4, 0).call(Helper.for_each_map_elem)
    .exit()
    .label('cb').mov64(R0, 0).exit();
  const insns = main.build();
  const cbSlot = slotOffsets(insns)[6]; // lddw, lddw, mov, mov, call, exit, then the callback
  assert.equal(cbSlot, 8);
  const { btf, funcInfo } = functionsBtf([{ name: 'fe_main', insnOffset: 0, params: 1 }, { name: 'fe_cb', insnOffset: cbSlot, params: 4 }]);
  const spec = { name: 'bpfkit_fe', type: ProgramType.SOCKET_FILTER, instructions: insns };
  try {
    assert.throws(() => Program.load(spec, { m }), (e: unknown) => e instanceof VerifierError && /func_info/.test(e.log));
    const prog = Program.load({ ...spec, btf, funcInfo }, { m });
    try {
      assert.equal(prog.testRun({ data: new Uint8Array(64) }).retval, 5);
    } finally { prog.close(); }
  } finally {
    m.close();
  }
});
