// bpftrace programs on in-process tracepoints (ust/script.ts): the maps they fill print as
// bpftrace prints the same aggregations over the same values; printf, predicates, BEGIN/END and
// exit() behave as in bpftrace; both engines agree; errors point into the script.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tracepoint, attachScript, ScriptRejectedError } from '../../src/ust/index.js';
import { UserError } from '../../src/diagnostics.js';
import { needs } from '../support/environment.js';
import { comparable, fromBpftrace017 } from '../lang/oracle/differences.js';

const schema = { status: 'u32', path: 'string', latency_us: 'u64' } as const;
type Http = { status: number; path: string; latency_us: number };

/** Event i of the stream both sides aggregate (bpftrace computes the same in its BEGIN loop). */
const event = (i: number): Http => ({ status: i % 4 === 0 ? 503 : 200, path: i % 8 === 0 ? '/api/a' : '/b', latency_us: i * 37 });

const AGGREGATIONS = '@lat = hist(LAT); @sum = sum(LAT); @st[STATUS] = stats(LAT); @mx = max(LAT); @av[STATUS] = avg(LAT); @lh = lhist(LAT, 0, 800, 100);';

function runScript(source: string, options: Parameters<typeof attachScript>[1] = {}, events = 20, name = 'http:request'): { out: string; code: number } {
  const tp = tracepoint<Http>(name, schema);
  let out = '';
  const s = attachScript(source, { write: (t) => { out += t; }, ...options });
  for (let i = 0; i < events; i++) tp.emit(event(i));
  const code = s.stop();
  return { out, code };
}

test('the maps a ust script fills print exactly as bpftrace prints the same aggregations over the same values', needs('bpftrace'), () => {
  const bt = `BEGIN {
  $i = 0;
  unroll(20) {
    $status = (uint64)$i % 4 == 0 ? 503 : 200;
    $lat = $i * 37;
    if ($status >= 500) { if ((uint64)$i % 8 == 0) { @errors["/api/a"] = count(); } else { @errors["/b"] = count(); } }
    ${AGGREGATIONS.replace(/LAT/g, '$lat').replace(/STATUS/g, '$status')}
    $i++;
  }
  exit();
}`;
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-ust-'));
  writeFileSync(join(dir, 'o.bt'), bt);
  const theirs = spawnSync('bpftrace', [join(dir, 'o.bt')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(theirs.status, 0, theirs.stderr);
  // In the current release's format, which bpfkit follows (test/lang/oracle/differences.ts).
  const expected = comparable(fromBpftrace017(theirs.stdout, 'text'));
  const { out, code } = runScript(`ust:http:request /args.status >= 500/ { @errors[args.path] = count(); }
ust:http:request { ${AGGREGATIONS.replace(/LAT/g, 'args.latency_us').replace(/STATUS/g, 'args.status')} }`);
  assert.equal(code, 0);
  assert.equal(comparable(out), expected);
  assert.match(out, /@errors\[\/api\/a\]: 3\n/);
});

test('printf, builtins, BEGIN and END run in order; both engines print the same', () => {
  const source = `BEGIN { printf("begin\\n"); }
ust:http:request /args.status == 503/ { printf("%s %d %s %d %s\\n", probe, args.status, args.path, pid, comm); @n = count(); }
END { printf("end %d\\n", 1); }`;
  const jit = runScript(source);
  const interp = runScript(source, { engine: 'interpreter' });
  assert.equal(jit.out, interp.out);
  const lines = jit.out.split('\n');
  assert.equal(lines[0], 'begin');
  assert.equal(lines[1], `ust:http:request 503 /api/a ${process.pid} node`);
  assert.equal(lines[2], `ust:http:request 503 /b ${process.pid} node`);
  assert.equal(lines.filter((l) => l.startsWith('ust:')).length, 5);
  assert.equal(lines[6], 'end 1');
  assert.match(jit.out, /@n: 5\n/);
});

test('a string key is the string: bytes a longer string left behind are not part of it', () => {
  const tp = tracepoint<Http>('http:strings', schema);
  let out = '';
  const s = tp.attachScript('{ @[args.path] = count(); }', { write: (t) => { out += t; } });
  for (const path of ['/a', '/a-much-longer-path', '/a', '/a']) tp.emit({ status: 200, path, latency_us: 0 });
  s.stop();
  assert.match(out, /^@\[\/a\]: 3$/m);
  assert.match(out, /^@\[\/a-much-longer-path\]: 1$/m);
});

test('exit() stops the script: END runs, the maps print, later events are not seen', async () => {
  const tp = tracepoint<Http>('http:exit', schema);
  let out = '';
  const s = tp.attachScript('{ @n = count(); if (@n == 3) { exit(); } } END { printf("end\\n"); }', { write: (t) => { out += t; } });
  for (let i = 0; i < 3; i++) tp.emit(event(i));
  assert.equal(await s.done, 0);
  for (let i = 0; i < 5; i++) tp.emit(event(i));
  assert.equal(out, 'end\n\n\n@n: 3\n');
  assert.equal(s.stop(), 0, 'stop() after exit() does nothing more');
});

test('-f json output is bpftrace\'s', () => {
  const { out } = runScript('ust:http:json { @c[args.status] = count(); printf("x\\n"); }', { format: 'json' }, 2, 'http:json');
  const lines = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], { type: 'printf', data: 'x\n' });
  assert.deepEqual(lines[2], { type: 'map', data: { '@c': { 503: 1, 200: 1 } } });
});

