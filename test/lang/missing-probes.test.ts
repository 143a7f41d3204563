// config missing_probes in semantic analysis: an attach point naming nothing that exists (the
// resolver throws MissingProbeError) is an error by default, or leaves the tree before type
// checking, with one located warning ("warn") or silently ("ignore"). Mistakes in the script
// stay errors whatever the config says. Tracepoints come from the fake source: no kernel needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/lang/parser.js';
import { analyse, AnalysedProgram } from '../../src/lang/semantic.js';
import { defaultResolver, ProbeContextResolver } from '../../src/lang/probe-context.js';
import { compileScript } from '../../src/ir/compile.js';
import { MissingProbeError, SourceError, UserError } from '../../src/diagnostics.js';
import { fakeTracepoints } from './fake-tracepoints.js';

const NOTE = 'note: if the probe may be absent, set config = { missing_probes = "warn" } (or "ignore") to skip it';

function check(script: string, resolver?: ProbeContextResolver): AnalysedProgram {
  return analyse(parse(script), { source: script, tracepoints: fakeTracepoints, resolver });
}

function diagnostic(script: string): string {
  try {
    check(script);
  } catch (e) {
    if (e instanceof SourceError) return e.render();
    throw e;
  }
  return 'NO ERROR';
}

const attachPoints = (r: AnalysedProgram): string[][] => r.program.probes.map((p) => p.attachPoints.map((ap) => ap.raw));

const BODY = '{ printf("%s\\n", str(args.filename)); }';

test('by default a missing tracepoint is an error at its attach point, with the config to skip it', () => {
  const script = `tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_nope ${BODY}`;
  assert.equal(diagnostic(script), [
    'stdin:1:39: error: tracepoint not found: syscalls:sys_enter_nope',
    script,
    `${' '.repeat(38)}^${'~'.repeat('tracepoint:syscalls:sys_enter_nope'.length - 1)}`,
    NOTE,
  ].join('\n'));
  // "error" said explicitly is the same.
  assert.match(diagnostic(`config = { missing_probes = "error" } ${script}`), /error: tracepoint not found: syscalls:sys_enter_nope\n/);
});

test('"warn" skips the missing attach point with one located warning; the body is checked against the others only', () => {
  const script = `config = { missing_probes = "warn" } tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_nope ${BODY}`;
  const r = check(script);
  assert.deepEqual(attachPoints(r), [['tracepoint:syscalls:sys_enter_openat']]);
  assert.equal(r.probes.length, 1);
  assert.equal(r.probes[0].contexts.length, 1);
  assert.deepEqual(r.warnings.map((w) => w.render()), [[
    'stdin:1:76: warning: skipping tracepoint:syscalls:sys_enter_nope: tracepoint not found: syscalls:sys_enter_nope',
    script,
    `${' '.repeat(75)}^${'~'.repeat('tracepoint:syscalls:sys_enter_nope'.length - 1)}`,
  ].join('\n')]);
});

test('"ignore" skips it silently; an unquoted value works too', () => {
  for (const value of ['"ignore"', 'ignore']) {
    const r = check(`config = { missing_probes = ${value} } tracepoint:syscalls:sys_enter_nope, tracepoint:syscalls:sys_enter_openat ${BODY}`);
    assert.deepEqual(attachPoints(r), [['tracepoint:syscalls:sys_enter_openat']]);
    assert.deepEqual(r.warnings, []);
  }
});

test('a wildcard matching nothing is a missing probe too', () => {
  const script = 'tracepoint:syscalls:nope_* { }';
  assert.equal(diagnostic(script), `stdin:1:1: error: no tracepoint matches\n${script}\n^${'~'.repeat('tracepoint:syscalls:nope_*'.length - 1)}\n${NOTE}`);
  const r = check(`config = { missing_probes = "warn" } ${script} tracepoint:sched:sched_* { }`);
  assert.deepEqual(attachPoints(r), [['tracepoint:sched:sched_*']]);
  assert.deepEqual(r.warnings.map((w) => w.message), ['skipping tracepoint:syscalls:nope_*: no tracepoint matches']);
});

test('a probe whose every attach point is missing is dropped; the others stay', () => {
  const r = check('config = { missing_probes = "warn" } tracepoint:syscalls:sys_enter_nope, tracepoint:syscalls:nope_* { @x = count(); } BEGIN { exit(); }');
  assert.deepEqual(attachPoints(r), [['BEGIN']]);
  assert.equal(r.probes.length, 1);
  assert.equal(r.warnings.length, 2);
});

test('when every probe is missing nothing is left to attach: the compiler refuses, whatever the config', () => {
  for (const policy of ['warn', 'ignore']) {
    const script = `config = { missing_probes = "${policy}" } tracepoint:syscalls:sys_enter_nope { } tracepoint:syscalls:nope_* { }`;
    const ast = parse(script);
    const r = analyse(ast, { source: script, tracepoints: fakeTracepoints });
    assert.deepEqual(r.program.probes, []);
    assert.equal(r.warnings.length, policy === 'warn' ? 2 : 0);
    assert.throws(() => compileScript(ast, { source: script }), (e: unknown) => e instanceof UserError && !(e instanceof SourceError) && e.message === 'no probes to attach');
  }
});

test('the resolver\'s reason is quoted without the attach point it names first, for any provider', () => {
  const base = defaultResolver(fakeTracepoints);
  const resolver: ProbeContextResolver = (ap, provider) => {
    if (ap.raw === 'uprobe:/bin/sh:nosuch') throw new MissingProbeError(`${ap.raw}: /bin/sh: no symbol 'nosuch'`);
    return base(ap, provider);
  };
  const r = check('config = { missing_probes = "warn" } uprobe:/bin/sh:nosuch, uprobe:/bin/sh:main { }', resolver);
  assert.deepEqual(attachPoints(r), [['uprobe:/bin/sh:main']]);
  assert.deepEqual(r.warnings.map((w) => w.message), ["skipping uprobe:/bin/sh:nosuch: /bin/sh: no symbol 'nosuch'"]);
});

test('mistakes in the script stay errors under "warn" and "ignore"', () => {
  for (const policy of ['warn', 'ignore']) {
    const config = `config = { missing_probes = "${policy}" } `;
    // Probe syntax, an unknown provider, a type error, an unknown field of a present tracepoint.
    assert.match(diagnostic(`${config}tracepoint:syscalls { }`), /error: Invalid tracepoint probe 'tracepoint:syscalls': expected 2 parts/);
    assert.match(diagnostic(`${config}nosuch:probe { }`), /error: Invalid probe type: nosuch/);
    assert.match(diagnostic(`${config}tracepoint:syscalls:sys_enter_openat { $x = "a" + 1; }`), /error: Type mismatch for '\+'/);
    assert.match(diagnostic(`${config}tracepoint:syscalls:sys_enter_nope, tracepoint:syscalls:sys_enter_openat { @ = args.nosuch; }`), /error: .*nosuch/);
  }
  assert.match(diagnostic('config = { missing_probes = "sometimes" } BEGIN { }'), /error: Invalid value for missing_probes: sometimes/);
});
