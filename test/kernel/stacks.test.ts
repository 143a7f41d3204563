import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { needs } from '../support/environment.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { TracepointLink } from '../../src/kernel/links/tracepoint.js';
import { stackAddresses, u32 } from '../../src/kernel/codecs.js';
import { ProgramBuilder, R0, R1, R2, R3, R4, R6, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { compileC, GETPPID_C, Workload } from './fixtures.js';

const BPF_F_USER_STACK = 1 << 8;

test('stack trace map: kernel and user stacks of the child\'s getppid', needs('gcc'), async () => {
  const stacks = BpfMap.create(mapSpecs.stackTrace('bpfkit_stacks', 127, 64));
  const ids = BpfMap.create(mapSpecs.array('bpfkit_ids', 8, 2));
  const cfg = BpfMap.create(mapSpecs.array('bpfkit_cfg', 4, 1));
  // ids[0] = kernel stack id, ids[1] = user stack id, for cfg[0]'s process.
  const b = new ProgramBuilder().mov64(R6, R1)
    .st('w', R10, -4, 0).ldMap(R1, 'cfg').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').ldx('w', R1, R0, 0).stx('dw', R10, -16, R1)
    .call(Helper.get_current_pid_tgid).alu64('rsh', R0, 32).ldx('dw', R1, R10, -16).jmp('jne', R0, R1, 'out');
  for (const [slot, flags] of [[0, 0], [1, BPF_F_USER_STACK]]) {
    b.mov64(R1, R6).ldMap(R2, 'stacks').mov64(R3, flags).call(Helper.get_stackid).stx('dw', R10, -24, R0)
      .st('w', R10, -4, slot).ldMap(R1, 'ids').mov64(R2, R10).add64(R2, -4).mov64(R3, R10).add64(R3, -24).mov64(R4, 0).call(Helper.map_update_elem);
  }
  b.label('out').mov64(R0, 0).exit();
  const prog = Program.load({ name: 'bpfkit_stack', type: ProgramType.TRACEPOINT, instructions: b.build() }, { stacks, ids, cfg });
  const link = TracepointLink.attach(prog, 'syscalls', 'sys_enter_getppid');
  try {
    const w = new Workload(compileC('getppid', GETPPID_C), ['3']);
    cfg.update(u32.encode(0), u32.encode(w.pid));
    w.go();
    await w.exit();
    const id = (slot: number) => new DataView(ids.lookup(u32.encode(slot))!.buffer).getBigInt64(0, true);
    const kid = id(0), uid = id(1);
    assert.ok(kid >= 0n && uid >= 0n, `stack ids ${kid} ${uid}`);
    const kernel = stackAddresses(stacks.lookup(u32.encode(Number(kid)))!);
    const user = stackAddresses(stacks.lookup(u32.encode(Number(uid)))!);
    assert.ok(kernel.length > 0 && kernel.every((ip) => ip >= 0xffff800000000000n), 'kernel addresses');
    assert.ok(user.length > 0 && user.every((ip) => ip < 0x800000000000n), 'user addresses');
    // The innermost kernel frame is a kernel text symbol (kallsyms has addresses as root).
    const texts = readFileSync('/proc/kallsyms', 'utf8').split('\n').filter((l) => / [tT] /.test(l)).map((l) => BigInt('0x' + l.slice(0, 16)));
    assert.ok(kernel[0] >= texts.reduce((a, b) => (b < a && b > 0n ? b : a), 0xffffffffffffffffn), 'inside kernel text');
  } finally {
    link.close();
    prog.close();
    for (const m of [stacks, ids, cfg]) m.close();
  }
});
