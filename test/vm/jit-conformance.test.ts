// The whole bpf_conformance suite on the WebAssembly JIT: every program, assembled with our
// assembler, must produce the suite's expected r0 (or its expected error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { loadConformance } from '../oracles/conformance.js';

// The suite's runners (ubpf's plugin) register one helper, id 5, the "unwind" helper: it returns
// its argument. The suite only calls it with a non-zero argument, so it never unwinds.
const conformanceHelper = (id: number) => (id === 5 ? (r1: bigint) => r1 : undefined);

const cases = loadConformance();

test('the conformance suite is there', () => {
  assert.ok(cases.length >= 300, `only ${cases.length} cases found`);
});

for (const c of cases) {
  test(`jit conformance: ${c.name}`, () => {
    const program = assemble(c.asm, { file: c.file });
    const run = (): bigint => new JitProgram(program, { helper: conformanceHelper }).run(c.mem);
    if (c.error !== undefined) {
      assert.throws(run);
      return;
    }
    assert.equal(run(), c.result, `${c.name}: expected 0x${c.result?.toString(16)}`);
  });
}
