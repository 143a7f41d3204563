// Semantic analysis: inferred types, map kinds, probe contexts, macros, and the tracepoint
// `args` types checked against the kernel's format files and bpftrace's own listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceError } from '../../src/diagnostics.js';
import { parse } from '../../src/lang/parser.js';
import { analyse, type AnalyseOptions } from '../../src/lang/semantic.js';
import { kernelEnumConstant } from '../../src/btf/enums.js';
import { typeName, type Type } from '../../src/lang/types.js';
import { tracepointArgs, canonicalProvider } from '../../src/lang/probe-context.js';
import { tracepointFormat } from '../../src/kernel/tracefs.js';
import type * as A from '../../src/lang/ast.js';
import { needs, needsPrograms } from '../support/environment.js';
import { fakeTracepoints } from './fake-tracepoints.js';

function run(src: string, opts: AnalyseOptions = {}) {
  return analyse(parse(src), { source: src, tracepoints: fakeTracepoints, ...opts });
}

function vars(src: string, opts: AnalyseOptions = {}, probe = 0): Record<string, string> {
  const r = run(src, opts);
  return Object.fromEntries([...r.probes[probe].variables].map(([k, v]) => [k, v ? typeName(v) : '?']));
}

function maps(src: string): Record<string, string> {
  const r = run(src);
  return Object.fromEntries([...r.maps].map(([k, m]) => [k, `${m.key ? `[${typeName(m.key)}]` : ''}${m.value ? typeName(m.value) : '?'}`]));
}

test('integer literals take the smallest signed type; positive literals stay flexible', () => {
  assert.deepEqual(vars('BEGIN { $a = 0; $b = -1; $c = 1000; $d = 100000; $e = 5000000000; $f = 18446744073709551615; }'),
    { $a: 'int8', $b: 'int8', $c: 'int16', $d: 'int32', $e: 'int64', $f: 'uint64' });
  // The documented examples: $a ends up uint64; $a = $b upcasts to int16.
  assert.deepEqual(vars('BEGIN { $a = 1; $a = (uint64)2; }'), { $a: 'uint64' });
  assert.deepEqual(vars('BEGIN { $a = 1; $b = -1000; $a = $b; }'), { $a: 'int16', $b: 'int16' });
  assert.deepEqual(vars('BEGIN { $x = 1 << 16; $y = 2 * 1000; }'), { $x: 'int32', $y: 'int16' });
});

test('arithmetic promotion follows the documented rules', () => {
  assert.deepEqual(vars('BEGIN { $a = (uint32)5 + (uint8)3; $b = (uint64)1 - (uint64)2; $c = (uint64)1 + (-2); $d = (int8)1 + (uint8)1; $e = (uint32)1 + (int32)1; }'),
    { $a: 'uint32', $b: 'int64', $c: 'int64', $d: 'int16', $e: 'int64' });
  assert.deepEqual(vars('BEGIN { $c = 1 < 2; $n = !0; $l = 1 && 0; $s = "a" == "b"; }'), { $c: 'bool', $n: 'bool', $l: 'bool', $s: 'bool' });
  assert.deepEqual(vars('BEGIN { $p = (int32 *)0; $q = $p + 1; $r = *$p; $d = $q - $p; }'), { $p: 'int32 *', $q: 'int32 *', $r: 'int32', $d: 'int64' });
});

test('strings, tuples and records: sizes and element types unify', () => {
  assert.deepEqual(vars('BEGIN { $s = "abc"; $s = "longer string"; $t = (1, "a"); $t = (300, "bcd"); $r = (color = "green", size = 2); $e = (1,); $z = (); }'),
    { $s: 'string[14]', $t: '(int16,string[4])', $r: '(color=string[6],size=int8)', $e: '(int8)', $z: '()' });
  assert.deepEqual(vars('BEGIN { $a = (1, "hello"); $x = $a.1; $y = $a[1 - 1]; $c = comm; $k = sizeof($a); }'),
    { $a: '(int8,string[6])', $x: 'string[6]', $y: 'int8', $c: 'string[16]', $k: 'uint64' });
});

