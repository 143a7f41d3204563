// The whole bpf_conformance suite on the WebAssembly JIT: every program, assembled with our
// assembler, must produce the suite's expected r0 (or fail, where the suite expects an error),
// exactly as the interpreter does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { JitProgram } from '../../src/vm/jit/jit.js';
import { conformanceHelpers, loadConformance } from '../oracles/conformance.js';

const cases = loadConformance();

test('the conformance suite is there', () => {
  assert.ok(cases.length >= 300, `only ${cases.length} cases found`);
});

for (const c of cases) {
  test(`jit conformance: ${c.name}`, () => {
    const program = assemble(c.asm, { file: c.file });
    const jit = new JitProgram(program, { helpers: conformanceHelpers() });
    try {
      if (c.error !== undefined) {
        assert.throws(() => jit.run(c.mem));
        return;
      }
      assert.equal(jit.run(c.mem), c.result, `${c.name}: expected 0x${c.result?.toString(16)}`);
      // Compiled once, run again: same answer (no state leaks between runs).
      assert.equal(jit.run(c.mem), c.result, `${c.name}: second run`);
      // The general control-flow layout (used for irreducible loops) gives the same answer.
      const dispatched = new JitProgram(program, { helpers: conformanceHelpers(), layout: 'dispatcher' });
      assert.equal(dispatched.run(c.mem), c.result, `${c.name}: dispatcher layout`);
      dispatched.dispose();
    } finally {
      jit.dispose();
    }
  });
}
