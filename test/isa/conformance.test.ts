// The bpf_conformance suite (the definition of correct execution, RFC 9669) through our
// assembler, both disassemblers and the interpreter: every tests/*.data file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { disassemble, disassembleKernel } from '../../src/isa/disassembler.js';
import { encode } from '../../src/isa/encoding.js';
import { Interpreter } from '../../src/vm/interpreter.js';
import { VmError } from '../../src/vm/errors.js';
import { VmMemory } from '../../src/vm/memory.js';
import { conformanceHelpers, loadConformance } from '../oracles/conformance.js';

/**
 * Cases that cannot pass, with the reason. Empty today: every case passes. A listed case that
 * starts passing fails the run, so this list cannot go stale.
 */
const KNOWN_FAILURES: Record<string, string> = {};

const cases = loadConformance();
const memory = new VmMemory();

test('the suite is there and complete enough to mean something', () => {
  assert.ok(cases.length >= 300, `only ${cases.length} conformance cases found`);
});

let passed = 0;
for (const c of cases) {
  test(`conformance: ${c.name}`, () => {
    const program = assemble(c.asm, { file: c.file });
    if (c.raw) {
      const bytes = encode(program);
      const view = new DataView(bytes.buffer);
      assert.deepEqual(c.raw.map((_, i) => view.getBigUint64(i * 8, true)), c.raw, 'encoding differs from the -- raw section');
    }
    const vm = new Interpreter(program, { memory, helpers: conformanceHelpers() });
    let outcome: string;
    try {
      const r0 = vm.run(c.mem);
      outcome = c.error !== undefined ? `returned 0x${r0.toString(16)} instead of failing with "${c.error}"` : r0 === c.result ? 'ok' : `r0 = 0x${r0.toString(16)}, expected 0x${c.result?.toString(16)}`;
    } catch (e) {
      if (!(e instanceof VmError)) throw e; // anything else is an interpreter bug
      outcome = c.error !== undefined ? 'ok' : `failed: ${e.message}`;
    } finally {
      vm.dispose();
    }
    const known = KNOWN_FAILURES[c.name];
    if (known) {
      assert.notEqual(outcome, 'ok', `${c.name} passes now: remove it from KNOWN_FAILURES (${known})`);
      return;
    }
    assert.equal(outcome, 'ok');
    passed++;
  });

  test(`round trip: ${c.name}`, () => {
    const program = assemble(c.asm, { file: c.file });
    const bytes = encode(program);
    for (const labels of [false, true]) {
      const text = disassemble(program, { labels });
      assert.deepEqual(encode(assemble(text)), bytes, `assemble(disassemble(p, {labels: ${labels}})) differs:\n${text}`);
    }
    const kernel = disassembleKernel(program).trimEnd().split('\n');
    assert.equal(kernel.length, program.length);
    for (const line of kernel) assert.match(line, /^\d+: \([0-9a-f]{2}\) \S/);
  });
}

test('conformance pass count', () => {
  const expected = cases.length - Object.keys(KNOWN_FAILURES).length;
  console.log(`# conformance: ${passed}/${cases.length} pass, ${Object.keys(KNOWN_FAILURES).length} known failures`);
  for (const [name, why] of Object.entries(KNOWN_FAILURES)) console.log(`#   ${name}: ${why}`);
  assert.equal(passed, expected);
});