test('maps: keys and values widen to 64 bits, aggregates are map kinds, multi-keys are tuples', () => {
  assert.deepEqual(maps('BEGIN { @a = 1; @b[1] = (uint8)2; @c[pid, comm] = count(); @d = hist(5); @e = lhist(5, 0, 100, 10); @f[1] = sum(2); @g = avg(1); @h = stats(3); @i = min(1); @j = max(1); @k["x"] = (1, "y"); }'), {
    '@a': 'int64', '@b': '[int64]uint64', '@c': '[(uint64,string[16])]count_t', '@d': 'hist_t', '@e': 'lhist_t',
    '@f': '[int64]sum_t', '@g': 'avg_t', '@h': 'stats_t', '@i': 'min_t', '@j': 'max_t', '@k': '[string[2]](int64,string[2])',
  });
  const r = run('BEGIN { @e = lhist(5, 0, 100, 10); @h = hist(1, 2); }');
  const e = r.maps.get('@e')!.value!;
  assert.equal(e.kind, 'aggregate');
  assert.deepEqual(e.kind === 'aggregate' && e.params, [0n, 100n, 10n]);
  const h = r.maps.get('@h')!.value!;
  assert.deepEqual(h.kind === 'aggregate' && h.params, [2n]);
  // `@[pid, comm]++` and `@[(pid, comm)]++` make the same map.
  assert.deepEqual(maps('BEGIN { @[pid, comm]++; @[(pid, comm)]++; }'), { '@': '[(uint64,string[16])]int64' });
});

test('inference reaches a fixed point across probes in any order', () => {
  assert.deepEqual(maps('END { print(@x); printf("%d\\n", @y); } BEGIN { @x[1] = 2; @y = @z; } kprobe:f { @z = 5; }'), {
    '@x': '[int64]int64', '@y': 'int64', '@z': 'int64',
  });
  assert.deepEqual(vars('END { $a = @later + 1; } BEGIN { @later = (uint32)7; }'), { $a: 'uint64' });
});

test('aggregates coerce to integers in comparisons and casts', () => {
  assert.deepEqual(vars('BEGIN { @c = count(); @s = sum(3); if (@s == 12) { $x = (int64)@c; } $y = @c > 10; }'), { $x: 'int64', $y: 'bool' });
});

test('declared maps keep their BPF map type and size', () => {
  const r = run('let @a = lruhash(100);\nlet @b = percpuhash(20);\nBEGIN { @a[1] = 1; @b[2] = count(); }');
  assert.deepEqual(r.maps.get('@a')!.declared && [r.maps.get('@a')!.declared!.bpfType, r.maps.get('@a')!.declared!.maxEntries], ['lruhash', 100]);
  assert.deepEqual(r.maps.get('@b')!.declared && [r.maps.get('@b')!.declared!.bpfType, r.maps.get('@b')!.declared!.maxEntries], ['percpuhash', 20]);
});

test('config stack_mode is the mode of kstack and ustack that name none; a mode named in the call wins', () => {
  const modes = (src: string): (string | undefined)[] => {
    const r = run(src);
    return ['@a', '@b', '@c'].map((m) => { const k = r.maps.get(m)!.key; return k?.kind === 'stack' ? k.mode : undefined; });
  };
  const probe = 'profile:hz:99 { @a[kstack] = count(); @b[ustack(raw)] = count(); @c[kstack(5)] = count(); }';
  assert.deepEqual(modes(`config = { stack_mode = perf }\n${probe}`), ['perf', 'raw', 'perf']);
  assert.deepEqual(modes(`config = { BPFTRACE_STACK_MODE = raw }\n${probe}`), ['raw', 'raw', 'raw']);
  assert.deepEqual(modes(probe), ['bpftrace', 'raw', 'bpftrace']);
});

