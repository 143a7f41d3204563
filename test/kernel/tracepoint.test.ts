import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { TracepointLink } from '../../src/kernel/links/tracepoint.js';
import { TypedMap, u32, u64 } from '../../src/kernel/codecs.js';
import { compileC, countByPidProgram, GETPPID_C, Workload } from './fixtures.js';

test('tracepoint syscalls:sys_enter_getppid counts exactly the child\'s N calls, keyed by pid', needs('gcc'), async () => {
  const N = 1234;
  const bin = compileC('getppid', GETPPID_C);
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_counts', 4, 8, 10240));
  const prog = Program.load({ name: 'bpfkit_tp_count', type: ProgramType.TRACEPOINT, instructions: countByPidProgram().build() }, { counts });
  const link = TracepointLink.attach(prog, 'syscalls', 'sys_enter_getppid');
  try {
    const w = new Workload(bin, [String(N)]);
    w.go();
    assert.equal(await w.exit(), 0);
    const t = new TypedMap(counts, u32, u64);
    assert.equal(t.get(w.pid), BigInt(N));
    // After close, calls are no longer counted.
    link.close();
    const w2 = new Workload(bin, ['10']);
    w2.go();
    await w2.exit();
    assert.equal(t.get(w2.pid), undefined);
  } finally {
    link.close();
    prog.close();
    counts.close();
  }
});
