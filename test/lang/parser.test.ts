// Parser: valid constructs of the bpftrace language and the exact shape of the tree they give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, parseExpression } from '../../src/lang/parser.js';
import { printAst, astToJSON } from '../../src/lang/print-ast.js';
import type * as A from '../../src/lang/ast.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { needsPrograms } from '../support/environment.js';

/** Compact s-expression of an expression tree, for precedence and shape checks. */
function sx(e: A.Expr | A.TypeExpr): string {
  switch (e.kind) {
    case 'Integer': return String(e.value);
    case 'String': return JSON.stringify(e.value);
    case 'Boolean': return String(e.value);
    case 'PositionalParam': return `$${e.index}`;
    case 'ParamCount': return '$#';
    case 'Builtin': return e.name;
    case 'Identifier': return `id:${e.name}`;
    case 'Variable': case 'Map': return e.name;
    case 'MapAccess': return `${e.map.name}[${e.keys.map(sx).join(', ')}]`;
    case 'Call': return `${e.name}${e.bang ? '!' : ''}(${e.args.map(sx).join(', ')})`;
    case 'Binary': return `(${sx(e.left)} ${e.op} ${sx(e.right)})`;
    case 'Unary': return `(${e.op}${sx(e.operand)})`;
    case 'Update': return e.prefix ? `(${e.op}${sx(e.target)})` : `(${sx(e.target)}${e.op})`;
    case 'Ternary': return `(${sx(e.cond)} ? ${sx(e.then)} : ${sx(e.else)})`;
    case 'Cast': return `cast<${sx(e.target)}>(${sx(e.expr)})`;
    case 'FieldAccess': return `${sx(e.expr)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'TupleIndex': return `${sx(e.expr)}.${e.index}`;
    case 'Index': return `${sx(e.expr)}[${sx(e.index)}]`;
    case 'Tuple': return `tuple(${e.elements.map(sx).join(', ')})`;
    case 'Record': return `record(${e.fields.map((f) => `${f.name}=${sx(f.value)}`).join(', ')})`;
    case 'Sizeof': return `sizeof(${sx(e.arg)})`;
    case 'Offsetof': return `offsetof(${sx(e.arg)}, ${e.fields.join('.')})`;
    case 'Typeof': return `typeof(${sx(e.arg)})`;
    case 'BlockExpr': return `{${e.statements.length} stmts; ${e.value ? sx(e.value) : ''}}`;
    case 'NamedType': return e.size !== undefined ? `${e.name}[${e.size}]` : e.name;
    case 'StructType': return `${e.keyword} ${e.name}`;
    case 'PointerType': return `${sx(e.target)}*`;
    case 'ArrayType': return `${sx(e.element)}[${e.length ?? ''}]`;
    case 'TypeofType': return `typeof(${sx(e.arg)})`;
  }
}

const body = (src: string): A.Stmt[] => parse(src).probes[0].body.statements;
const exprOf = (s: A.Stmt): A.Expr => {
  if (s.kind === 'ExprStmt') return s.expr;
  if (s.kind === 'Assign') return s.value;
  throw new Error(`not an expression statement: ${s.kind}`);
};

test('a whole small program: exact tree with spans', () => {
  const prog = parse('BEGIN { @x[pid] = count(); }');
  assert.deepEqual(prog.probes, [{
    kind: 'Probe',
    span: { line: 1, column: 1, length: 28 },
    name: undefined,
    attachPoints: [{ kind: 'AttachPoint', span: { line: 1, column: 1, length: 5 }, raw: 'BEGIN', provider: 'BEGIN', parts: [] }],
    predicate: undefined,
    body: {
      kind: 'Block',
      span: { line: 1, column: 7, length: 22 },
      statements: [{
        kind: 'Assign',
        span: { line: 1, column: 9, length: 17 },
        op: null,
        target: {
          kind: 'MapAccess',
          span: { line: 1, column: 9, length: 7 },
          map: { kind: 'Map', span: { line: 1, column: 9, length: 2 }, name: '@x' },
          keys: [{ kind: 'Builtin', span: { line: 1, column: 12, length: 3 }, name: 'pid' }],
        },
        value: { kind: 'Call', span: { line: 1, column: 19, length: 7 }, name: 'count', nameSpan: { line: 1, column: 19, length: 5 }, args: [] },
      }],
    },
  }]);
});

test('C operator precedence and associativity', () => {
  const cases: [string, string][] = [
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['1 << 2 + 3', '(1 << (2 + 3))'],
    ['a < b == c > d', '((id:a < id:b) == (id:c > id:d))'],
    ['1 & 2 ^ 3 | 4', '(((1 & 2) ^ 3) | 4)'],
    ['1 | 2 ^ 3 & 4', '(1 | (2 ^ (3 & 4)))'],
    ['1 | 2 && 3 || 4 && 5', '(((1 | 2) && 3) || (4 && 5))'],
    ['1 == 2 & 3', '((1 == 2) & 3)'],
    ['!a && -b', '((!id:a) && (-id:b))'],
    ['~$x + *$p', '((~$x) + (*$p))'],
    ['a ? b : c ? d : e', '(id:a ? id:b : (id:c ? id:d : id:e))'],
    ['$x > 0 ? 1 : -1', '(($x > 0) ? 1 : -1)'],
    ['-5', '-5'],
    ['- -5', '5'],
    ['$a.b.c[1]->d', '$a.b.c[1]->d'],
    ['$kv.0.1', '$kv.0.1'],
    ['@m[1, "a"].x', '@m[1, "a"].x'],
    ['$x++ + ++$y', '(($x++) + (++$y))'],
    ['&$x', '(&$x)'],
    ['f(1, g(2), 3)', 'f(1, g(2), 3)'],
    ['greet!()', 'greet!()'],
    ['(1 + 2) * 3', '((1 + 2) * 3)'],
    ['$1 + $# + $10', '(($1 + $#) + $10)'],
    ['true && false', '(true && false)'],
    ['1 % 2 / 3', '((1 % 2) / 3)'],
    ['a >= b <= c', '((id:a >= id:b) <= id:c)'],
  ];
  for (const [src, want] of cases) assert.equal(sx(parseExpression(src)), want, src);
});

test('casts versus parenthesised expressions follow bpftrace rules', () => {
  const cases: [string, string][] = [
    ['(uint16)-1', 'cast<uint16>(-1)'],
    ['(int16 *)$p', 'cast<int16*>($p)'],
    ['(struct task_struct *)curtask', 'cast<struct task_struct*>(curtask)'],
    ['(struct S **)arg0', 'cast<struct S**>(arg0)'],
    ['(int8[8])12345', 'cast<int8[8]>(12345)'],
    ['(int8[])"abc"', 'cast<int8[]>("abc")'],
    ['(string[64])arg0', 'cast<string[64]>(arg0)'],
    ['(uint64)$a', 'cast<uint64>($a)'],
    ['(unsigned long)$a', 'cast<unsigned long>($a)'],
    ['(const char *)arg1', 'cast<char*>(arg1)'],
    ['(myident)*arg0', 'cast<myident>((*arg0))'],
    ['(pid)*tid', '(pid * tid)'],
    ['(myident)', 'id:myident'],
    ['(myident) + 1', '(id:myident + 1)'],
    ['($x)', '$x'],
    ['(uint32)(uint8)$x', 'cast<uint32>(cast<uint8>($x))'],
    ['(bool[2])(uint16)1', 'cast<bool[2]>(cast<uint16>(1))'],
    ['(typeof($y))$z', 'cast<typeof($y)>($z)'],
    ['(int32*[4]*)$q', 'cast<int32*[4]*>($q)'],
  ];
  for (const [src, want] of cases) assert.equal(sx(parseExpression(src)), want, src);
});

test('tuples, records, sizeof, offsetof, typeof and block expressions', () => {
  const cases: [string, string][] = [
    ['()', 'tuple()'],
    ['(1,)', 'tuple(1)'],
    ['(1, "a", (2, 3))', 'tuple(1, "a", tuple(2, 3))'],
    ['(color = "green", size = 2)', 'record(color="green", size=2)'],
    ['sizeof(uint32)', 'sizeof(uint32)'],
    ['sizeof(struct task_struct)', 'sizeof(struct task_struct)'],
    ['sizeof($x)', 'sizeof($x)'],
    ['sizeof(uint32*[10])', 'sizeof(uint32*[10])'],
    ['sizeof(ident[1])', 'sizeof(ident[1])'],
    ['sizeof((ident)[1])', 'sizeof(id:ident[1])'],
    ['sizeof(uint64_t())', 'sizeof(uint64_t())'],
    ['sizeof(pid)', 'sizeof(pid)'],
    ['offsetof(struct S, a.b)', 'offsetof(struct S, a.b)'],
    ['offsetof($s, x)', 'offsetof($s, x)'],
    ['{ let $b = 1; $b }', '{1 stmts; $b}'],
    ['{ 1; }', '{1 stmts; }'],
    ['(1, "hello")[1 - 1]', 'tuple(1, "hello")[(1 - 1)]'],
  ];
  for (const [src, want] of cases) assert.equal(sx(parseExpression(src)), want, src);
});

test('integer literals: bases, separators, scientific, suffixes and durations', () => {
  const lit = (src: string) => parseExpression(src) as A.IntegerLiteral;
  assert.equal(lit('0x10').value, 16n);
  assert.equal(lit('0X1f').value, 31n);
  assert.equal(lit('0123').value, 83n);
  assert.equal(lit('0').value, 0n);
  assert.equal(lit('1_000_123_000').value, 1000123000n);
  assert.equal(lit('2e3').value, 2000n);
  assert.equal(lit('1e6').value, 1000000n);
  assert.deepEqual([lit('123UL').value, lit('123UL').suffix], [123n, 'ul']);
  assert.equal(lit('123LL').value, 123n);
  assert.equal(lit('18446744073709551615').value, 18446744073709551615n);
  const d = (s: string) => [lit(s).value, lit(s).unit];
  assert.deepEqual(d('1m'), [60_000_000_000n, 'm']);
  assert.deepEqual(d('100ns'), [100n, 'ns']);
  assert.deepEqual(d('5us'), [5000n, 'us']);
  assert.deepEqual(d('10ms'), [10_000_000n, 'ms']);
  assert.deepEqual(d('2s'), [2_000_000_000n, 's']);
  assert.deepEqual(d('1h'), [3_600_000_000_000n, 'h']);
  assert.deepEqual(d('1d'), [86_400_000_000_000n, 'd']);
  assert.equal(lit('-9223372036854775808').value, -9223372036854775808n);
});

test('string literals decode escapes into bytes', () => {
  const s = (src: string) => (parseExpression(src) as A.StringLiteral).value;
  assert.equal(s('"a\\nb\\tc"'), 'a\nb\tc');
  assert.equal(s('"\\033[31mRed"'), '\x1b[31mRed');
  assert.equal(s('"\\x41\\x4a"'), 'AJ');
  assert.equal(s('"\\0"'), '\0');
  assert.equal(s('"q\\"q\\\\"'), 'q"q\\');
  assert.equal(s('"é"'), '\xc3\xa9'); // UTF-8 bytes, one char code each
});

test('attach points: providers, aliases, wildcards, paths, quotes, names', () => {
  const aps = (src: string) => parse(src).probes[0].attachPoints.map((a) => [a.provider, ...a.parts]);
  assert.deepEqual(aps('tracepoint:syscalls:sys_enter_* { }'), [['tracepoint', 'syscalls', 'sys_enter_*']]);
  assert.deepEqual(aps('t:sched:sched_switch,t:syscalls:sys_enter_openat { }'), [['t', 'sched', 'sched_switch'], ['t', 'syscalls', 'sys_enter_openat']]);
  assert.deepEqual(aps('tracepoint:syscalls:sys_enter_open,\n  tracepoint:syscalls:sys_enter_openat\n{ }'), [['tracepoint', 'syscalls', 'sys_enter_open'], ['tracepoint', 'syscalls', 'sys_enter_openat']]);
  assert.deepEqual(aps('uprobe:/bin/bash:readline { }'), [['uprobe', '/bin/bash', 'readline']]);
  assert.deepEqual(aps('uprobe:./testprogs/uprobe_test:uprobeFunction1 { }'), [['uprobe', './testprogs/uprobe_test', 'uprobeFunction1']]);
  assert.deepEqual(aps('uprobe:"/system/app/Foo.apk!/lib/libfoo.so":func { }'), [['uprobe', '/system/app/Foo.apk!/lib/libfoo.so', 'func']]);
  assert.deepEqual(aps('uprobe:/path/to/myapp:cpp:"MyApp::Server::*" { }'), [['uprobe', '/path/to/myapp', 'cpp', 'MyApp::Server::*']]);
  assert.deepEqual(aps('usdt:/root/tick:[ns]:loop { }'), [['usdt', '/root/tick', '[ns]', 'loop']]);
  assert.deepEqual(aps('hardware:cache-misses:1e6 { }'), [['hardware', 'cache-misses', '1e6']]);
  assert.deepEqual(aps('software:faults:100 { }'), [['software', 'faults', '100']]);
  assert.deepEqual(aps('kprobe:do_sys_open+0x10 { }'), [['kprobe', 'do_sys_open+0x10']]);
  assert.deepEqual(aps('kprobe:tcp_reset,kprobe:*socket* { }'), [['kprobe', 'tcp_reset'], ['kprobe', '*socket*']]);
  assert.deepEqual(aps('interval:s:1 { }'), [['interval', 's', '1']]);
  assert.deepEqual(aps('i:1s { }'), [['i', '1s']]);
  assert.deepEqual(aps('BEGIN { }'), [['BEGIN']]);
  assert.deepEqual(aps('begin { }'), [['begin']]);
  assert.deepEqual(aps('watchpoint:0x10000000:8:rw { }'), [['watchpoint', '0x10000000', '8', 'rw']]);
  assert.deepEqual(aps('uprobe:/bin/bash@readline.c:362 { }'), [['uprobe', '/bin/bash@readline.c', '362']]);
  assert.deepEqual(aps('tracepoint:block:block_rq_issue /args.bytes > $1/ { }'), [['tracepoint', 'block', 'block_rq_issue']]);
  const named = parse('myname=kprobe:f { }').probes[0];
  assert.equal(named.name, 'myname');
  assert.equal(named.attachPoints[0].raw, 'kprobe:f');
});

test('predicates: a / followed by { ends them, any other / divides', () => {
  const pred = (src: string) => sx(parse(src).probes[0].predicate!);
  assert.equal(pred('kprobe:f /arg0 / 2 > 1/ { }'), '((arg0 / 2) > 1)');
  assert.equal(pred('kprobe:f /pid/{ }'), 'pid');
  assert.equal(pred('kprobe:vfs_read /comm == "bash"/ { }'), '(comm == "bash")');
  assert.equal(pred('uprobe:/bin/bash:readline /pid == 1 && (arg0 / 4) != 0/\n{ }'), '((pid == 1) && ((arg0 / 4) != 0))');
  assert.equal(pred('kretprobe:d_lookup\n/@fname[tid]/\n{ }'), '@fname[tid]');
  assert.equal(parse('kprobe:f { $x = 4 / 2; }').probes[0].predicate, undefined);
});

test('statements: control flow, loops, let, compound assignment, delete, discard', () => {
  const ss = body(`BEGIN {
    if ($a) { $x = 1; } else if ($b) { $x = 2; } else { $x = 3; }
    while ($i < 10) { $i++; }
    unroll(3) { @n += 1; }
    for ($kv : @map) { print($kv.0); break; }
    for ($i : 0..ncpus) { continue; }
    for $e : 1..$n { }
    let $y: uint32 = 5;
    let $z;
    @c <<= 2; @d >>= 1; $x -= 1; $x *= 2; $x /= 2; $x %= 3; $x &= 1; $x |= 2; $x ^= 3;
    delete(@a, 1);
    delete(@a[1, 2]);
    delete(@s);
    _ = has_key(@a, 1);
    $r = delete(@a, 2);
    { print("block"); }
    return;
  }`);
  assert.deepEqual(ss.map((s) => s.kind), [
    'If', 'While', 'Unroll', 'ForMap', 'ForRange', 'ForRange', 'Let', 'Let',
    'Assign', 'Assign', 'Assign', 'Assign', 'Assign', 'Assign', 'Assign', 'Assign', 'Assign',
    'Delete', 'Delete', 'Delete', 'ExprStmt', 'Assign', 'ExprStmt', 'Return',
  ]);
  const ifs = ss[0] as A.IfStmt;
  assert.equal(ifs.else?.kind, 'If');
  assert.equal((ifs.else as A.IfStmt).else?.kind, 'Block');
  const ops = ss.slice(8, 17).map((s) => (s as A.AssignStmt).op);
  assert.deepEqual(ops, ['<<', '>>', '-', '*', '/', '%', '&', '|', '^']);
  const let1 = ss[6] as A.LetStmt;
  assert.equal(sx(let1.declaredType!), 'uint32');
  assert.equal((ss[7] as A.LetStmt).value, undefined);
  const d1 = ss[17] as A.DeleteStmt;
  assert.deepEqual([d1.map.name, d1.keys.map(sx)], ['@a', ['1']]);
  const d2 = ss[18] as A.DeleteStmt;
  assert.deepEqual([d2.map.name, d2.keys.map(sx)], ['@a', ['1', '2']]);
  assert.deepEqual((ss[19] as A.DeleteStmt).keys, []);
  assert.equal((ss[20] as A.ExprStmt).discard, true);
  assert.equal(sx((ss[21] as A.AssignStmt).value), 'delete(@a, 2)');
  const fr = ss[4] as A.ForRangeStmt;
  assert.deepEqual([fr.variable.name, sx(fr.start), sx(fr.end)], ['$i', '0', 'ncpus']);
  const fm = ss[3] as A.ForMapStmt;
  assert.deepEqual([fm.variable.name, fm.map.name, fm.body.statements.map((s) => s.kind)], ['$kv', '@map', ['ExprStmt', 'Break']]);
});

test('the last statement may omit its semicolon; ++ and -- as statements', () => {
  const ss = body('BEGIN { @x++; --@y; $a = 1; @[comm] = count() }');
  assert.deepEqual(ss.map((s) => sx(exprOf(s))), ['(@x++)', '(--@y)', '1', 'count()']);
});

test('top-level sections: shebang, C definitions, config, imports, map declarations, macros', () => {
  const prog = parse(`#!/usr/bin/env bpftrace
#include <linux/socket.h>
#define RED "\\033[31m"
struct S {
  int x;
  char name[16];
  struct foo *p;
  unsigned int flags : 3;
}
enum E { A, B = 5, C };
config = {
    stack_mode=perf;
    BPFTRACE_MAX_MAP_KEYS=2
}
import "helpers.bt";
let @a = lruhash(100);
macro add_one_to_each($a, @b) { $a += 1; @b += 1; }
macro one { 1 }
kprobe:do_nanosleep { greet!(); }
let @b = percpuhash(20);
`);
  assert.deepEqual(prog.cDefinitions.map((c) => c.kind), ['CInclude', 'CDefine', 'CStruct', 'CStruct']);
  const inc = prog.cDefinitions[0] as A.CInclude;
  assert.deepEqual([inc.path, inc.system], ['linux/socket.h', true]);
  const def = prog.cDefinitions[1] as A.CDefine;
  assert.deepEqual([def.name, def.body], ['RED', '"\\033[31m"']);
  const st = prog.cDefinitions[2] as A.CStruct;
  assert.deepEqual(st.fields.map((f) => [f.name, sx(f.type), f.bits]), [['x', 'int', undefined], ['name', 'char[16]', undefined], ['p', 'struct foo*', undefined], ['flags', 'unsigned int', 3]]);
  const en = prog.cDefinitions[3] as A.CStruct;
  assert.deepEqual(en.enumerators.map((e) => [e.name, e.value]), [['A', undefined], ['B', 5n], ['C', undefined]]);
  assert.deepEqual(prog.config!.entries.map((e) => [e.key, e.value.kind]), [['stack_mode', 'Identifier'], ['BPFTRACE_MAX_MAP_KEYS', 'Integer']]);
  assert.deepEqual(prog.imports.map((i) => i.path), ['helpers.bt']);
  assert.deepEqual(prog.mapDecls.map((m) => [m.map.name, m.mapType, sx(m.args[0])]), [['@a', 'lruhash', '100'], ['@b', 'percpuhash', '20']]);
  assert.deepEqual(prog.macros.map((m) => [m.name, m.params.map((p) => `${p.paramKind}:${p.name}`)]), [['add_one_to_each', ['scratch:$a', 'map:@b']], ['one', []]]);
  assert.equal(sx(prog.macros[1].body), '{0 stmts; 1}');
  assert.equal(prog.probes.length, 1);
});

test('comments anywhere, including inside expressions and between probes', () => {
  const prog = parse(`// leading
interval:s:1 { // inline
/*
 a multi line comment
*/
  print(/* inline comment block */ 1);
}
/* between */ END { exit(); } // trailing`);
  assert.equal(prog.probes.length, 2);
  assert.equal(sx(exprOf(prog.probes[0].body.statements[0])), 'print(1)');
});

