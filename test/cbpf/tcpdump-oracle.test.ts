// bpfkit's filter compiler + classic interpreter accepts exactly the packets tcpdump accepts,
// for every expression in ORACLE_EXPRESSIONS over every capture tcpdump can read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileFilter } from '../../src/cbpf/filter/compile.js';
import { runCbpf } from '../../src/cbpf/interpreter.js';
import { checkCbpf } from '../../src/cbpf/checker.js';
import { needsPrograms } from '../support/environment.js';
import { ORACLE_EXPRESSIONS } from './expressions.js';
import { type Corpus, loadCorpus, tcpdumpProgramLength, tcpdumpVerdict } from './oracle.js';
import { engineTakes, type Runner, runnersForOracle } from './runners.js';
import { isRoot, requireKernel } from '../support/environment.js';

describe('tcpdump oracle', needsPrograms('tcpdump'), () => {
  let corpus: Corpus;
  const sizes = { ours: 0, libpcap: 0, expressions: 0 };
  const mismatches: Record<string, number> = {};
  let compared = 0;
  const untestable: Record<string, number> = {};
  // The kernel engine (BPF_PROG_TEST_RUN) needs root; CI (BPFKIT_REQUIRE_KERNEL=1) always runs it.
  const withKernel = isRoot || requireKernel;

  before(() => {
    corpus = loadCorpus();
    for (const s of corpus.skipped) console.log(`# skipped ${s.file}: tcpdump cannot read it: ${s.error}`);
    console.log(`# ${corpus.groups.map((g) => `${g.packets.length} packets of link type ${g.linkType}`).join(', ')}`);
  });
  after(() => {
    console.log(`# program size over ${sizes.expressions} expressions (Ethernet): bpfkit ${sizes.ours} instructions, libpcap ${sizes.libpcap}`);
    console.log(`# packets compared: ${compared}; mismatches per engine: ${JSON.stringify(mismatches)}; packets an engine could not be given: ${JSON.stringify(untestable)}`);
    corpus?.close();
  });

  it('has at least 100 expressions', () => assert.ok(ORACLE_EXPRESSIONS.length >= 100));

  for (const expression of ORACLE_EXPRESSIONS) {
    it(expression, () => {
      for (const group of corpus.groups) {
        const verdict = tcpdumpVerdict(group, expression);
        let program;
        try {
          program = compileFilter(expression, { linkType: group.linkType, snaplen: 262144 });
        } catch (e) {
          if (!verdict.ok) continue; // both refuse the expression on this link type
          throw new Error(`bpfkit refused what tcpdump accepts on link type ${group.linkType}: ${(e as Error).message}`);
        }
        assert.ok(verdict.ok, `tcpdump refused it on link type ${group.linkType} (${!verdict.ok && verdict.error}) but bpfkit compiled it`);
        checkCbpf(program);
        if (group.linkType === 1) {
          const libpcap = tcpdumpProgramLength(group, expression);
          if (libpcap !== undefined) { sizes.ours += program.length; sizes.libpcap += libpcap; sizes.expressions++; }
        }
        const engines: Runner[] = [{ name: 'cbpf', run: (d: Uint8Array, w: number) => runCbpf(program!, d, w) }, ...runnersForOracle(program, withKernel)];
        for (const engine of engines) {
          const wrong: string[] = [];
          group.packets.forEach((ref, i) => {
            if (!engineTakes(engine.name, ref.packet.data, ref.packet.wireLength)) return;
            const result = engine.run(ref.packet.data, ref.packet.wireLength);
            if (result === undefined) { untestable[engine.name] = (untestable[engine.name] ?? 0) + 1; return; }
            compared++;
            const got = result !== 0;
            if (got !== verdict.accepted.has(i)) wrong.push(`${ref.file}#${ref.index + 1} (tcpdump ${verdict.accepted.has(i) ? 'accepts' : 'rejects'})`);
          });
          engine.dispose?.();
          mismatches[engine.name] = (mismatches[engine.name] ?? 0) + wrong.length;
          assert.equal(wrong.length, 0, `${engine.name} on link type ${group.linkType}: ${wrong.length} mismatches: ${wrong.slice(0, 5).join(', ')}`);
        }
      }
    });
  }
});
