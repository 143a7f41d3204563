// kstack/ustack through the stack-trace map, as map keys and in printf, symbolized with kallsyms
// and the ELF symbols of the traced process's files; ksym/usym/kaddr/reg. Compared with what
// bpftrace 0.17 prints for the same script and program (addresses differ run to run under ASLR,
// so user frames are compared by symbol and module).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';
import { compileC } from '../kernel/fixtures.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });

// Calls getppid() N times, then bpfkit_leaf() (through bpfkit_mid, frame pointers kept so the
// user stack walks), then stays alive briefly so its mappings can be read while events arrive.
const STACKS_C = `
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) int bpfkit_leaf(int a) { asm volatile(""); return a + 1; }
__attribute__((noinline)) int bpfkit_mid(int a) { int r = bpfkit_leaf(a); asm volatile(""); return r * 2; }
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  for (int i = 0; i < n; i++) getppid();
  int r = bpfkit_mid(n);
  usleep(500000);
  return r == 0;
}`;

/** Stack blocks with indentation dropped (bpftrace 0.17 indents map-key stacks by 4, printf by 8). */
const norm = (s: string): string[] => s.split('\n').filter((l) => l && !/^Attach|RLIMIT/.test(l)).map((l) => l.trim());

test('kstack, kstack(N), kstack(perf, N) as map keys agree with bpftrace', needs('bpftrace', 'gcc'), () => {
  const bin = compileC('stacks', STACKS_C, ['-O1', '-fno-omit-frame-pointer']);
  const script = 'tracepoint:syscalls:sys_enter_getppid /comm == "stacks"/ { @[kstack] = count(); @two[kstack(2)] = count(); @perf[kstack(perf, 1)] = count(); }';
  const ours = run(process.execPath, [MAIN, '-e', script, '-c', `${bin} 9`]);
  assert.equal(ours.status, 0, ours.stderr);
  const theirs = run('bpftrace', ['-e', script, '-c', `${bin} 9`]);
  assert.equal(theirs.status, 0, theirs.stderr);
  assert.deepEqual(norm(ours.stdout), norm(theirs.stdout));
  assert.match(ours.stdout, /\]: 9$/m);
  assert.match(ours.stdout, /entry_SYSCALL_64/);
  // raw mode (newer than bpftrace 0.17): the bare address of the perf-mode frame.
  const raw = run(process.execPath, [MAIN, '-e', script.replace('@perf[kstack(perf, 1)]', '@raw[kstack(raw, 1)]'), '-c', `${bin} 9`]);
  const perfAddr = /^\t([0-9a-f]+) perf_syscall_enter/m.exec(ours.stdout)?.[1] ?? /^\s+([0-9a-f]+) \S+\n\]: 9/m.exec(ours.stdout)?.[1];
  assert.ok(perfAddr, ours.stdout);
  assert.match(raw.stdout, new RegExp(`@raw\\[\n\\s+${perfAddr}\n\\]: 9`));
});

test('ustack(perf), ustack, usym(reg("ip")) and ksym(kaddr()) in printf name the user functions', needs('bpftrace', 'gcc'), () => {
  const bin = compileC('stacks', STACKS_C, ['-O1', '-fno-omit-frame-pointer']);
  const script = `uprobe:${bin}:bpfkit_leaf { printf("%s|%s|%s|%s\\n", ustack(perf, 2), ustack(2), usym(reg("ip")), ksym(kaddr("vfs_read"))); }`;
  const ours = run(process.execPath, [MAIN, '-e', script, '-c', bin + ' 1']);
  assert.equal(ours.status, 0, ours.stderr);
  const theirs = run('bpftrace', ['-e', script, '-c', bin + ' 1']);
  assert.equal(theirs.status, 0, theirs.stderr);
  const noAddr = (s: string): string[] => norm(s).map((l) => l.replace(/^[0-9a-f]{6,} /, 'ADDR '));
  assert.deepEqual(noAddr(ours.stdout), noAddr(theirs.stdout));
  assert.ok(ours.stdout.includes(`bpfkit_leaf+0 (${bin})`), ours.stdout);
  // At bpfkit_leaf's first instruction its caller's frame is not yet linked (rbp is still
  // main's), so the walk goes leaf -> main, for bpftrace as for us.
  assert.ok(ours.stdout.includes('main+'), ours.stdout);
  assert.match(ours.stdout, /\|bpfkit_leaf\|vfs_read$/m);
});

// A C++ method and a function template: stacks and usym show them demangled, as bpftrace does.
const DEMO_CC = `
#include <cstdlib>
#include <unistd.h>
namespace demo {
struct Worker {
  __attribute__((noinline)) int spin(int a) { asm volatile(""); return a + 1; }
};
template <typename T> __attribute__((noinline)) T twice(T v) { Worker w; T r = w.spin(v); asm volatile(""); return r * 2; }
}
int main(int argc, char **argv) { int n = atoi(argv[1]); int r = demo::twice<int>(n); usleep(500000); return r == 0; }`;

test('C++ frames are demangled in ustack and usym, as bpftrace prints them', needs('bpftrace', 'gcc', 'g++'), () => {
  const bin = compileC('demo_cxx', DEMO_CC, ['-x', 'c++', '-O1', '-fno-omit-frame-pointer']);
  const script = `uprobe:${bin}:_ZN4demo6Worker4spinEi { printf("%s|%s\\n", ustack(2), usym(reg("ip"))); }`;
  const ours = run(process.execPath, [MAIN, '-e', script, '-c', bin + ' 1']);
  assert.equal(ours.status, 0, ours.stderr);
  const theirs = run('bpftrace', ['-e', script, '-c', bin + ' 1']);
  assert.equal(theirs.status, 0, theirs.stderr);
  assert.deepEqual(norm(ours.stdout), norm(theirs.stdout));
  assert.ok(ours.stdout.includes('demo::Worker::spin(int)+0'), ours.stdout);
  assert.match(ours.stdout, /\|demo::Worker::spin\(int\)$/m);
  // config cpp_demangle = false (newer than bpftrace 0.17) keeps the mangled names.
  const mangled = run(process.execPath, [MAIN, '-e', `config = { cpp_demangle = false } ${script}`, '-c', bin + ' 1']);
  assert.equal(mangled.status, 0, mangled.stderr);
  assert.ok(mangled.stdout.includes('_ZN4demo6Worker4spinEi+0'), mangled.stdout);
  assert.match(mangled.stdout, /\|_ZN4demo6Worker4spinEi$/m);
});
