// config missing_probes end to end. Through `bpfkit -e`: a probe missing at compile time (a
// function bash does not have) fails the run by default, is skipped with one warning ("warn") or
// silently ("ignore") while the rest traces; with nothing left the run fails whatever the config.
// Through the Session: a probe that passes compilation but cannot be attached (its tracepoint
// gone by then, which is what a refusing kernel looks like) follows the same rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';
import { parse } from '../../src/lang/parser.js';
import { analyse } from '../../src/lang/semantic.js';
import { compileScript, CompiledScript } from '../../src/ir/compile.js';
import { probeContextResolver } from '../../src/probes/context-resolver.js';
import { MissingProbeError, MissingProbes, UserError } from '../../src/diagnostics.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));

function bpfkit(...args: string[]): { out: string; err: string; code: number | null } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

// bash calls getpid() when it starts, so `-c BASH` fires the tracepoint.
const BASH = '/bin/bash -c true';
const PROBES = 'uprobe:/bin/bash:no_such_function, tracepoint:syscalls:sys_enter_getpid { printf("hit\\n"); exit(); }';
const config = (policy: string): string => `config = { missing_probes = "${policy}" } `;
const warnings = (err: string): string[] => err.split('\n').filter((l) => /warning:/.test(l));

test('by default a missing probe fails the run with the located error and how to skip it', needs(), () => {
  const r = bpfkit('-e', PROBES, '-c', BASH);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /^stdin:1:1: error: \S*bash: no symbol 'no_such_function'\nuprobe:\/bin\/bash:no_such_function, tracepoint/);
  assert.match(r.err, /\n\^~{32}\nnote: if the probe may be absent, set config = \{ missing_probes = "warn" \} \(or "ignore"\) to skip it\n$/);
  assert.doesNotMatch(r.err, /\n\s+at /);
});

test('"warn": the missing uprobe is skipped with one warning and the tracepoint still fires', needs(), () => {
  const r = bpfkit('-e', config('warn') + PROBES, '-c', BASH);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Attached 1 probe\nhit\n/);
  assert.deepEqual(warnings(r.err), [`stdin:1:38: warning: skipping uprobe:/bin/bash:no_such_function: ${r.err.match(/\S*bash: no symbol 'no_such_function'/)?.[0]}`]);
  assert.doesNotMatch(r.err, /error/);
});

test('"ignore": skipped silently; a wildcard matching nothing is skipped the same way', needs(), () => {
  for (const probes of [PROBES, PROBES.replace('no_such_function', 'bpfkit_no_such_*')]) {
    const r = bpfkit('-e', config('ignore') + probes, '-c', BASH);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Attached 1 probe\nhit\n/);
    assert.equal(r.err, '');
  }
});

test('when every probe is missing the run fails after the warnings, under "warn" and "ignore"', needs(), () => {
  const probes = 'uprobe:/bin/bash:no_such_function { } tracepoint:syscalls:sys_enter_bpfkit_nosuch, tracepoint:syscalls:bpfkit_nosuch_* { }';
  const warned = bpfkit('-e', config('warn') + probes);
  assert.equal(warned.code, 1);
  assert.equal(warned.out, '');
  assert.equal(warnings(warned.err).length, 3, warned.err);
  assert.match(warned.err, /\nerror: no probes to attach\n$/);
  const ignored = bpfkit('-e', config('ignore') + probes);
  assert.equal(ignored.code, 1);
  assert.equal(ignored.err, 'error: no probes to attach\n');
});

/** `source` compiled, its tracepoint program pointed at a tracepoint that does not exist. */
function withVanishedTracepoint(source: string): CompiledScript {
  const ast = parse(source);
  analyse(ast, { source, resolver: probeContextResolver() });
  const script = compileScript(ast, { source });
  for (const p of script.programs) {
    if (p.instance.attach.kind === 'tracepoint') p.instance = { ...p.instance, attach: { kind: 'tracepoint', category: 'bpfkit_nosuch', event: 'gone' } };
  }
  return script;
}

async function runSession(script: CompiledScript, missingProbes?: MissingProbes): Promise<{ code?: number; error?: unknown; out: string; warned: string }> {
  const { Session } = await import('../../src/runtime/session.js');
  let out = '';
  let warned = '';
  const session = new Session(script, { format: 'text', write: (t) => { out += t; }, warn: (t) => { warned += t; }, missingProbes });
  try {
    return { code: await session.run(), out, warned };
  } catch (error) {
    return { error, out, warned };
  }
}

const TRACED = 'tracepoint:syscalls:sys_enter_getpid { @n = count(); } BEGIN { printf("begin\\n"); exit(); }';

test('a probe the kernel will not attach: an error by default, the attach failure named', needs(), async () => {
  const r = await runSession(withVanishedTracepoint(TRACED));
  assert.ok(r.error instanceof MissingProbeError, String(r.error));
  assert.equal((r.error as MissingProbeError).message, 'tracepoint not found: bpfkit_nosuch:gone');
  assert.equal(r.out, '');
});

test('a probe the kernel will not attach: "warn" skips it with a warning, "ignore" silently; BEGIN still runs', needs(), async () => {
  const warned = await runSession(withVanishedTracepoint(TRACED), 'warn');
  assert.equal(warned.code, 0, String(warned.error));
  assert.equal(warned.warned, 'warning: skipping tracepoint:syscalls:sys_enter_getpid: tracepoint not found: bpfkit_nosuch:gone\n');
  // BEGIN counts as attached, as in bpftrace.
  assert.match(warned.out, /^Attached 1 probe\nbegin\n/);
  const ignored = await runSession(withVanishedTracepoint(TRACED), 'ignore');
  assert.equal(ignored.code, 0, String(ignored.error));
  assert.equal(ignored.warned, '');
  assert.match(ignored.out, /^Attached 1 probe\nbegin\n/);
});

test('when no probe could be attached the session fails, whatever the config', needs(), async () => {
  for (const policy of ['warn', 'ignore'] as const) {
    const r = await runSession(withVanishedTracepoint('tracepoint:syscalls:sys_enter_getpid { @n = count(); }'), policy);
    assert.ok(r.error instanceof UserError && r.error.message === 'attachment failed for all probes', String(r.error));
    assert.equal(r.warned === '', policy === 'ignore');
  }
});
