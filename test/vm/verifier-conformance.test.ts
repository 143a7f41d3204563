// Every bpf_conformance program the RFC calls valid must pass the verifier (input memory in R1,
// its length in R2), except the few listed below with the reason the kernel would refuse them
// too. Programs the suite expects to fail at run time are not required to pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa/assembler.js';
import { verify, VerifierError, memoryContext, USERSPACE_HELPERS, HelperPrototype } from '../../src/vm/verifier/index.js';
import { loadConformance } from '../oracles/conformance.js';

/** Programs outside what a static verifier (ours or the kernel's) accepts, and why. */
const SHIFT = "the kernel rejects shift amounts outside [0, width) given as immediates ('invalid shift N'); the RFC masks them at run time";
export const NOT_VERIFIABLE: Record<string, string> = {
  'arsh32-imm-high': SHIFT,
  'arsh32-imm-neg': SHIFT,
  'arsh64-imm-high': SHIFT,
  'arsh64-imm-neg': SHIFT,
  'lsh32-imm-high': SHIFT,
  'lsh32-imm-neg': SHIFT,
  'lsh64-imm-high': SHIFT,
  'lsh64-imm-neg': SHIFT,
  'rsh32-imm-high': SHIFT,
  'rsh32-imm-neg': SHIFT,
  'rsh64-imm-high': SHIFT,
  'rsh64-imm-neg': SHIFT,
  callx: "call by register (callx, opcode 0x8d) is not accepted by the kernel verifier ('unknown opcode 8d')",
};

// The suite's own helper (id 5 in its tests) takes anything and returns a number.
const helpers = new Map<number, HelperPrototype>(USERSPACE_HELPERS);
helpers.set(5, { name: 'conformance_unwind', args: ['anything'], ret: 'integer' });

const cases = loadConformance();

test('the conformance suite is there', () => {
  assert.ok(cases.length >= 300, `only ${cases.length} cases`);
});

for (const c of cases) {
  if (c.error !== undefined) continue;
  test(`verifier accepts conformance: ${c.name}`, () => {
    const program = assemble(c.asm, { file: c.file });
    let reason = 'accepted';
    try {
      verify(program, { context: memoryContext(c.mem.length), helpers });
    } catch (e) {
      if (!(e instanceof VerifierError)) throw e;
      reason = `${e.reason} at ${e.line}`;
    }
    if (c.name in NOT_VERIFIABLE) assert.notEqual(reason, 'accepted', `${c.name} is listed as not verifiable but passed`);
    else assert.equal(reason, 'accepted');
  });
}