test('every node carries a span inside the source', () => {
  const src = `BEGIN { $x = (1, "a"); @m[pid, comm] = hist($x.0 * 2); if (@m[1, "b"] != 0) { print(@m); } }
tracepoint:syscalls:sys_enter_openat /pid > 0/ { printf("%s\\n", str(args.filename)); }`;
  const lines = src.split('\n');
  let count = 0;
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (typeof o.kind === 'string' && o.kind !== 'Program') {
      const s = o.span as A.Span;
      assert.ok(s && s.line >= 1 && s.line <= lines.length, `${o.kind} has a span`);
      assert.ok(s.column >= 1 && s.column <= lines[s.line - 1].length, `${o.kind} column inside its line`);
      count++;
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'span' && k !== 'type') visit(v);
  };
  visit(parse(src));
  assert.ok(count > 30, `${count} nodes`);
});

test('-d printer: outline with positions; JSON form keeps bigints', () => {
  const prog = parse('BEGIN { @x = count(); $a = (uint16)-1; }\nk:f /arg0 > 1/ { @[comm] = 10ms; }');
  assert.equal(printAst(prog), `Program
  BEGIN  @1:1
    =  @1:9
      map: @x  @1:9
      call: count  @1:14
    =  @1:23
      variable: $a  @1:23
      (uint16)  @1:28
        int: -1  @1:36
  k:f  @2:1
    pred
      >  @2:6
        builtin: arg0  @2:6
        int: 1  @2:13
    =  @2:18
      map: @  @2:18
        builtin: comm  @2:20
      int: 10000000 (10ms)  @2:28
`);
  const json = JSON.parse(astToJSON(prog));
  assert.equal(json.probes[1].body.statements[0].value.value, '10000000');
  assert.equal(json.probes[0].span, '1:1');
});

