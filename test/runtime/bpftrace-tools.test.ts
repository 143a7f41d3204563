// The bpftrace tools Debian ships (/usr/sbin/*.bt, from bpftrace 0.17) are the scripts users
// already run. Each must compile, load and pass the kernel's verifier under `bpfkit --dry-run`,
// or fail with the one clear message listed below, for the reason given there. A tool that starts
// to pass, or fails differently, fails this test, so the list stays true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));

const KPROBES = { error: /error: kprobes are not available on this kernel/, why: 'kprobe wildcards; this kernel has no kprobes' };

const EXPECTED_FAILURES: Record<string, { error: RegExp; why: string }> = {
  'dcsnoop.bt': KPROBES,
  'vfscount.bt': KPROBES,
  'vfsstat.bt': KPROBES,
  'loads.bt': { error: /kaddr\(\): no kernel symbol 'avenrun'/, why: 'data symbols are not in /proc/kallsyms here (no CONFIG_KALLSYMS_ALL); bpftrace 0.17 fails the same way' },
  'runqlat.bt': {
    error: /Unknown identifier: 'TASK_RUNNING'/,
    why: "TASK_RUNNING is a macro of the kernel's internal linux/sched.h, which neither BTF nor the uapi headers carry (the current release's runqlat.bt #defines it; bpftrace 0.17 fails on the header)",
  },
  'runqlen.bt': { error: /Can not access field 'nr_running' on type 'struct cfs_rq'/, why: 'Linux 6.14 renamed cfs_rq.nr_running to nr_queued; bpftrace 0.17 fails the same way' },
  'ssllatency.bt': { error: /libcrypto\.so\.3: no symbol 'rsa_ossl_public_encrypt'/, why: 'a static function of OpenSSL 3, not in the stripped library\'s symbols' },
  'sslsnoop.bt': { error: /libcrypto\.so\.3: no symbol 'rsa_ossl_public_encrypt'/, why: 'a static function of OpenSSL 3, not in the stripped library\'s symbols' },
  'threadsnoop.bt': {
    error: /libpthread\.so\.0: no symbol 'pthread_create'/,
    why: 'glibc 2.34 moved pthread_create into libc.so.6 and left libpthread.so.0 a stub (bpftrace 0.17 attaches a probe there that never fires)',
  },
  'tcpconnect.bt': {
    error: /Undefined or undeclared variable: \$saddr/,
    why: 'assigns $saddr in if/else branches and uses it after them; the current release scopes variables to their block (migration_guide.md), and so do we',
  },
  'tcpdrop.bt': {
    error: /Undefined or undeclared variable: \$saddr/,
    why: 'assigns $saddr in if/else branches and uses it after them; the current release scopes variables to their block (migration_guide.md), and so do we',
  },
  'undump.bt': { error: /needs more than the 512-byte BPF stack/, why: 'ours to lift: a 1 KiB buf() in printf is built on the stack' },
  'xfsdist.bt': { error: /builtin func is not supported as ksym_t here/, why: 'ours to lift: func in kprobes (which this kernel does not have)' },
};

test('the bpftrace tools Debian ships compile, load and verify, or fail for a listed reason', needs('bpftrace'), () => {
  const tools = readdirSync('/usr/sbin').filter((f) => f.endsWith('.bt')).sort();
  assert.ok(tools.length >= 30, `${tools.length} tools in /usr/sbin`);
  const surprises: string[] = [];
  for (const tool of tools) {
    const r = spawnSync(process.execPath, [MAIN, '--dry-run', `/usr/sbin/${tool}`], { encoding: 'utf8', timeout: 120_000 });
    const expected = EXPECTED_FAILURES[tool];
    const firstLine = r.stderr.split('\n')[0];
    if (/\n\s+at /.test(r.stderr)) surprises.push(`${tool}: a JavaScript stack trace\n${r.stderr}`);
    else if (!expected && r.status !== 0) surprises.push(`${tool}: failed: ${firstLine}`);
    else if (expected && r.status === 0) surprises.push(`${tool}: passes now; take it off the list`);
    else if (expected && !expected.error.test(r.stderr)) surprises.push(`${tool}: failed differently: ${firstLine}`);
    else if (expected && !/^\/usr\/sbin\/\S+:\d+:\d+: error: |^error: /.test(firstLine)) surprises.push(`${tool}: the message does not say where: ${firstLine}`);
  }
  assert.deepEqual(surprises, []);
});