test('config block is normalised', () => {
  const r = run('config = { BPFTRACE_STACK_MODE = perf; max_map_keys = 2; str_trunc_trailer = "~" }\nBEGIN { }');
  assert.deepEqual(r.config, { stack_mode: 'perf', max_map_keys: 2n, str_trunc_trailer: '~' });
  // Boolean settings accept 0/1 (the documented `print_maps_on_exit=0`) and true/false.
  assert.deepEqual(run('config = { print_maps_on_exit=0; cpp_demangle=true }\nBEGIN { }').config, { print_maps_on_exit: false, cpp_demangle: true });
  assert.throws(() => run('config = { print_maps_on_exit=2 }\nBEGIN { }'), /print_maps_on_exit must be true or false/);
});

test('tracepoint args are typed from the format: ints, char pointers, char arrays, __data_loc', () => {
  assert.deepEqual(vars('tracepoint:syscalls:sys_enter_openat { $f = args.filename; $fl = args.flags; $n = args.__syscall_nr; $m = args.mode; $s = str(args.filename); }'),
    { $f: 'int8 *', $fl: 'uint64', $n: 'int32', $m: 'uint64', $s: 'string[64]' });
  assert.deepEqual(vars('t:sched:sched_switch { $c = args.prev_comm; $p = args.next_pid; $st = args.prev_state; }'),
    { $c: 'string[16]', $p: 'int32', $st: 'int64' });
  const r = run('tracepoint:sched:sched_process_exec { $f = str(args.filename); }');
  const fn = r.probes[0].contexts[0].args!.fields.find((f) => f.name === 'filename')!;
  assert.equal(fn.dataLoc, true);
  assert.equal(typeName(fn.type), 'int8 *');
  // Wildcards expand through the tracepoint source.
  const w = run('tracepoint:syscalls:sys_enter_open* { @[probe] = count(); }');
  assert.deepEqual(w.probes[0].contexts[0].expanded, ['tracepoint:syscalls:sys_enter_open', 'tracepoint:syscalls:sys_enter_openat']);
});

test('probe contexts: aliases resolve and builtins follow the provider', () => {
  assert.equal(canonicalProvider('t'), 'tracepoint');
  assert.equal(canonicalProvider('BEGIN'), 'begin');
  assert.equal(canonicalProvider('kr'), 'kretprobe');
  assert.equal(canonicalProvider('U'), 'usdt');
  assert.equal(canonicalProvider('nope'), undefined);
  assert.deepEqual(vars('kprobe:f { $a = arg0; $f = func; } '), { $a: 'uint64', $f: 'ksym_t' });
  assert.deepEqual(vars('kretprobe:f { $r = retval; }'), { $r: 'uint64' });
  assert.deepEqual(vars('uprobe:/bin/sh:main { $a = arg1; $f = func; $u = ustack; }'), { $a: 'uint64', $f: 'usym_t', $u: 'ustack' });
  assert.deepEqual(vars('interval:s:1 { $p = probe; $c = cpu; $n = nsecs; $e = elapsed; }'), { $p: 'probe_t', $c: 'uint32', $n: 'uint64', $e: 'uint64' });
});

test('positional parameters: numbers, strings, missing ones and $#', () => {
  assert.deepEqual(vars('BEGIN { $a = $1; $b = $2; $c = $3; $n = $#; $s = str($2); }', { params: ['42', 'hello'] }),
    { $a: 'int8', $b: 'string[6]', $c: 'int64', $n: 'int8', $s: 'string[64]' });
  const r = run('interval:s:$1 { exit(); }', { params: ['5'] });
  assert.deepEqual(r.probes[0].contexts[0].attachPoint.parts, ['s', '5']);
});

