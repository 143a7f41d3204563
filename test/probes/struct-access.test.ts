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

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

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

test('bitfields and arrays: task_struct bits and the comm array element by element', needs('gcc'), () => {
  const bin = compileC('taskinfo', STATUS_C);
  // sched_reset_on_fork is a 1-bit field; comm[0] is the first byte of the name ('t').
  const script = `uprobe:${bin}:bpfkit_here { printf("bit=%d c0=%d c1=%d\\n", curtask->sched_reset_on_fork, curtask->comm[0], curtask->comm[1]); }`;
  const r = spawnSync(process.execPath, [MAIN, '-e', script, '-c', bin], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`bit=0 c0=${'t'.charCodeAt(0)} c1=${'a'.charCodeAt(0)}`));
});
