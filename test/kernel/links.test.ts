import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { RawTracepointLink } from '../../src/kernel/links/raw-tracepoint.js';
import { PerfEventLink } from '../../src/kernel/links/perf-event.js';
import { TypedMap, u32, u64 } from '../../src/kernel/codecs.js';
import { onlineCpus } from '../../src/kernel/sys.js';
import { UserError } from '../../src/diagnostics.js';
import { KprobeLink, KprobesUnavailableError } from '../../src/kernel/links/kprobe.js';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { ProgramBuilder, R0, R1, R2, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { compileC, countByPidProgram, GETPPID_C, Workload } from './fixtures.js';

test('raw tracepoint sys_enter fires for the child\'s getppid calls', needs('gcc'), async () => {
  const N = 500;
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_counts', 4, 8, 10240));
  const prog = Program.load({ name: 'bpfkit_raw', type: ProgramType.RAW_TRACEPOINT, instructions: countByPidProgram().build() }, { counts });
  const link = RawTracepointLink.attach(prog, 'sys_enter');
  try {
    const w = new Workload(compileC('getppid', GETPPID_C), [String(N)]);
    w.go();
    await w.exit();
    // sys_enter fires for every syscall of the child: at least its N getppid calls.
    const n = new TypedMap(counts, u32, u64).get(w.pid) ?? 0n;
    assert.ok(n >= BigInt(N), `saw ${n} syscalls`);
  } finally {
    link.close();
    prog.close();
    counts.close();
  }
});

test('profile:hz:N fires on every CPU; unknown software events are user errors', needs(), async () => {
  const counts = BpfMap.create(mapSpecs.percpuArray('bpfkit_ticks', 8, 1));
  const b = countTicks();
  const prog = Program.load({ name: 'bpfkit_prof', type: ProgramType.PERF_EVENT, instructions: b }, { counts });
  const link = PerfEventLink.profile(prog, 997);
  try {
    // Keep every online CPU busy for ~400 ms with a pinned child of our own (an idle, tickless
    // CPU may take almost no samples, which would make the count depend on the machine's load).
    // Each child ends by itself; we wait for all of them.
    const spinners = onlineCpus().map((cpu) => spawn('taskset', ['-c', String(cpu), process.execPath, '-e', 'const e = Date.now() + 400; while (Date.now() < e) {}']));
    await Promise.all(spinners.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    link.close();
    const per = counts.lookupPerCpu(u32.encode(0))!.map((v) => u64.decode(v));
    for (const cpu of onlineCpus()) assert.ok(per[cpu] > 50n, `CPU ${cpu}: ${per[cpu]} ticks in 400 ms at 997 Hz`);
    assert.throws(() => PerfEventLink.software(prog, 'no-such-event', 1), UserError);
  } finally {
    link.close();
    prog.close();
    counts.close();
  }
});

function countTicks() {
  return new ProgramBuilder()
    .st('w', R10, -4, 0).ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').mov64(R0, 0).exit().build();
}

test('kprobe: counts calls where the kernel has kprobes, a clear UserError where it has none', needs('gcc'), async () => {
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_counts', 4, 8, 10240));
  const prog = Program.load({ name: 'bpfkit_kp', type: ProgramType.KPROBE, instructions: countByPidProgram().build() }, { counts });
  try {
    if (!existsSync('/sys/bus/event_source/devices/kprobe')) {
      assert.throws(() => KprobeLink.attach(prog, '__x64_sys_getppid'), (e: unknown) => e instanceof KprobesUnavailableError && e instanceof UserError && /kprobes are not available/.test(e.message));
      return;
    }
    const link = KprobeLink.attach(prog, '__x64_sys_getppid');
    try {
      const w = new Workload(compileC('getppid', GETPPID_C), ['100']);
      w.go();
      await w.exit();
      assert.equal(new TypedMap(counts, u32, u64).get(w.pid), 100n);
    } finally {
      link.close();
    }
  } finally {
    prog.close();
    counts.close();
  }
});
