import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { TracepointLink } from '../../src/kernel/links/tracepoint.js';
import { PerfBufReader } from '../../src/kernel/readers/perfbuf.js';
import { u32, sumPerCpuU64 } from '../../src/kernel/codecs.js';
import { compileC, emitPidProgram, GETPPID_C, Workload } from './fixtures.js';

function setup() {
  const maps = {
    events: BpfMap.create(mapSpecs.perfEventArray('bpfkit_events')),
    cfg: BpfMap.create(mapSpecs.array('bpfkit_cfg', 4, 1)),
    drops: BpfMap.create(mapSpecs.percpuArray('bpfkit_drops', 8, 1)),
  };
  const prog = Program.load({ name: 'bpfkit_pb_emit', type: ProgramType.TRACEPOINT, instructions: emitPidProgram('perfbuf').build() }, maps);
  const link = TracepointLink.attach(prog, 'syscalls', 'sys_enter_getppid');
  return { maps, prog, link, close() { link.close(); prog.close(); for (const m of Object.values(maps)) m.close(); } };
}

test('perf buffer: N samples with the child\'s pid, none lost (read from the event loop)', needs('gcc'), async () => {
  const N = 3000;
  const s = setup();
  const pids: bigint[] = [];
  const reader = new PerfBufReader(s.maps.events, {
    onSample: (d) => pids.push(new DataView(d.buffer, d.byteOffset).getBigUint64(0, true) >> 32n),
  });
  try {
    const w = new Workload(compileC('getppid', GETPPID_C), [String(N)]);
    s.maps.cfg.update(u32.encode(0), u32.encode(w.pid));
    reader.start();
    w.go();
    assert.equal(await w.exit(), 0);
    await new Promise((r) => setImmediate(r));
    reader.poll();
    assert.equal(reader.lost, 0);
    assert.equal(pids.length, N);
    assert.ok(pids.every((p) => p === BigInt(w.pid)));
  } finally {
    reader.close();
    s.close();
  }
});

test('perf buffer flood: samples seen + PERF_RECORD_LOST counts == samples sent', needs('gcc'), async () => {
  const N1 = 20000, N2 = 10;
  const s = setup();
  let seen = 0;
  const pids = new Set<bigint>();
  // 24-byte records in a 4096-byte ring: some straddle the end and are reassembled by the reader.
  const reader = new PerfBufReader(s.maps.events, {
    pagesPerCpu: 1,
    onSample: (d) => { seen++; pids.add(new DataView(d.buffer, d.byteOffset).getBigUint64(0, true)); },
  });
  try {
    // The workload is pinned to CPU 0. Phase 1 floods the one-page ring while nobody reads it.
    // The kernel reports the loss (PERF_RECORD_LOST) with the next sample that finds room, so
    // phase 2 runs after we drained.
    const w = new Workload(compileC('getppid', GETPPID_C), [String(N1), String(N2)]);
    s.maps.cfg.update(u32.encode(0), u32.encode(w.pid));
    w.go();
    await w.phase(1);
    reader.poll();
    w.go();
    assert.equal(await w.exit(), 0);
    reader.poll();
    assert.ok(reader.lost > 0, 'the flood overflowed the ring');
    assert.equal(seen + reader.lost, N1 + N2);
    assert.deepEqual([...pids].map((p) => p >> 32n), [BigInt(w.pid)], 'every sample intact, including those that wrapped');
    // The program's own count of failed bpf_perf_event_output calls agrees with the kernel's.
    assert.equal(sumPerCpuU64(s.maps.drops, u32.encode(0)), BigInt(reader.lost));
  } finally {
    reader.close();
    s.close();
  }
});
