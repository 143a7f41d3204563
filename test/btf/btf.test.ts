import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Btf, BtfError } from '../../src/btf/btf.js';
import { hasProgram, requireKernel } from '../support/environment.js';

// A tiny hand-built BTF blob: int (id 1), struct point { int x; int y:4; } (id 2), ptr to it (id 3).
function tinyBtf(): Uint8Array {
  const strings = '\0int\0point\0x\0y\0';
  const at = (s: string) => strings.indexOf(`\0${s}\0`) + 1;
  const words: number[] = [];
  words.push(at('int'), (1 << 24) | 0, 4, (1 << 24) | 32); // INT signed, 32 bits
  words.push(at('point'), (4 << 24) | (1 << 31) | 2, 8, at('x'), 1, 0, at('y'), 1, (4 << 24) | 32);
  words.push(0, 2 << 24, 2);
  const types = new Uint8Array(words.length * 4);
  const tv = new DataView(types.buffer);
  words.forEach((w, i) => tv.setUint32(i * 4, w >>> 0, true));
  const str = new TextEncoder().encode(strings);
  const out = new Uint8Array(24 + types.length + str.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xeb9f, true); v.setUint8(2, 1); v.setUint32(4, 24, true);
  v.setUint32(8, 0, true); v.setUint32(12, types.length, true);
  v.setUint32(16, types.length, true); v.setUint32(20, str.length, true);
  out.set(types, 24); out.set(str, 24 + types.length);
  return out;
}

test('decodes ints, structs with bitfields and pointers from a hand-built blob', () => {
  const btf = new Btf(tinyBtf());
  assert.equal(btf.count, 4);
  const s = btf.struct('point');
  assert.equal(s.size, 8);
  assert.deepEqual(s.members[1], { name: 'y', type: 1, bitOffset: 32, bitSize: 4 });
  assert.equal(btf.typeName(3), 'struct point *');
  assert.equal(btf.sizeof(3), 8);
  const i = btf.type(1);
  assert.ok(i.kind === 'int' && i.signed && i.size === 4);
  assert.throws(() => btf.struct('nope'), BtfError);
  assert.throws(() => new Btf(new Uint8Array(24)), /bad magic/);
});

const haveKernelBtf = existsSync('/sys/kernel/btf/vmlinux');
test('the running kernel: task_struct fields have sane offsets and types', haveKernelBtf || requireKernel ? {} : { skip: 'no /sys/kernel/btf/vmlinux' }, () => {
  const btf = Btf.kernel();
  assert.ok(btf.count > 10000);
  const task = btf.struct('task_struct');
  const pid = btf.member(task.id, 'pid');
  const tgid = btf.member(task.id, 'tgid');
  assert.ok(pid && tgid);
  assert.equal(btf.typeName(pid.type), 'pid_t');
  assert.equal(btf.sizeof(pid.type), 4);
  assert.equal(tgid.bitOffset - pid.bitOffset, 32); // pid and tgid are adjacent in every kernel
  const comm = btf.member(task.id, 'comm');
  assert.ok(comm);
  assert.equal(btf.sizeof(comm.type), 16);
  const real = btf.member(task.id, 'real_parent');
  assert.equal(btf.typeName(real!.type), 'struct task_struct *');
});

test('raw tracepoint arguments are named and typed from BTF', haveKernelBtf || requireKernel ? {} : { skip: 'no /sys/kernel/btf/vmlinux' }, async () => {
  const { rawTracepointArgs } = await import('../../src/btf/tracepoint-args.js');
  const btf = Btf.kernel();
  const args = rawTracepointArgs(btf, 'sched_switch');
  assert.deepEqual(args.map((a) => `${a.name}:${a.typeName}@${a.offset}`).slice(0, 3),
    ['preempt:bool@0', 'prev:struct task_struct *@8', 'next:struct task_struct *@16']);
  assert.throws(() => rawTracepointArgs(btf, 'no_such_tracepoint'), BtfError);
});

test('kernel enumerators resolve to the enum and value bpftool dumps for them', haveKernelBtf && hasProgram('bpftool') || requireKernel ? {} : { skip: 'needs /sys/kernel/btf/vmlinux and bpftool' }, () => {
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  // The first definition of a name wins (ids in order), as our index keeps it.
  const expected = new Map<string, { enumName: string; value: bigint }>();
  let current: string | undefined;
  for (const line of raw.split('\n')) {
    const head = /^\[\d+\] (\w+) '([^']*)'/.exec(line);
    if (head) { current = head[1] === 'ENUM' || head[1] === 'ENUM64' ? head[2] : undefined; continue; }
    const member = current !== undefined && /^\t'(\w+)' val=(-?\d+)(?:ULL|LL)?$/.exec(line);
    if (member && !expected.has(member[1])) expected.set(member[1], { enumName: current === '(anon)' ? '' : current!, value: BigInt(member[2]) });
  }
  assert.ok(expected.size > 10000, `${expected.size} enumerators`);
  assert.ok(expected.has('TCP_FIN_WAIT1') && expected.has('SKB_DROP_REASON_SOCKET_FILTER'));
  const btf = Btf.kernel();
  const wrong: string[] = [];
  for (const [name, want] of expected) {
    const got = btf.enumerator(name);
    if (!got || got.value !== want.value || got.type.name !== want.enumName) wrong.push(`${name}: ${got ? `${got.type.name}=${got.value}` : 'missing'}, bpftool ${want.enumName}=${want.value}`);
  }
  assert.deepEqual(wrong.slice(0, 10), []);
  assert.equal(btf.enumerator('NOT_AN_ENUMERATOR_ANYWHERE'), undefined);
});