test('preprocessor conditionals select lines like cpp (bpftrace tools use #ifndef BPFTRACE_HAVE_BTF)', () => {
  const src = `#ifndef BPFTRACE_HAVE_BTF
#include <linux/socket.h>
#include <net/sock.h>
#else
#include <sys/socket.h>
#endif
#if defined(FOO) && !defined(BAR)
struct X { int a; }
#elif 0
#error nope
#else
#define BAZ 3
#endif
BEGIN { }`;
  const withBtf = parse(src, { defines: ['BPFTRACE_HAVE_BTF'] }).cDefinitions.map((c) => (c.kind === 'CInclude' ? c.path : c.kind === 'CDefine' ? c.name : c.name));
  assert.deepEqual(withBtf, ['sys/socket.h', 'BAZ']);
  const without = parse(src, { defines: ['FOO'] }).cDefinitions.map((c) => (c.kind === 'CInclude' ? c.path : c.kind === 'CDefine' ? c.name : c.name));
  assert.deepEqual(without, ['linux/socket.h', 'net/sock.h', 'X']);
  assert.throws(() => parse('#ifdef X\nBEGIN { }', { defines: [] }), /unterminated #if \(missing #endif\)/);
  assert.throws(() => parse('#endif\nBEGIN { }'), /#endif without #if/);
});

test('every bpftrace tool shipped with the installed bpftrace parses', needsPrograms('bpftrace'), () => {
  const tools = readdirSync('/usr/sbin').filter((f) => f.endsWith('.bt'));
  assert.ok(tools.length >= 20, `${tools.length} tools`);
  for (const f of tools) {
    const src = readFileSync(join('/usr/sbin', f), 'utf8');
    const prog = parse(src, { file: f, defines: ['BPFTRACE_HAVE_BTF'] });
    assert.ok(prog.probes.length > 0, f);
  }
});