test('errors point into the script and render without a stack', () => {
  tracepoint('http:errors', schema);
  const render = (source: string): string => {
    try {
      attachScript(source, { file: 'app.bt' });
    } catch (e) {
      assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
      return e.render();
    }
    assert.fail('no error');
  };
  assert.match(render('ust:http:errors { @ = count(args.nope); }'), /^app\.bt:1:/);
  assert.match(render('ust:http:nothere { @ = count(); }'), /declares no tracepoint 'http:nothere'/);
  assert.match(render('tracepoint:syscalls:sys_enter_read { @ = count(); }'), /in-process scripts run ust, interval, BEGIN and END probes/);
  assert.match(render('interval:us:100 { @ = count(); }'), /fire at most every millisecond/);
  assert.match(render('ust:http:errors { @ = kstack; }'), /kstack and ustack are not available in the userspace VM/);
});

test('a program the VM\'s verifier refuses is reported at the script line that produced it', () => {
  tracepoint('http:verify', schema);
  // A helper the userspace VM does not offer: rejected at the call, which line 2 produced.
  try {
    attachScript('BEGIN { }\nust:http:verify { @[cgroup] = count(); }', { file: 'app.bt' });
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof ScriptRejectedError, String(e));
    assert.match(e.render(), /^app\.bt:2:\d+: error: the verifier rejected the program for ust:http:verify: .*cgroup/m);
  }
});

