// The JIT's lean paths: the prepare/runPrepared entry (i32 in, u32 out), helpers' 32-bit
// variants, map_lookup_elem inlined for array maps, and helpers computed in wasm. Each is
// compared with the interpreter (or the BigInt entry) on the same program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { bindMaps, ProgramBuilder, R0, R1, R2, R3, R6, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { Instruction } from '../../src/isa/instruction.js';
import { VmError } from '../../src/vm/errors.js';
import { defaultHelpers } from '../../src/vm/helpers.js';
import { registerMapHelpers } from '../../src/vm/helpers-maps.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmMaps } from '../../src/vm/maps.js';
import { VmMemory } from '../../src/vm/memory.js';
import { JitProgram } from '../../src/vm/jit/jit.js';

test('runPrepared returns r0 low 32 bits, `high` the top half, like run()', () => {
  const p = new JitProgram(assemble('lddw %r0, 0x89abcdef01234567\nadd %r0, %r2\nexit'));
  const input = p.memory.map(8, 'ctx', true, 'ctx');
  p.prepare([input], input);
  assert.equal(p.runPrepared(input.start, 1), 0x01234568);
  assert.equal(p.high >>> 0, 0x89abcdef);
  assert.equal(p.run(new Uint8Array(3)), 0x89abcdef0123456an);
  // run() and call() overwrote the entry state: runPrepared restores what was prepared.
  assert.equal(p.call([0n, 5n]), 0x89abcdef0123456cn);
  assert.equal(p.runPrepared(input.start, 2), 0x01234569);
  assert.equal(p.runWith32(input.start, 0xffffffff, [input], input), 0x01234566);
  assert.equal(p.high >>> 0, 0x89abcdf0);
  p.dispose();
  assert.throws(() => p.runPrepared(0, 0), /after dispose/);
});

test('runPrepared uses the prepared windows: loads inside pass, outside fault', () => {
  const p = new JitProgram(assemble('ldxw %r0, [%r1+4]\nexit'));
  const a = p.memory.map(8, 'ctx', false, 'a');
  p.memory.write(a, new Uint8Array([0, 0, 0, 0, 7, 0, 0, 0]));
  p.prepare([a], a);
  assert.equal(p.runPrepared(a.start, 0), 7);
  assert.throws(() => p.runPrepared(a.start + 4, 0), (e: unknown) => e instanceof VmError && e.kind === 'memory-fault');
});

function mapProgram(kind: 'array' | 'hash'): { program: Instruction[]; maps: VmMaps; memory: VmMemory } {
  const memory = new VmMemory();
  const maps = new VmMaps(memory);
  maps.create({ name: 'm', kind, keySize: 4, valueSize: 8, maxEntries: 4 });
  const b = new ProgramBuilder();
  b.mov64(R6, 0);
  // For keys 0..5: update (hash: inserts until full) then look up and add one to the value.
  for (let k = 0; k < 6; k++) {
    const miss = b.newLabel('miss');
    b.st('w', R10, -4, k).st('dw', R10, -16, 100 + k);
    b.ldMap(R1, 'm').mov64(R2, R10).add64(R2, -4).mov64(R3, R10).add64(R3, -16).call(Helper.map_update_elem).add64(R6, R0);
    b.ldMap(R1, 'm').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem);
    b.jmp('jeq', R0, 0, miss).mov64(R1, 1).atomic('dw', 'add', R0, 0, R1).ldx('dw', R1, R0, 0).add64(R6, R1);
    b.label(miss);
  }
  b.st('w', R10, -4, 1).ldMap(R1, 'm').mov64(R2, R10).add64(R2, -4).call(Helper.map_delete_elem).add64(R6, R0);
  b.mov64(R0, R6).exit();
  return { program: bindMaps(b.build(), maps.handleOf), maps, memory };
}

for (const kind of ['array', 'hash'] as const) {
  test(`${kind} map helpers: the JIT's fast paths leave the same r0 and map contents as the interpreter`, () => {
    const results: { r0: bigint; entries: string }[] = [];
    for (const engine of ['interpreter', 'jit'] as const) {
      const { program, maps, memory } = mapProgram(kind);
      const options = { memory, helpers: registerMapHelpers(defaultHelpers(), maps), resolvePseudo: maps.resolvePseudo };
      const e = engine === 'jit' ? new JitProgram(program, options) : new Interpreter(program, options);
      const r0 = e.run();
      const entries = maps.named('m')!.entries().map(([k, v]) => `${Buffer.from(k).toString('hex')}=${Buffer.from(v).toString('hex')}`).sort().join(',');
      results.push({ r0, entries });
      e.dispose();
      maps.close();
    }
    assert.deepEqual(results[1], results[0]);
    assert.notEqual(results[0].entries, '');
  });
}

test('inlined array lookup: a key pointer outside memory faults, out-of-range keys miss', () => {
  const memory = new VmMemory();
  const maps = new VmMaps(memory);
  maps.create({ name: 'a', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 2 });
  const options = { memory, helpers: registerMapHelpers(defaultHelpers(), maps), resolvePseudo: maps.resolvePseudo };
  const miss = new ProgramBuilder().st('w', R10, -4, 2).ldMap(R1, 'a').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem).exit().build();
  assert.equal(new JitProgram(bindMaps(miss, maps.handleOf), options).run(), 0n);
  const wild = new ProgramBuilder().ldMap(R1, 'a').mov64(R2, 8).call(Helper.map_lookup_elem).exit().build();
  for (const e of [new JitProgram(bindMaps(wild, maps.handleOf), options), new Interpreter(bindMaps(wild, maps.handleOf), options)]) {
    assert.throws(() => e.run(), (err: unknown) => err instanceof VmError && err.kind === 'memory-fault');
  }
});

test('helpers computed in wasm: cpu id 0, prandom varies and is a u32', () => {
  const b = new ProgramBuilder().call(Helper.get_smp_processor_id).mov64(R6, R0);
  b.call(Helper.get_prandom_u32).add64(R6, R0).mov64(R0, R6).exit();
  const p = new JitProgram(b.build());
  const seen = new Set<bigint>();
  for (let i = 0; i < 50; i++) {
    const v = p.run();
    assert.ok(v >= 0n && v <= 0xffffffffn);
    seen.add(v);
  }
  assert.ok(seen.size > 40, `prandom repeated itself: ${seen.size} distinct of 50`);
});