test('macros expand hygienically before type checking', () => {
  const src = `macro add_one(x) { x + 1 }
macro one() { 1 }
macro bump($a, @b) { $a += 1; @b += 1; }
macro local { let $t = 2; $t }
BEGIN { $x = add_one(1); $a = 10; $y = add_one($a); $z = one; @b = 5; bump($a, @b); $t = "x"; $w = local; }`;
  const prog = parse(src);
  const r = analyse(prog, { source: src });
  const v = Object.fromEntries([...r.probes[0].variables].map(([k, t]) => [k, t ? typeName(t) : '?']));
  assert.equal(v.$t, 'string[2]'); // the macro's own $t did not touch the caller's
  assert.equal(v.$w, 'int8');
  const stmts = prog.probes[0].body.statements as A.AssignStmt[];
  assert.equal(stmts[0].value.kind, 'BlockExpr');
  assert.equal(r.maps.get('@b')!.value && typeName(r.maps.get('@b')!.value!), 'int64');
  // Types pass through typeof(): the documented p_cast example.
  assert.deepEqual(vars('macro p_cast(a, b) { (a*)b }\nBEGIN { $p = p_cast(typeof(uint8), -1); }'), { $p: 'uint8 *' });
  assert.throws(() => run('macro bad($x) { $x++ }\nBEGIN { @x = 1; bad(@x); }'), /Macro bad expects a scratch variable for parameter \$x/);
});

test('every expression gets a type', () => {
  const src = 'tracepoint:syscalls:sys_enter_openat /pid > 10/ { @[comm, args.flags] = count(); $s = str(args.filename); printf("%s %d\\n", $s, (uint32)args.dfd * 2); if ($s == "x") { @x = hist(args.mode); } }';
  const prog = parse(src);
  analyse(prog, { source: src, tracepoints: fakeTracepoints });
  const missing: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    const exprKinds = ['Integer', 'String', 'Builtin', 'Variable', 'MapAccess', 'Call', 'Binary', 'Cast', 'FieldAccess'];
    if (exprKinds.includes(o.kind as string) && !(o.type as Type | undefined)) missing.push(o.kind as string);
    for (const [k, v] of Object.entries(o)) if (k !== 'span' && k !== 'type') visit(v);
  };
  visit(prog.probes);
  assert.deepEqual(missing, []);
});

test('warnings do not stop analysis and render as warnings', () => {
  const r = run('BEGIN { $a = (uint64)1; $b = (int64)-1; $a = $b; 1 + 1; }');
  // $a becomes int64 (the documented rule); the uint64 stored into it is the sign change.
  assert.deepEqual(r.warnings.map((w) => w.message), ['Type mismatch for $a: assigning uint64 to int64 (sign changes)', 'Return value discarded']);
  assert.equal(typeName(r.probes[0].variables.get('$a')!), 'int64');
  assert.match(r.warnings[0].render(), /^stdin:1:9: warning: /);
});

test('--unsafe enables system() and signal()', () => {
  assert.doesNotThrow(() => run('BEGIN { system("ls %d", 1); signal("KILL"); }', { unsafe: true }));
  assert.throws(() => run('BEGIN { system("ls"); }'), /unsafe function being used in safe mode/);
});

// Oracles: the kernel's format files (through tracefs) and bpftrace 0.17's own listing.
test('args of real tracepoints match bpftrace -lv field lists', needs('bpftrace'), () => {
  for (const tp of ['syscalls:sys_enter_openat', 'sched:sched_switch', 'sched:sched_process_exec', 'syscalls:sys_exit_read']) {
    const [c, n] = tp.split(':');
    const args = tracepointArgs(c, n, tracepointFormat(c, n).fields);
    const r = spawnSync('bpftrace', ['-lv', `tracepoint:${tp}`], { encoding: 'utf8' });
    const theirs = r.stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean).map((l) => /([A-Za-z_]\w*)(\[\d*\])?;?$/.exec(l)![1]);
    assert.deepEqual(args.fields.map((f) => f.name), theirs, tp);
    // And a script over it type-checks with the real tracefs resolver.
    const field = args.fields[args.fields.length - 1].name;
    assert.doesNotThrow(() => analyse(parse(`tracepoint:${tp} { @[args.${field}] = count(); }`)));
  }
});

