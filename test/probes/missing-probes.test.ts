// Which expansion failures are missing probes (MissingProbeError, what config missing_probes
// governs) and which are mistakes in the attach point (another UserError, always an error), per
// provider; and the expander that semantic analysis and the compiler share. Uprobe and USDT
// targets are the running node binary, so these run anywhere; tracefs and BTF need the kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandAttachPoint, ExpandOptions } from '../../src/probes/index.js';
import { AttachPointExpander } from '../../src/probes/expander.js';
import { probeContextResolver } from '../../src/probes/context-resolver.js';
import { MissingProbeError, UserError } from '../../src/diagnostics.js';
import type { AttachPoint } from '../../src/lang/ast.js';
import { needs } from '../support/environment.js';

const EXE = process.execPath;

/** How expanding `raw` fails: 'missing', 'mistake' (another UserError) or 'ok'. */
function outcome(raw: string, options?: ExpandOptions): 'missing' | 'mistake' | 'ok' {
  const [provider, ...parts] = raw.split(':');
  try {
    expandAttachPoint(provider, parts, raw, options);
    return 'ok';
  } catch (e) {
    if (e instanceof MissingProbeError) return 'missing';
    if (e instanceof UserError) return 'mistake';
    throw e;
  }
}

function attachPoint(raw: string): AttachPoint {
  const [provider, ...parts] = raw.split(':');
  return { kind: 'AttachPoint', span: { line: 1, column: 1, length: raw.length }, provider, parts, raw } as AttachPoint;
}

test('user-space probes: what the binary (or the filesystem) lacks is missing; malformed attach points are mistakes', () => {
  assert.equal(outcome(`uprobe:${EXE}:napi_create_object`), 'ok');
  for (const raw of [
    `uprobe:${EXE}:bpfkit_no_such_function`,
    `uretprobe:${EXE}:bpfkit_no_such_function`,
    `uprobe:${EXE}:bpfkit_no_such_*`,
    `uprobe:${EXE}:bpfkit_no_such_function+4`,
    `uprobe:${EXE}:0xffffffffffff`,
    'uprobe:/bpfkit/no/such/file:main',
    'uprobe:bpfkit-no-such-program:main',
    `usdt:${EXE}:bpfkit_no_such_probe`,
    'usdt:/bpfkit/no/such/file:probe',
  ]) assert.equal(outcome(raw), 'missing', raw);
  for (const raw of [`uprobe:${EXE}`, `uretprobe:${EXE}:napi_create_object+4`, `usdt:${EXE}`, 'interval:xs:1', 'software:bpfkit-nosuch', 'profile:hz:0', 'nosuch:probe']) {
    assert.equal(outcome(raw), 'mistake', raw);
  }
});

test('-p PID naming no process is the command line\'s mistake, not a missing probe', () => {
  assert.equal(outcome('uprobe:libc:malloc', { pid: 0x7ffffffe }), 'mistake');
});

test('ust probes: an undeclared tracepoint is missing; outside an application it is a mistake', () => {
  const ust: ExpandOptions['ust'] = { names: () => ['app:request'], fields: (n) => (n === 'app:request' ? [] : undefined) };
  assert.equal(outcome('ust:app:request', { ust }), 'ok');
  assert.equal(outcome('ust:app:nosuch', { ust }), 'missing');
  assert.equal(outcome('ust:app:nosuch_*', { ust }), 'missing');
  assert.equal(outcome('ust:app:request'), 'mistake');
});

test('kernel probes: tracepoints, raw tracepoints and kernel functions this kernel lacks are missing', needs(), () => {
  assert.equal(outcome('tracepoint:syscalls:sys_enter_getpid'), 'ok');
  for (const raw of [
    'tracepoint:syscalls:sys_enter_bpfkit_nosuch',
    'tracepoint:syscalls:bpfkit_nosuch_*',
    'tracepoint:bpfkit_nosuch_*:*',
    'rawtracepoint:bpfkit_nosuch',
    'rawtracepoint:bpfkit_nosuch_*',
    'kprobe:bpfkit_nosuch_*',
    'fentry:bpfkit_nosuch',
    'fexit:bpfkit_nosuch_*',
  ]) assert.equal(outcome(raw), 'missing', raw);
  for (const raw of ['tracepoint:syscalls', 'rawtracepoint:a:b:c', 'kprobe:a:b:c']) assert.equal(outcome(raw), 'mistake', raw);
});

test('the context resolver reports a missing probe, and the compiler reuses what it expanded', () => {
  const expander = new AttachPointExpander();
  const resolve = probeContextResolver(expander);
  assert.throws(() => resolve(attachPoint(`uprobe:${EXE}:bpfkit_no_such_function`), 'uprobe'), (e: unknown) => e instanceof MissingProbeError && /no symbol 'bpfkit_no_such_function'/.test(e.message));
  // A malformed attach point is left to the compiler, which reports it where it always has.
  assert.doesNotThrow(() => resolve(attachPoint(`uprobe:${EXE}`), 'uprobe'));
  const raw = `uprobe:${EXE}:napi_create_object`;
  resolve(attachPoint(raw), 'uprobe');
  const instances = expander.expand('uprobe', [EXE, 'napi_create_object'], raw);
  assert.equal(instances.length, 1);
  // The same instances, not a second expansion; under the alias too.
  assert.equal(expander.expand('u', [EXE, 'napi_create_object'], `u:${EXE}:napi_create_object`), instances);
  assert.notEqual(new AttachPointExpander().expand('uprobe', [EXE, 'napi_create_object'], raw), instances);
});
