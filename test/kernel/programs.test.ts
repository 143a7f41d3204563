import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { ProgramBuilder, R0, R1, R2, R3, R6, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType, VerifierError, parseVerifierLog } from '../../src/kernel/programs.js';
import { u32, u64 } from '../../src/kernel/codecs.js';
import { nrPossibleCpus, onlineCpus } from '../../src/kernel/sys.js';
import { UserError } from '../../src/diagnostics.js';
import { Collection } from '../../src/kernel/collection.js';
import { enableRunTimeStats } from '../../src/kernel/programs.js';
import { execFileSync, spawn } from 'node:child_process';
import { TracepointLink } from '../../src/kernel/links/tracepoint.js';
import { compileC, countByPidProgram, GETPPID_C, Workload } from './fixtures.js';

test('socket filter: BPF_PROG_TEST_RUN returns the program result and counts in a map', needs(), () => {
  const counts = BpfMap.create(mapSpecs.array('bpfkit_cnt', 8, 1));
  // r0 = skb->len; counts[0] += 1
  const b = new ProgramBuilder()
    .mov64(R6, R1)
    .st('w', R10, -4, 0).mov64(R2, R10).add64(R2, -4).ldMap(R1, 'counts').call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').ldx('w', R0, R6, 0).exit();
  const prog = Program.load({ name: 'bpfkit_len', type: ProgramType.SOCKET_FILTER, instructions: b.build() }, { counts });
  try {
    const r = prog.testRun({ data: new Uint8Array(77), repeat: 5 });
    // test_run treats the data as an Ethernet frame and pulls the 14-byte header: skb->len = 77 - 14.
    assert.equal(r.retval, 63);
    assert.equal(u64.decode(counts.lookup(u32.encode(0))!), 5n);
  } finally {
    prog.close();
    counts.close();
  }
});

test('raw_tracepoint test run on a chosen CPU lands in that CPU\'s per-CPU slot', needs(), () => {
  const cpus = onlineCpus();
  const pc = BpfMap.create(mapSpecs.percpuArray('bpfkit_pcpu', 8, 1));
  const b = new ProgramBuilder()
    .st('w', R10, -4, 0).mov64(R2, R10).add64(R2, -4).ldMap(R1, 'pc').call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').mov64(R0, 0).exit();
  const prog = Program.load({ name: 'bpfkit_begin', type: ProgramType.RAW_TRACEPOINT, instructions: b.build() }, new Map([['pc', pc]]));
  try {
    const last = cpus[cpus.length - 1];
    assert.equal(prog.testRun({ flags: 1 /* BPF_F_TEST_RUN_ON_CPU */, cpu: last }).retval, 0);
    const per = pc.lookupPerCpu(u32.encode(0))!.map((v) => u64.decode(v));
    assert.equal(per.length, nrPossibleCpus());
    assert.equal(per[last], 1n);
    assert.equal(per.reduce((a, c) => a + c, 0n), 1n);
  } finally {
    prog.close();
    pc.close();
  }
});

test('verifier rejection: VerifierError names the failing instruction in kernel-log syntax', needs(), () => {
  const b = new ProgramBuilder().mov64(R0, 0).mov64(R3, 7).at({ line: 3, column: 5, text: 'x' }).ldx('dw', R0, R3, 8).exit();
  const spec = { name: 'bpfkit_bad', type: ProgramType.SOCKET_FILTER, instructions: b.build() };
  assert.throws(() => Program.load(spec), (e: unknown) => {
    assert.ok(e instanceof VerifierError && e instanceof UserError);
    assert.equal(e.insnIndex, 2);
    assert.equal(e.insnText, '(79) r0 = *(u64 *)(r3 +8)');
    assert.match(e.message, /at instruction 2: \(79\) r0 = \*\(u64 \*\)\(r3 \+8\)/);
    assert.match(e.reason, /R3 invalid mem access 'scalar'/);
    assert.deepEqual(e.instruction?.loc, { line: 3, column: 5, text: 'x' });
    assert.ok(e.lines.some((l) => l.startsWith('processed ')), 'the full log is kept');
    return true;
  });
});