test('script structs, unions and enums: C layout, char arrays as strings, enums print with %s', () => {
  const src = `struct MyStruct { int a; char name[16]; int y[4]; struct MyStruct *next; unsigned long long z; }
union U { int i; char c[8]; }
enum custom { CUSTOM_ENUM = 3, OTHER };
kprobe:dummy { $ptr = (struct MyStruct *)arg0; $st = *$ptr; $c = $ptr->name; $y = $ptr.y[0]; $n = $ptr->next->z; $o = offsetof(struct MyStruct, z); $sz = sizeof(struct MyStruct); $us = sizeof(union U); $e = OTHER; printf("%d %s\\n", $e, CUSTOM_ENUM); }`;
  const prog = parse(src);
  const r = analyse(prog, { source: src });
  const v = Object.fromEntries([...r.probes[0].variables].map(([k, t]) => [k, typeName(t)]));
  assert.deepEqual(v, { $ptr: 'struct MyStruct *', $st: 'struct MyStruct', $c: 'string[16]', $y: 'int32', $n: 'uint64', $o: 'uint64', $sz: 'uint64', $us: 'uint64', $e: 'int8' });
  const s = r.structs.get('struct MyStruct')!;
  assert.deepEqual(s.fields.map((f) => [f.name, f.offset]), [['a', 0], ['name', 4], ['y', 20], ['next', 40], ['z', 48]]);
  assert.equal(s.size, 56);
  assert.equal(r.structs.get('union U')!.size, 8);
  assert.deepEqual([...r.enums.get('custom')!], [[3n, 'CUSTOM_ENUM'], [4n, 'OTHER']]);
  const lits = (prog.probes[0].body.statements as A.AssignStmt[]).filter((x) => x.kind === 'Assign' && (x.value.kind === 'Offsetof' || x.value.kind === 'Sizeof')).map((x) => x.value.type);
  assert.deepEqual(lits.map((t) => t?.kind === 'int' && t.literal), [48n, 56n, 8n]);
});

