import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { TracepointLink } from '../../src/kernel/links/tracepoint.js';
import { RingBufReader } from '../../src/kernel/readers/ringbuf.js';
import { u32, sumPerCpuU64 } from '../../src/kernel/codecs.js';
import { pageSize } from '../../src/kernel/sys.js';
import { compileC, emitPidProgram, GETPPID_C, Workload } from './fixtures.js';
import { ProgramBuilder, R0, R1, R2, R3 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';

async function run(ringSize: number, calls: number, consumeLive: boolean) {
  const bin = compileC('getppid', GETPPID_C);
  const maps = {
    events: BpfMap.create(mapSpecs.ringbuf('bpfkit_events', ringSize)),
    cfg: BpfMap.create(mapSpecs.array('bpfkit_cfg', 4, 1)),
    drops: BpfMap.create(mapSpecs.percpuArray('bpfkit_drops', 8, 1)),
  };
  const prog = Program.load({ name: 'bpfkit_rb_emit', type: ProgramType.TRACEPOINT, instructions: emitPidProgram('ringbuf').build() }, maps);
  const link = TracepointLink.attach(prog, 'syscalls', 'sys_enter_getppid');
  const pids: bigint[] = [];
  const reader = new RingBufReader(maps.events, (data) => {
    pids.push(new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(0, true) >> 32n);
  }, { dropCounter: { map: maps.drops, key: u32.encode(0) } });
  try {
    const w = new Workload(bin, [String(calls)]);
    maps.cfg.update(u32.encode(0), u32.encode(w.pid));
    if (consumeLive) reader.start();
    w.go();
    assert.equal(await w.exit(), 0);
    // Whatever arrived after the last wakeup we handled.
    await new Promise((r) => setImmediate(r));
    reader.poll();
    const dropped = sumPerCpuU64(maps.drops, u32.encode(0));
    assert.equal(reader.lost, dropped);
    assert.equal(reader.received, pids.length);
    return { pids, childPid: BigInt(w.pid), dropped };
  } finally {
    reader.close();
    link.close();
    prog.close();
    for (const m of Object.values(maps)) m.close();
  }
}

test('ring buffer: N records, each with the child\'s pid, none lost (read from the event loop)', needs('gcc'), async () => {
  const N = 5000;
  const r = await run(1 << 20, N, true);
  assert.equal(r.dropped, 0n);
  assert.equal(r.pids.length, N);
  assert.ok(r.pids.every((p) => p === r.childPid));
});

test('ring buffer flood: records seen + drops counted in BPF == records sent', needs('gcc'), async () => {
  const N = 20000;
  // One page of ring: 16-byte records (8 header + 8 data). The kernel refuses a reservation
  // that would make the ring exactly full (new_prod - cons > mask), so page/16 - 1 fit unread.
  const r = await run(pageSize(), N, false);
  assert.ok(r.dropped > 0n, 'the flood overflowed the ring');
  assert.equal(r.pids.length, pageSize() / 16 - 1);
  assert.equal(BigInt(r.pids.length) + r.dropped, BigInt(N));
  assert.ok(r.pids.every((p) => p === r.childPid));
});

test('ring buffer: discarded records are skipped, odd sizes are padded, contents intact', needs(), () => {
  const events = BpfMap.create(mapSpecs.ringbuf('bpfkit_events', 1 << 12));
  // Reserve records of 1, 13 and 8 bytes filled with 0xa1, 0xb2, 0xc3; discard the second.
  const b = new ProgramBuilder();
  const sizes = [1, 13, 8], fills = [0xa1, 0xb2, 0xc3];
  sizes.forEach((size, i) => {
    b.ldMap(R1, 'events').mov64(R2, size).mov64(R3, 0).call(Helper.ringbuf_reserve)
      .jmp('jeq', R0, 0, `skip${i}`);
    for (let j = 0; j < size; j++) b.st('b', R0, j, fills[i]);
    b.mov64(R1, R0).mov64(R2, 0).call(i === 1 ? Helper.ringbuf_discard : Helper.ringbuf_submit).label(`skip${i}`);
  });
  b.mov64(R0, 0).exit();
  const prog = Program.load({ name: 'bpfkit_rb_disc', type: ProgramType.RAW_TRACEPOINT, instructions: b.build() }, { events });
  const got: number[][] = [];
  const reader = new RingBufReader(events, (d) => got.push([...d]));
  try {
    for (let run = 0; run < 100; run++) { // 100 rounds: the 4 KiB ring wraps several times
      prog.testRun({});
      reader.poll();
    }
    assert.equal(got.length, 200);
    for (let run = 0; run < 100; run++) {
      assert.deepEqual(got[2 * run], [0xa1]);
      assert.deepEqual(got[2 * run + 1], new Array(8).fill(0xc3));
    }
  } finally {
    reader.close();
    prog.close();
    events.close();
  }
});