test('verifier log larger than the first buffer is retried until complete', needs(), () => {
  const b = new ProgramBuilder();
  for (let i = 0; i < 3000; i++) b.mov64(R0, i);
  b.ldx('dw', R0, R0, 0).exit();
  try {
    Program.load({ name: 'bpfkit_long', type: ProgramType.SOCKET_FILTER, instructions: b.build() }, {}, { logLevel: 2, logSize: 4096 });
    assert.fail('should be rejected');
  } catch (e) {
    assert.ok(e instanceof VerifierError);
    assert.equal(e.insnIndex, 3000);
    assert.ok(e.log.length > 4096);
  }
});

test('parseVerifierLog ignores state lines and summaries', () => {
  const p = parseVerifierLog('0: R1=ctx() R10=fp0\n0: (b7) r0 = 0                        ; R0_w=0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000)\n');
  assert.equal(p.insnIndex, 1);
  assert.equal(p.insnText, '(95) exit');
  assert.equal(p.reason, 'R0 !read_ok');
});

test('Collection: maps created, programs bound by name, all closed together', needs(), () => {
  const b = new ProgramBuilder()
    .st('w', R10, -4, 0).mov64(R2, R10).add64(R2, -4).ldMap(R1, 'hits').call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').mov64(R0, 1).exit();
  const c = Collection.load({
    maps: { hits: mapSpecs.array('bpfkit_hits', 8, 1) },
    programs: { filter: { name: 'bpfkit_coll', type: ProgramType.SOCKET_FILTER, instructions: b.build() } },
  });
  try {
    assert.equal(c.program('filter').testRun({ data: new Uint8Array(20), repeat: 3 }).retval, 1);
    assert.equal(u64.decode(c.map('hits').lookup(u32.encode(0))!), 3n);
  } finally {
    c.close();
  }
  assert.equal(c.map('hits').closed, true);
  assert.throws(() => Collection.load({ maps: {}, programs: { p: { name: 'bpfkit_x', type: ProgramType.SOCKET_FILTER, instructions: b.build() } } }), /refers to map 'hits'/);
});

test('Program.info(): id, name and tag as bpftool shows them; run count while stats are on', needs('bpftool', 'gcc'), async () => {
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_counts', 4, 8, 1024));
  const prog = Program.load({ name: 'bpfkit_info', type: ProgramType.TRACEPOINT, instructions: countByPidProgram().build() }, { counts });
  const link = TracepointLink.attach(prog, 'syscalls', 'sys_enter_getppid');
  try {
    const info = prog.info();
    const shown = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show', 'id', String(info.id)], { encoding: 'utf8' }));
    assert.equal(shown.name, 'bpfkit_info');
    assert.equal(info.name, 'bpfkit_info');
    assert.equal(shown.tag, info.tag);
    assert.equal(info.xlatedLength, shown.bytes_xlated);
    assert.equal(info.jitedLength, shown.bytes_jited);
    const stats = enableRunTimeStats();
    try {
      const w = new Workload(compileC('getppid', GETPPID_C), ['200']);
      w.go();
      await w.exit();
    } finally {
      stats.close();
    }
    const after = prog.info();
    assert.ok(after.runCount >= 200n, `run count ${after.runCount}`);
    assert.ok(after.runTimeNs > 0n);
  } finally {
    link.close();
    prog.close();
    counts.close();
  }
});

test('a load interrupted by a signal (the verifier\'s EAGAIN) is repeated, not reported as a rejection', needs(), async () => {
  // A profiler's SIGPROF or a traced child's SIGCHLD arriving while the verifier runs makes it give
  // up with EAGAIN. A child process signals this one every millisecond; 1,000 instructions take
  // long enough to verify that, without retrying, a large share of the loads failed this way.
  const b = new ProgramBuilder().mov64(R0, 0);
  for (let i = 0; i < 1000; i++) b.add64(R0, 1);
  const instructions = b.exit().build();
  const ignore = (): void => {};
  process.on('SIGUSR2', ignore);
  const signaller = spawn(process.execPath, ['-e', `
    const now = process.hrtime.bigint; let next = now();
    for (;;) if (now() >= next) { try { process.kill(${process.pid}, 'SIGUSR2'); } catch { process.exit(); } next = now() + 1000000n; }`], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 200; i++) Program.load({ name: 'bpfkit_eagain', type: ProgramType.SOCKET_FILTER, instructions }).close();
  } finally {
    signaller.kill();
    process.off('SIGUSR2', ignore);
  }
});