test('imports merge .bt scripts (macros, maps, probes) once, imported probes first; errors name the imported file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-import-'));
  try {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'helpers.bt'), 'import "more.bt";\nmacro greet() { print("hello") }\nlet @h = lruhash(10);\nBEGIN { @h[1] = 1; }\n');
    writeFileSync(join(dir, 'more.bt'), 'END { print(@h); }\n');
    writeFileSync(join(dir, 'bad.bt'), 'BEGIN {\n  $x = "a" + 1;\n}\n');
    const src = 'import "helpers.bt";\nimport "helpers.bt";\nBEGIN { greet(); }';
    const prog = parse(src, { file: join(dir, 'main.bt') });
    const r = analyse(prog, { source: src });
    assert.deepEqual(prog.probes.map((p) => [p.attachPoints[0].raw, p.origin ? p.origin.file.slice(dir.length + 1) : 'main']), [['END', 'more.bt'], ['BEGIN', 'helpers.bt'], ['BEGIN', 'main']]);
    assert.equal(r.maps.get('@h')!.declared!.bpfType, 'lruhash');
    const bad = 'import "bad.bt";\nBEGIN { }';
    assert.throws(() => analyse(parse(bad), { source: bad, importBase: dir }), (e: unknown) => {
      assert.equal((e as SourceError).render(), `${join(dir, 'bad.bt')}:2:8: error: Type mismatch for '+': comparing 'string[2]' with 'int8'\n  $x = "a" + 1;\n       ^~~~~~~`);
      return true;
    });
    const missing = 'import "nope.bt";\nBEGIN { }';
    assert.throws(() => analyse(parse(missing), { source: missing, importBase: dir }), /Import not found: nope.bt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('#define constants are substituted in probes; BTF-style constants come from options.constants', () => {
  const src = '#define RED "\\033[31m"\n#define N 10\n#define M (N * 2)\nBEGIN { $r = RED; @x = lhist(1, 0, M, 1); $t = TCP_CLOSE; }';
  const prog = parse(src);
  const r = analyse(prog, { source: src, constants: (n) => (n === 'TCP_CLOSE' ? { value: 7n, enumName: 'tcp_state' } : undefined) });
  const v = r.probes[0].variables;
  assert.equal(typeName(v.get('$r')!), 'string[6]');
  const lh = r.maps.get('@x')!.value!;
  assert.deepEqual(lh.kind === 'aggregate' && lh.params, [0n, 20n, 1n]);
  assert.equal(typeName(v.get('$t')!), 'int8');
});

test('the installed bpftrace tools analyse, except where they need kernel BTF types', needs('bpftrace'), () => {
  const problems: string[] = [];
  for (const f of readdirSync('/usr/sbin').filter((x) => x.endsWith('.bt'))) {
    const src = readFileSync(join('/usr/sbin', f), 'utf8');
    try {
      analyse(parse(src, { file: f, defines: ['BPFTRACE_HAVE_BTF'] }), { source: src });
    } catch (e) {
      const m = (e as Error).message;
      // Kernel structs and enums come from BTF, which semantic analysis takes as a plug-in.
      if (!/^Unknown struct\/union|^Unknown identifier: '(TASK_RUNNING|TCP_\w+)'/.test(m)) problems.push(`${f}: ${m}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every script of the oracle suite (valid bpftrace, current syntax) passes analysis', () => {
  const dir = fileURLToPath(new URL('../../../test/lang/oracle/scripts', import.meta.url));
  const scripts = readdirSync(dir).filter((f) => f.endsWith('.bt'));
  assert.ok(scripts.length >= 50, `${scripts.length} scripts`);
  const failures: string[] = [];
  for (const f of scripts) {
    const src = readFileSync(join(dir, f), 'utf8').replace(/@COMM@/g, 'workload').replace(/@WORKLOAD@/g, '/tmp/workload');
    const sidecar = join(dir, f.replace(/\.bt$/, '.json'));
    const side = existsSync(sidecar) ? (JSON.parse(readFileSync(sidecar, 'utf8')) as { args?: string[]; flags?: string[] }) : {};
    try {
      analyse(parse(src, { file: f }), { source: src, params: side.args ?? [], unsafe: (side.flags ?? []).includes('--unsafe'), constants: kernelEnumConstant });
    } catch (e) {
      failures.push(e instanceof SourceError ? e.render() : String(e));
    }
  }
  assert.deepEqual(failures, []);
});

test('integer #defines of included system headers resolve (checked against the C compiler)', needsPrograms('gcc'), () => {
  const src = '#include <sys/socket.h>\n#include <fcntl.h>\nBEGIN { $a = AF_INET; $b = AF_INET6; $c = O_RDONLY | O_CREAT | O_TRUNC; unroll(AF_INET) { } }';
  const prog = parse(src);
  analyse(prog, { source: src });
  const stmts = prog.probes[0].body.statements as A.AssignStmt[];
  const values = stmts.slice(0, 3).map((s) => (s.value.type?.kind === 'int' ? s.value.type.literal : undefined));
  // The same constants as gcc's preprocessor sees them.
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-hc-'));
  let out: string;
  try {
    writeFileSync(join(dir, 'c.c'), '#include <sys/socket.h>\n#include <fcntl.h>\n#include <stdio.h>\nint main(void) { printf("%d %d %d", AF_INET, AF_INET6, O_RDONLY | O_CREAT | O_TRUNC); return 0; }\n');
    assert.equal(spawnSync('gcc', ['-o', join(dir, 'c'), join(dir, 'c.c')]).status, 0);
    out = spawnSync(join(dir, 'c'), { encoding: 'utf8' }).stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(values.map(String), out.trim().split(' '));
});

test('str() sizes: 64 by default, config max_strlen, explicit lengths capped', () => {
  assert.deepEqual(vars('kprobe:f { $a = str(arg0); $b = str(arg0, 100); $c = str(arg0, 5000); }'), { $a: 'string[64]', $b: 'string[101]', $c: 'string[1024]' });
  assert.deepEqual(vars('config = { max_strlen = 200 }\nkprobe:f { $a = str(arg0); $c = str(arg0, 5000); }'), { $a: 'string[200]', $c: 'string[200]' });
});
