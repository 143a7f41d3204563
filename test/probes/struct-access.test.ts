// Kernel structs through BTF, no headers: fields of the current task read in a uprobe inside a
// C program, checked against what the kernel reports for that process in /proc/PID/status
// (printed by the program itself after the probe fired). Covers `->` chains through pointers
// (real_parent->tgid, cred->uid), `.` into an embedded struct (kuid_t's val), a char array read
// as a string (comm) and an explicit cast of curtask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';
import { compileC } from '../kernel/fixtures.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));

const STATUS_C = `
#include <stdio.h>
#include <string.h>
__attribute__((noinline)) void bpfkit_here(void) { asm volatile(""); }
int main(void) {
  bpfkit_here();
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Name:", 5) || !strncmp(line, "Pid:", 4) || !strncmp(line, "PPid:", 5) || !strncmp(line, "Uid:", 4) || !strncmp(line, "Tgid:", 5)) printf("status %s", line);
  }
  return 0;
}`;

test('curtask fields through BTF agree with /proc/PID/status', needs('gcc'), () => {
  const bin = compileC('taskinfo', STATUS_C);
  const script = `uprobe:${bin}:bpfkit_here {
    printf("probe pid=%d tgid=%d ppid=%d uid=%d comm=%s cast=%d\\n", curtask->pid, curtask->tgid,
      curtask->real_parent->tgid, curtask->cred->uid.val, curtask->comm, ((struct task_struct *)curtask)->pid);
  }`;
  const r = spawnSync(process.execPath, [MAIN, '-e', script, '-c', bin], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const status = (k: string): string => new RegExp(`^status ${k}:\\s+(\\S+)`, 'm').exec(r.stdout)?.[1] ?? '';
  const probe = /^probe pid=(\d+) tgid=(\d+) ppid=(\d+) uid=(\d+) comm=(\S+) cast=(\d+)$/m.exec(r.stdout);
  assert.ok(probe, r.stdout);
  assert.equal(probe[1], status('Pid'));
  assert.equal(probe[2], status('Tgid'));
  assert.equal(probe[3], status('PPid'));
  assert.equal(probe[4], status('Uid'));
  assert.equal(probe[5], status('Name'));
  assert.equal(probe[6], status('Pid'));
});

test('bitfields and arrays: in_execve is set only while exec runs; comm element by element', needs('gcc'), () => {
  const bin = compileC('taskinfo', STATUS_C);
  // in_execve is one bit among its neighbours (bit 3 of its byte): 1 inside execve (where
  // sched_process_exec fires), 0 once the program runs. comm[0] is the first byte of the name.
  const script = `tracepoint:sched:sched_process_exec /str(args.filename) == "${bin}"/ { printf("exec bit=%d\\n", curtask->in_execve); }
    uprobe:${bin}:bpfkit_here { printf("run bit=%d c0=%d c1=%d\\n", curtask->in_execve, curtask->comm[0], curtask->comm[1]); }`;
  const r = spawnSync(process.execPath, [MAIN, '-e', script, '-c', bin], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^exec bit=1$/m);
  assert.match(r.stdout, new RegExp(`^run bit=0 c0=${'t'.charCodeAt(0)} c1=${'a'.charCodeAt(0)}$`, 'm'));
});
