// Shared pieces of the kernel tests: small C programs compiled with gcc into a temp dir (the
// workloads whose calls we count), child-process plumbing, and the BPF programs under test,
// written with the ISA builder.
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';

let dir: string | undefined;
const built = new Map<string, string>();

/** Compile `source` once per process; returns the binary's path. */
export function compileC(name: string, source: string, flags: string[] = ['-O1']): string {
  const hit = built.get(name);
  if (hit) return hit;
  dir ??= mkdtempSync(join(tmpdir(), 'bpfkit-kernel-test-'));
  const src = join(dir, `${name}.c`);
  const bin = join(dir, name);
  writeFileSync(src, source);
  execFileSync('gcc', [...flags, '-o', bin, src]);
  built.set(name, bin);
  return bin;
}
process.on('exit', () => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/**
 * A workload that waits for one byte on stdin per phase (so the test can attach and configure
 * before anything happens), then calls getppid() argv[1] times (argv[2] in phase two, if given),
 * printing "phase" after each. Pinned to CPU 0 so perf-buffer loss is reported on one ring.
 */
export const GETPPID_C = `
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
  cpu_set_t set; CPU_ZERO(&set); CPU_SET(0, &set); sched_setaffinity(0, sizeof set, &set);
  for (int phase = 1; phase < argc; phase++) {
    char c;
    if (read(0, &c, 1) != 1) return 1;
    long n = atol(argv[phase]);
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    printf("phase\\n"); fflush(stdout);
  }
  return 0;
}
`;

/** A workload with a function to probe: bpfkit_target(i) returns 2*i+1, called argv[1] times. */
export const UPROBE_C = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) int bpfkit_target(int x) { __asm__ volatile(""); return 2 * x + 1; }
int main(int argc, char **argv) {
  char c;
  if (read(0, &c, 1) != 1) return 1;
  long n = atol(argv[1]);
  volatile long sum = 0;
  for (long i = 0; i < n; i++) sum += bpfkit_target((int)i);
  printf("%ld\\n", (long)sum);
  return 0;
}
`;

/** A spawned workload: `go()` starts the next phase; `phase()` waits for it to finish. */
export class Workload {
  readonly child: ChildProcess;
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  constructor(bin: string, args: string[]) {
    this.child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => {
      this.lines.push(...s.split('\n').filter(Boolean));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  get pid(): number { return this.child.pid!; }
  go(): void { this.child.stdin!.write('g'); }
  async phase(n: number): Promise<void> {
    while (this.lines.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
  async exit(): Promise<number> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const [code] = await once(this.child, 'exit');
    return code as number;
  }
  output(): string[] { return this.lines; }
}

/** r0 = current tgid (pid as users see it) -- clobbers r0..r5. */
const currentTgid = (b: ProgramBuilder): ProgramBuilder => b.call(Helper.get_current_pid_tgid).alu64('rsh', R0, 32);

/**
 * counts[tgid] += 1 (hash map u32 -> u64). Works for tracepoint and kprobe (uprobe) programs.
 */
export function countByPidProgram(): ProgramBuilder {
  const b = new ProgramBuilder();
  currentTgid(b).stx('w', R10, -4, R0)
    .ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jne', R0, 0, 'found')
    .st('dw', R10, -16, 1)
    .ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).mov64(R3, R10).add64(R3, -16).mov64(R4, 0).call(Helper.map_update_elem)
    .ja('out')
    .label('found').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').mov64(R0, 0).exit();
  return b;
}

/**
 * For events of the process whose tgid is in cfg[0]: emit the u64 pid_tgid to `events` with
 * `output` (ring buffer or perf buffer), and count failed outputs in the per-CPU drops[0].
 */
export function emitPidProgram(output: 'ringbuf' | 'perfbuf'): ProgramBuilder {
  const b = new ProgramBuilder();
  b.mov64(R6, R1) // ctx, for perf_event_output
    .st('w', R10, -4, 0).ldMap(R1, 'cfg').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out')
    .ldx('w', R1, R0, 0).stx('dw', R10, -16, R1) // target tgid
    .call(Helper.get_current_pid_tgid).stx('dw', R10, -24, R0).alu64('rsh', R0, 32)
    .ldx('dw', R1, R10, -16).jmp('jne', R0, R1, 'out');
  if (output === 'ringbuf') {
    b.ldMap(R1, 'events').mov64(R2, R10).add64(R2, -24).mov64(R3, 8).mov64(R4, 0).call(Helper.ringbuf_output);
  } else {
    b.mov64(R1, R6).ldMap(R2, 'events').lddw(R3, 0xffffffffn /* BPF_F_CURRENT_CPU */).mov64(R4, R10).add64(R4, -24).mov64(R5, 8).call(Helper.perf_event_output);
  }
  b.jmp('jeq', R0, 0, 'out')
    .st('w', R10, -4, 0).ldMap(R1, 'drops').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').mov64(R1, 1).atomic('dw', 'add', R0, 0, R1)
    .label('out').mov64(R0, 0).exit();
  return b;
}

/** uretprobe: sum[0] += PT_REGS_RC (regs->ax at offset 80 of x86_64 struct pt_regs), for cfg[0]'s tgid only. */
export function sumReturnValuesProgram(): ProgramBuilder {
  const b = new ProgramBuilder();
  b.ldx('dw', R6, R1, 80)
    .st('w', R10, -4, 0).ldMap(R1, 'cfg').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').ldx('w', R1, R0, 0).stx('dw', R10, -16, R1);
  currentTgid(b).ldx('dw', R1, R10, -16).jmp('jne', R0, R1, 'out')
    .st('w', R10, -4, 0).ldMap(R1, 'sum').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out')
    .movsx64(R6, R6, 32) // the int return value, sign-extended
    .atomic('dw', 'add', R0, 0, R6)
    .label('out').mov64(R0, 0).exit();
  return b;
}