test('the bpfkit command refuses ust probes, saying where they run', () => {
  const r = spawnSync(process.execPath, ['dist/bpfkit.cjs', '-e', 'ust:http:request { @ = count(); }'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ust probes fire inside a Node\.js application/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('interval probes run on a timer: print and clear each period, as bpftrace scripts do', async () => {
  const tp = tracepoint<Http>('http:interval', schema);
  let out = '';
  const s = tp.attachScript(`ust:http:interval { @n = count(); }
interval:ms:20 { print(@n); clear(@n); @ticks = count(); if (@ticks == 3) { exit(); } }`, { write: (t) => { out += t; } });
  for (let i = 0; i < 4; i++) tp.emit(event(i));
  const started = Date.now();
  // The script's timer is unreferenced (it never keeps an application alive): the test does.
  const alive = setInterval(() => {}, 1000);
  try {
    assert.equal(await s.done, 0);
  } finally {
    clearInterval(alive);
  }
  assert.ok(Date.now() - started >= 40, 'three ticks of 20 ms');
  // The first tick prints the 4 events; the next ones print the cleared map, which is empty (as
  // the kernel path prints it); exit() prints the maps that hold anything: @ticks.
  assert.equal(out, '@n: 4\n\n\n@ticks: 3\n');
});

test('config print_maps_on_exit = false keeps stop() quiet; warnings go to warn()', () => {
  const tp = tracepoint<Http>('http:quiet', schema);
  let out = '';
  let warned = '';
  const s = tp.attachScript('config = { print_maps_on_exit = false }\nust:http:quiet { @n = count(); @d = args.status % 0; }', { write: (t) => { out += t; }, warn: (t) => { warned += t; } });
  assert.match(warned, /^script:2:\d+: warning: Division by zero/);
  tp.emit(event(0));
  assert.equal(s.stop(), 0);
  assert.equal(out, '');
});

test('cat() prints the file in-process too, honours max_cat_bytes, and reports a missing file to warn()', () => {
  const tp = tracepoint<Http>('http:cat', schema);
  let out = '';
  let warned = '';
  const s = tp.attachScript('config = { max_cat_bytes = 3; print_maps_on_exit = false }\nust:http:cat { cat("/proc/sys/kernel/%s", args.path); printf("|\\n"); }', { write: (t) => { out += t; }, warn: (t) => { warned += t; } });
  tp.emit({ ...event(1), path: 'ostype' });
  tp.emit({ ...event(1), path: 'nonexistent' });
  assert.equal(s.stop(), 0);
  assert.equal(out, 'Lin|\n|\n');
  assert.equal(warned, "ERROR: failed to open file '/proc/sys/kernel/nonexistent': No such file or directory\n");
});

test('wildcards match the declared tracepoints, one program each; probe names the one that fired', () => {
  const query = tracepoint<{ ms: number }>('wild:query', { ms: 'u32' });
  const connect = tracepoint<{ ms: number }>('wild:connect', { ms: 'u32' });
  tracepoint('other:query', { ms: 'u32' });
  let out = '';
  const s = attachScript('ust:wild:* { @[probe] = count(); @ms = sum(args.ms); }', { write: (t) => { out += t; } });
  for (let i = 0; i < 3; i++) query.emit({ ms: 10 });
  connect.emit({ ms: 5 });
  s.stop();
  assert.equal(out, '\n\n@[ust:wild:connect]: 1\n@[ust:wild:query]: 3\n@ms: 35\n');
  assert.throws(() => attachScript('ust:nothing:* { @ = count(); }'), /no tracepoint of this application matches/);
});

test('config missing_probes: an undeclared tracepoint is skipped with a warning ("warn") or silently ("ignore")', () => {
  const tp = tracepoint<Http>('http:present', schema);
  for (const policy of ['warn', 'ignore']) {
    let out = '';
    let warned = '';
    const s = attachScript(`config = { missing_probes = "${policy}" }\nust:http:absent, ust:http:present { @n = count(); } ust:nohttp:* { @m = count(); }`, { write: (t) => { out += t; }, warn: (t) => { warned += t; } });
    tp.emit(event(0));
    s.stop();
    assert.equal(out, '\n\n@n: 1\n');
    const lines = warned.split('\n').filter((l) => l.includes('warning:'));
    assert.deepEqual(lines, policy === 'ignore' ? [] : [
      "script:2:1: warning: skipping ust:http:absent: this application declares no tracepoint 'http:absent'",
      'script:2:53: warning: skipping ust:nohttp:*: no tracepoint of this application matches',
    ]);
  }
  assert.throws(() => attachScript('config = { missing_probes = "ignore" } ust:http:absent { }'), /no probes to attach/);
});

test('a probe never throws into emit(): a failing event is dropped with one warning; a probe that fires inside itself is skipped', () => {
  const tp = tracepoint<Http>('http:guard', schema);
  let warned = '';
  let calls = 0;
  // The script's output callback throws once: that event's probe fails.
  const s = tp.attachScript('{ @n = count(); printf("x\\n"); }', {
    write: (t) => { if (t === 'x\n' && calls++ === 0) throw new Error('disk full'); },
    warn: (t) => { warned += t; },
  });
  assert.doesNotThrow(() => tp.emit(event(0)));
  tp.emit(event(1));
  assert.match(warned, /^script: ust:http:guard: .*disk full/);
  // Re-entry: the output callback emits on the same tracepoint; the nested hit is skipped.
  let out = '';
  const tp2 = tracepoint<Http>('http:reenter', schema);
  const s2 = tp2.attachScript('{ @n = count(); printf("y\\n"); }', { write: (t) => { out += t; if (t === 'y\n') tp2.emit(event(9)); } });
  for (let i = 0; i < 3; i++) tp2.emit(event(i));
  s2.stop();
  assert.equal(out, 'y\ny\ny\n\n\n@n: 3\n');
  s.stop();
});
