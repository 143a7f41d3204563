// Invalid scripts and the exact diagnostic each must produce: file:line:col, message, the quoted
// source line and the caret/tildes under the span. Cases marked bpftraceRejects are also run
// through bpftrace 0.17 (the installed oracle), which must reject them too, on the same line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parse } from '../../src/lang/parser.js';
import { analyse } from '../../src/lang/semantic.js';
import { SourceError } from '../../src/diagnostics.js';
import { needs } from '../support/environment.js';
import { fakeTracepoints } from './fake-tracepoints.js';

interface Case {
  script: string;
  expected: string;
  /** bpftrace 0.17 rejects this script too (others use syntax newer than 0.17, or differ). */
  bpftraceRejects?: boolean;
}

function diagnose(script: string, file = 'stdin'): string {
  try {
    analyse(parse(script, { file }), { source: script, tracepoints: fakeTracepoints });
  } catch (e) {
    if (e instanceof SourceError) return e.render();
    throw e;
  }
  return 'NO ERROR';
}

const CASES: Case[] = [
  {
    script: "BEGIN { $x = ; }",
    expected: "stdin:1:14: error: syntax error, unexpected ;\nBEGIN { $x = ; }\n             ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%d\\n\"); }",
    expected: "stdin:1:9: error: printf: Not enough arguments for format string (0 supplied, 1 expected)\nBEGIN { printf(\"%d\\n\"); }\n        ^~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%d\\n\", 1, 2); }",
    expected: "stdin:1:9: error: printf: Too many arguments for format string (2 supplied, 1 expected)\nBEGIN { printf(\"%d\\n\", 1, 2); }\n        ^~~~~~~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%s\\n\", 1); }",
    expected: "stdin:1:24: error: printf: %s specifier expects a value of type string (integer supplied)\nBEGIN { printf(\"%s\\n\", 1); }\n                       ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%d\\n\", \"str\"); }",
    expected: "stdin:1:24: error: printf: %d specifier expects a value of type integer (string supplied)\nBEGIN { printf(\"%d\\n\", \"str\"); }\n                       ^~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%q\\n\", 1); }",
    expected: "stdin:1:9: error: printf: Invalid format string: '%q' is not a valid format specifier\nBEGIN { printf(\"%q\\n\", 1); }\n        ^~~~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(comm); }",
    expected: "stdin:1:16: error: printf() expects a string literal (string[16] provided)\nBEGIN { printf(comm); }\n               ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = 1; @x = \"a\"; }",
    expected: "stdin:1:17: error: Type mismatch for @x: trying to assign value of type 'string[2]' when map already contains a value of type 'int64'\nBEGIN { @x = 1; @x = \"a\"; }\n                ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = 1; $x = \"s\"; }",
    expected: "stdin:1:17: error: Type mismatch for $x: trying to assign value of type 'string[2]' when variable already contains a value of type 'int8'\nBEGIN { $x = 1; $x = \"s\"; }\n                ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = \"a\" + 1; }",
    expected: "stdin:1:14: error: Type mismatch for '+': comparing 'string[2]' with 'int8'\nBEGIN { $x = \"a\" + 1; }\n             ^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { foo(); }",
    expected: "stdin:1:9: error: Unknown function: foo\nBEGIN { foo(); }\n        ^~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { print(args.x); }",
    expected: "stdin:1:15: error: The args builtin can only be used with tracepoint, rawtracepoint, fentry, fexit and uprobe probes (special used here)\nBEGIN { print(args.x); }\n              ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @ = count(1); }",
    expected: "stdin:1:13: error: count() requires no arguments (1 provided)\nBEGIN { @ = count(1); }\n            ^~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { \"abc }",
    expected: "stdin:1:9: error: unterminated string\nBEGIN { \"abc }\n        ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { system(\"ls\"); }",
    expected: "stdin:1:9: error: system() is an unsafe function being used in safe mode\nBEGIN { system(\"ls\"); }\n        ^~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x }",
    expected: "stdin:1:9: error: Undefined or undeclared variable: $x\nBEGIN { $x }\n        ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = hist(); }",
    expected: "stdin:1:14: error: hist() requires at least one argument (0 provided)\nBEGIN { @x = hist(); }\n             ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "tracepoint:syscalls:sys_enter_openat { print(args.nosuch); }",
    expected: "stdin:1:46: error: Can not access field 'nosuch' on type 'struct _tracepoint_syscalls_sys_enter_openat'\ntracepoint:syscalls:sys_enter_openat { print(args.nosuch); }\n                                             ^~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { exit()",
    expected: "stdin:1:15: error: syntax error, unexpected end of file, expecting ';' or '}'\nBEGIN { exit()\n              ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { retval }",
    expected: "stdin:1:9: error: The retval builtin can only be used with 'kretprobe', 'uretprobe' and 'fexit' probes (special used here)\nBEGIN { retval }\n        ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { unroll(200) { } }",
    expected: "stdin:1:9: error: unroll maximum value is 100\nBEGIN { unroll(200) { } }\n        ^~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { unroll(0) { } }",
    expected: "stdin:1:9: error: unroll minimum value is 1\nBEGIN { unroll(0) { } }\n        ^~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { 12abc }",
    expected: "stdin:1:9: error: invalid integer literal '12abc'\nBEGIN { 12abc }\n        ^~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { \"\\q\" }",
    expected: "stdin:1:10: error: invalid escape character '\\q'\nBEGIN { \"\\q\" }\n         ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { break; }",
    expected: "stdin:1:9: error: break used outside of a loop\nBEGIN { break; }\n        ^~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { continue; }",
    expected: "stdin:1:9: error: continue used outside of a loop\nBEGIN { continue; }\n        ^~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x[1] = 1; @x[\"a\"] = 2; }",
    expected: "stdin:1:20: error: Argument mismatch for @x: trying to access with arguments: [string[2]] when map expects arguments: [int64]\nBEGIN { @x[1] = 1; @x[\"a\"] = 2; }\n                   ^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = 1; @x[1] = 2; }",
    expected: "stdin:1:17: error: @x used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)\nBEGIN { @x = 1; @x[1] = 2; }\n                ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x[1] = 2; @y = @x; }",
    expected: "stdin:1:25: error: @x used as a map without an explicit key (scalar map), previously used with an explicit key (non-scalar map)\nBEGIN { @x[1] = 2; @y = @x; }\n                        ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = count(); }",
    expected: "stdin:1:14: error: count() should be directly assigned to a map\nBEGIN { $x = count(); }\n             ^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { count(); }",
    expected: "stdin:1:9: error: count() should be directly assigned to a map\nBEGIN { count(); }\n        ^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = count(); @x = 1; }",
    expected: "stdin:1:23: error: Type mismatch for @x: trying to assign value of type 'int64' when map already contains a value of type 'count_t'\nBEGIN { @x = count(); @x = 1; }\n                      ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = count(); @x = sum(1); }",
    expected: "stdin:1:23: error: Type mismatch for @x: trying to assign value of type 'sum_t' when map already contains a value of type 'count_t'\nBEGIN { @x = count(); @x = sum(1); }\n                      ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { arg0 }",
    expected: "stdin:1:9: error: The arg0 builtin can only be used with 'kprobes', 'uprobes', 'usdt' and 'rawtracepoint' probes (special used here)\nBEGIN { arg0 }\n        ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = lhist(1, 0, 10); }",
    expected: "stdin:1:14: error: lhist() requires 4 arguments (3 provided)\nBEGIN { @x = lhist(1, 0, 10); }\n             ^~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = lhist(1, 0, 10, 0); }",
    expected: "stdin:1:30: error: lhist() step must be >= 1 (0 provided)\nBEGIN { @x = lhist(1, 0, 10, 0); }\n                             ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = hist(1, 9); }",
    expected: "stdin:1:22: error: hist: bits 9 must be between 0 and 5\nBEGIN { @x = hist(1, 9); }\n                     ^",
  },
  {
    script: "foo:bar { }",
    expected: "stdin:1:1: error: Invalid probe type: foo\nfoo:bar { }\n^~~~~~~",
  },
  {
    script: "BEGIN:x { }",
    expected: "stdin:1:1: error: BEGIN probes take no arguments\nBEGIN:x { }\n^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "tracepoint:syscalls { }",
    expected: "stdin:1:1: error: Invalid tracepoint probe 'tracepoint:syscalls': expected 2 parts after 'tracepoint:'\ntracepoint:syscalls { }\n^~~~~~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "interval:q:1 { }",
    expected: "stdin:1:1: error: Invalid time unit for interval: q (expects s, ms, us or hz)\ninterval:q:1 { }\n^~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = (uint32)\"abc\"; }",
    expected: "stdin:1:14: error: Cannot cast from 'string[4]' to 'uint32'\nBEGIN { $x = (uint32)\"abc\"; }\n             ^~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $a = (1, 2); $b = $a.5; }",
    expected: "stdin:1:27: error: Invalid tuple index: 5. Found 2 elements in tuple.\nBEGIN { $a = (1, 2); $b = $a.5; }\n                          ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $a = 1; $b = $a.foo; }",
    expected: "stdin:1:22: error: Can not access field 'foo' on expression of type 'int8'\nBEGIN { $a = 1; $b = $a.foo; }\n                     ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { if (\"abc\") { } }",
    expected: "stdin:1:13: error: Invalid condition in if(): string[4]\nBEGIN { if (\"abc\") { } }\n            ^~~~~",
    bpftraceRejects: true,
  },
  {
    script: "config = { nosuch = 1 }\nBEGIN { }",
    expected: "stdin:1:12: error: Unrecognized config variable: nosuch\nconfig = { nosuch = 1 }\n           ^~~~~~~~~~",
  },
  {
    script: "let @a = bighash(10);\nBEGIN { }",
    expected: "stdin:1:10: error: Invalid bpf map type: bighash (expects hash, lruhash, percpuhash or percpulruhash)\nlet @a = bighash(10);\n         ^~~~~~~",
  },
  {
    script: "let @a = hash(0);\nBEGIN { }",
    expected: "stdin:1:15: error: Map max entries must be a positive integer literal\nlet @a = hash(0);\n              ^",
  },
  {
    script: "BEGIN { for ($kv : @m) { } @m = 1; }",
    expected: "stdin:1:20: error: @m has no explicit keys (scalar map), and cannot be used for iteration\nBEGIN { for ($kv : @m) { } @m = 1; }\n                   ^~",
  },
  {
    script: "BEGIN { let $x: uint16 = -1; }",
    expected: "stdin:1:26: error: Type mismatch for $x: value -1 does not fit in 'uint16'\nBEGIN { let $x: uint16 = -1; }\n                         ^~",
  },
  {
    script: "BEGIN { let $x = 1; let $x = 2; }",
    expected: "stdin:1:25: error: Variable $x was already declared in this scope\nBEGIN { let $x = 1; let $x = 2; }\n                        ^~",
  },
  {
    script: "BEGIN { $x = 1 ? 2 : \"a\"; }",
    expected: "stdin:1:14: error: Ternary operator must return the same type: have 'int8' and 'string[2]'\nBEGIN { $x = 1 ? 2 : \"a\"; }\n             ^~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "macro add(x, y) { x + y }\nBEGIN { print(add(1)); }",
    expected: "stdin:2:15: error: Macro add expects 2 arguments (1 provided)\nBEGIN { print(add(1)); }\n              ^~~~~~",
  },
  {
    script: "macro bad() { @x++ }\nBEGIN { bad(); }",
    expected: "stdin:1:15: error: Macro bad accesses map @x, which was not passed as an argument\nmacro bad() { @x++ }\n              ^~",
  },
  {
    script: "BEGIN { /* unterminated",
    expected: "stdin:1:9: error: end of file during comment\nBEGIN { /* unterminated\n        ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = 0x; }",
    expected: "stdin:1:14: error: invalid integer literal '0x'\nBEGIN { $x = 0x; }\n             ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { 99999999999999999999999 }",
    expected: "stdin:1:9: error: integer literal out of range '99999999999999999999999'\nBEGIN { 99999999999999999999999 }\n        ^~~~~~~~~~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = str(); }",
    expected: "stdin:1:14: error: str() requires at least one argument (0 provided)\nBEGIN { $x = str(); }\n             ^~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { print(@nosuch); }",
    expected: "stdin:1:15: error: Undefined map: @nosuch\nBEGIN { print(@nosuch); }\n              ^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { clear(1); }",
    expected: "stdin:1:15: error: clear() expects a map to be provided\nBEGIN { clear(1); }\n              ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = 1; $x++; $y++; }",
    expected: "stdin:1:23: error: Undefined or undeclared variable: $y\nBEGIN { $x = 1; $x++; $y++; }\n                      ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $s = \"a\"; $s++; }",
    expected: "stdin:1:19: error: The ++ operator can not be used on expressions of type 'string[2]'\nBEGIN { $s = \"a\"; $s++; }\n                  ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { signal(\"KILL\"); }",
    expected: "stdin:1:9: error: signal() is an unsafe function being used in safe mode\nBEGIN { signal(\"KILL\"); }\n        ^~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = nosuchident; }",
    expected: "stdin:1:14: error: Unknown identifier: 'nosuchident'\nBEGIN { $x = nosuchident; }\n             ^~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x[1,2] = 1; delete(@x); }",
    expected: "stdin:1:22: error: delete() on map @x, which has keys, requires a key argument\nBEGIN { @x[1,2] = 1; delete(@x); }\n                     ^~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { if (1) { $x = 1; } print($x); }",
    expected: "stdin:1:34: error: Undefined or undeclared variable: $x\nBEGIN { if (1) { $x = 1; } print($x); }\n                                 ^~",
  },
  {
    script: "kprobe:f /arg0 > 1/ { $x = reg(\"nosuch\"); }",
    expected: "stdin:1:32: error: 'nosuch' is not a valid register on this architecture\nkprobe:f /arg0 > 1/ { $x = reg(\"nosuch\"); }\n                               ^~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = 1 }\nEND { @y = @x + \"a\"; }",
    expected: "stdin:2:12: error: Type mismatch for '+': comparing 'int64' with 'string[2]'\nEND { @y = @x + \"a\"; }\n           ^~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%d %s\\n\", 1); }",
    expected: "stdin:1:9: error: printf: Not enough arguments for format string (1 supplied, 2 expected)\nBEGIN { printf(\"%d %s\\n\", 1); }\n        ^~~~~~~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = sizeof(nosuchtype); }",
    expected: "stdin:1:21: error: Cannot resolve unknown type \"nosuchtype\"\nBEGIN { $x = sizeof(nosuchtype); }\n                    ^~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $t = (1, 2); $t = (1, 2, 3); }",
    expected: "stdin:1:22: error: Type mismatch for $t: trying to assign value of type '(int8,int8,int8)' when variable already contains a value of type '(int8,int8)'\nBEGIN { $t = (1, 2); $t = (1, 2, 3); }\n                     ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { print(1, 2); }",
    expected: "stdin:1:9: error: Non-map print() only takes 1 argument, 2 found\nBEGIN { print(1, 2); }\n        ^~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { 1 = 2; }",
    expected: "stdin:1:9: error: invalid assignment target\nBEGIN { 1 = 2; }\n        ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = (1,2)[$y]; }",
    expected: "stdin:1:20: error: Undefined or undeclared variable: $y\nBEGIN { $x = (1,2)[$y]; }\n                   ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { exit(\"no\"); }",
    expected: "stdin:1:14: error: exit() expects an integer (string[3] provided)\nBEGIN { exit(\"no\"); }\n             ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = kstack(foo); }",
    expected: "stdin:1:21: error: kstack: invalid stack mode 'foo' (expects bpftrace, perf, raw or build_id)\nBEGIN { @x = kstack(foo); }\n                    ^~~",
    bpftraceRejects: true,
  },
  {
    script: "tracepoint:syscalls:sys_enter_openat\n{\n  @[comm] = count();\n  printf(\"%s\\n\", args.flags);\n}",
    expected: "stdin:4:18: error: printf: %s specifier expects a value of type string (integer supplied)\n  printf(\"%s\\n\", args.flags);\n                 ^~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN\n{\n  $a = 1;\n  $b = $a +\n}",
    expected: "stdin:5:1: error: syntax error, unexpected }\n}\n^",
    bpftraceRejects: true,
  },
  {
    script: "t:sched:sched_switch,t:syscalls:sys_enter_openat { print(args.prev_pid); }",
    expected: "stdin:1:58: error: Can not access field 'prev_pid' on type 'struct _tracepoint_syscalls_sys_enter_openat' (probe t:syscalls:sys_enter_openat)\nt:sched:sched_switch,t:syscalls:sys_enter_openat { print(args.prev_pid); }\n                                                         ^~~~~~~~~~~~~",
  },
  {
    script: "BEGIN { @x = sum(\"a\"); }",
    expected: "stdin:1:18: error: sum() expects an integer argument (string[2] provided)\nBEGIN { @x = sum(\"a\"); }\n                 ^~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = (1, 2); $y = $x + 1; }",
    expected: "stdin:1:27: error: Type mismatch for '+': comparing '(int8,int8)' with 'int8'\nBEGIN { $x = (1, 2); $y = $x + 1; }\n                          ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "kretprobe:f { @[arg0] = count(); }",
    expected: "stdin:1:17: error: The arg0 builtin can only be used with 'kprobes', 'uprobes', 'usdt' and 'rawtracepoint' probes (kretprobe used here)\nkretprobe:f { @[arg0] = count(); }\n                ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = 1; $x = ksym(0); }",
    expected: "stdin:1:17: error: Type mismatch for $x: trying to assign value of type 'ksym_t' when variable already contains a value of type 'int8'\nBEGIN { $x = 1; $x = ksym(0); }\n                ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @a = 1; if (@a == \"x\") { } }",
    expected: "stdin:1:21: error: Type mismatch for '==': comparing 'int64' with 'string[2]'\nBEGIN { @a = 1; if (@a == \"x\") { } }\n                    ^~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = -\"a\"; }",
    expected: "stdin:1:14: error: Invalid operand for unary '-': 'string[2]' (expects an integer)\nBEGIN { $x = -\"a\"; }\n             ^~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = !(1, 2); }",
    expected: "stdin:1:15: error: Invalid condition in '!': (int8,int8)\nBEGIN { $x = !(1, 2); }\n              ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { print((1, \"a\").2); }",
    expected: "stdin:1:15: error: Invalid tuple index: 2. Found 2 elements in tuple.\nBEGIN { print((1, \"a\").2); }\n              ^~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = 1 }\nEND { $y = @x[1]; }",
    expected: "stdin:2:12: error: @x used as a map with an explicit key (non-scalar map), previously used without an explicit key (scalar map)\nEND { $y = @x[1]; }\n           ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { has_key(1, 2); }",
    expected: "stdin:1:17: error: has_key() expects a map to be provided\nBEGIN { has_key(1, 2); }\n                ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x[1] = 1; has_key(@x, \"a\"); }",
    expected: "stdin:1:32: error: Argument mismatch for @x: trying to access with arguments: [string[2]] when map expects arguments: [int64]\nBEGIN { @x[1] = 1; has_key(@x, \"a\"); }\n                               ^~~",
  },
  {
    script: "BEGIN { printf(\"%d\\n\", kstack); }",
    expected: "stdin:1:24: error: printf: %d specifier expects a value of type integer (stack supplied)\nBEGIN { printf(\"%d\\n\", kstack); }\n                       ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { str(1, 2, 3); }",
    expected: "stdin:1:9: error: str() takes up to 2 arguments (3 provided)\nBEGIN { str(1, 2, 3); }\n        ^~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @ = avg(); }",
    expected: "stdin:1:13: error: avg() requires one argument (0 provided)\nBEGIN { @ = avg(); }\n            ^~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { ntop((1, 2)); }",
    expected: "stdin:1:14: error: ntop() expects an integer or an array of size 4 or 16 ((int8,int8) provided)\nBEGIN { ntop((1, 2)); }\n             ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = 1; @x = (1, 2); }",
    expected: "stdin:1:17: error: Type mismatch for @x: trying to assign value of type '(int64,int64)' when map already contains a value of type 'int64'\nBEGIN { @x = 1; @x = (1, 2); }\n                ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x[1] = 1; for ($kv : @x) { $kv = 1; } }",
    expected: "stdin:1:37: error: Type mismatch for $kv: trying to assign value of type 'int8' when variable already contains a value of type '(int64,int64)'\nBEGIN { @x[1] = 1; for ($kv : @x) { $kv = 1; } }\n                                    ^~~",
  },
  {
    script: "BEGIN { $x = (uint8)1 < \"s\"; }",
    expected: "stdin:1:14: error: Type mismatch for '<': comparing 'uint8' with 'string[2]'\nBEGIN { $x = (uint8)1 < \"s\"; }\n             ^~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x = @nosuch + 1; }",
    expected: "stdin:1:14: error: Undefined map: @nosuch\nBEGIN { @x = @nosuch + 1; }\n             ^~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { if (1) { } else if } ",
    expected: "stdin:1:28: error: syntax error, unexpected }, expecting (\nBEGIN { if (1) { } else if } \n                           ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = 1 +; }",
    expected: "stdin:1:17: error: syntax error, unexpected ;\nBEGIN { $x = 1 +; }\n                ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%d\\n\", 1) printf(\"x\") }",
    expected: "stdin:1:27: error: syntax error, unexpected identifier, expecting ';' or '}'\nBEGIN { printf(\"%d\\n\", 1) printf(\"x\") }\n                          ^~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN ( )",
    expected: "stdin:1:7: error: syntax error, unexpected (, expecting {\nBEGIN ( )\n      ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = \"\\xZZ\"; }",
    expected: "stdin:1:15: error: invalid escape character '\\x'\nBEGIN { $x = \"\\xZZ\"; }\n              ^~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = 1e-3; }",
    expected: "stdin:1:14: error: invalid integer literal '1e'\nBEGIN { $x = 1e-3; }\n             ^~",
  },
  {
    script: "BEGIN { $x = 010 + 09; }",
    expected: "stdin:1:20: error: invalid octal literal '09'\nBEGIN { $x = 010 + 09; }\n                   ^~",
  },
  {
    script: "BEGIN { @a = 1; } #include <foo.h>",
    expected: "stdin:1:19: error: C definitions must come before the config block, imports, probes, macros and map declarations\nBEGIN { @a = 1; } #include <foo.h>\n                  ^",
  },
  {
    script: "BEGIN { } config = { max_map_keys = 2 }",
    expected: "stdin:1:11: error: the config block must come before probes, macros and map declarations\nBEGIN { } config = { max_map_keys = 2 }\n          ^~~~~~",
  },
  {
    script: "BEGIN { return \"x\"; }",
    expected: "stdin:1:16: error: Return value must be an integer (string[2] provided)\nBEGIN { return \"x\"; }\n               ^~~",
  },
  {
    script: "BEGIN { @x = count(); $y = @x + 1; print(@x = 1); }",
    expected: "stdin:1:45: error: syntax error, unexpected =, expecting ')'\nBEGIN { @x = count(); $y = @x + 1; print(@x = 1); }\n                                            ^",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { @x[1] = 1; print(@x[1], 2); }",
    expected: "stdin:1:20: error: The map passed to print() should not be indexed by a key\nBEGIN { @x[1] = 1; print(@x[1], 2); }\n                   ^~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { $x = ((uint8)1)[0]; }",
    expected: "stdin:1:14: error: The array index operator [] can not be used on expressions of type 'uint8'\nBEGIN { $x = ((uint8)1)[0]; }\n             ^~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "kprobe:f { @x = kstack(3, 4, 5); }",
    expected: "stdin:1:17: error: kstack() takes up to 2 arguments (3 provided)\nkprobe:f { @x = kstack(3, 4, 5); }\n                ^~~~~~~~~~~~~~~",
    bpftraceRejects: true,
  },
  {
    script: "tracepoint:foo:bar { }",
    expected: "stdin:1:1: error: tracepoint not found: foo:bar\ntracepoint:foo:bar { }\n^~~~~~~~~~~~~~~~~~\nnote: if the probe may be absent, set config = { missing_probes = \"warn\" } (or \"ignore\") to skip it",
    bpftraceRejects: true,
  },
  {
    script: "BEGIN { printf(\"%d\\n\", pidd); }",
    expected: "stdin:1:24: error: Unknown identifier: 'pidd'\nBEGIN { printf(\"%d\\n\", pidd); }\n                       ^~~~",
    bpftraceRejects: true,
  },
];

test(`at least 40 invalid scripts are covered (${CASES.length})`, () => {
  assert.ok(CASES.length >= 40);
});

for (const c of CASES) {
  test(`diagnostic: ${c.script.replace(/\n/g, '\\n')}`, () => {
    assert.equal(diagnose(c.script), c.expected);
  });
}

test('diagnostics name the file they were given', () => {
  const out = diagnose('BEGIN { @x = 1; }\nEND { $y; }', 'tools/x.bt');
  assert.equal(out, 'tools/x.bt:2:7: error: Undefined or undeclared variable: $y\nEND { $y; }\n      ^~');
});

test('errors are SourceErrors carrying the span, not plain Errors', () => {
  assert.throws(() => parse('BEGIN { $x = ; }'), (e: unknown) => e instanceof SourceError && e.span.line === 1 && e.span.column === 14);
});

test('bpftrace 0.17 rejects the same scripts, on the same line', needs('bpftrace'), () => {
  const disagreements: string[] = [];
  for (const c of CASES.filter((x) => x.bpftraceRejects)) {
    const r = spawnSync('bpftrace', ['-e', c.script], { encoding: 'utf8', timeout: 10_000 });
    const ours = /^stdin:(\d+):/.exec(c.expected)?.[1];
    const theirs = /stdin:(\d+):\d+(?:-\d+)?: ERROR/.exec(r.stderr ?? '')?.[1];
    if (r.status === 0 || r.status === null || theirs === undefined) disagreements.push(`accepted by bpftrace: ${c.script}`);
    else if (theirs !== ours) disagreements.push(`line ${theirs} (bpftrace) vs ${ours} (ours): ${c.script}`);
  }
  assert.deepEqual(disagreements, []);
});

test('mutated scripts fail only with SourceErrors (never a JS exception), 3000 deterministic mutations', () => {
  const seeds = [
    'BEGIN { printf("hi %d %s\\n", 1 + 2 * 3, comm); @x[pid, comm] = count(); $a = (uint16)-1; }',
    'tracepoint:syscalls:sys_enter_openat /pid > 10 && comm != "x"/ { @[str(args.filename)] = hist(args.flags / 2); if ($a) { $x++ } else { @y-- } }',
    'BEGIN { for ($i : 0..10) { @m[$i] = $i; } for ($kv : @m) { print($kv.0); } unroll(3) { @n += 1; } delete(@m, 1); $t = (1, "a",); $r = (a=1, b="x"); $s = sizeof(uint64); let $z: uint32 = 5; $bl = { let $q = 1; $q }; }',
    'macro add(x) { x + 1 } config = { max_map_keys = 2 } let @a = hash(10); BEGIN { @a[1] = add(2); exit(); }',
    'kprobe:f { $p = (int32 *)arg0; $v = *$p; @s = sum($v); printf("%p %r\\n", $p, buf($p, 4)); }',
  ];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = '{}()[];,:.$@/*+-!~&|^<>=?"\\ \n0123456789abcxyz_#';
  const crashes: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let s = seeds[rand(seeds.length)];
    for (let j = 1 + rand(3); j > 0; j--) {
      const pos = rand(s.length + 1);
      const ch = alphabet[rand(alphabet.length)];
      const op = rand(3);
      s = op === 0 ? s.slice(0, pos) + s.slice(pos + 1) : op === 1 ? s.slice(0, pos) + ch + s.slice(pos) : s.slice(0, pos) + ch + s.slice(pos + 1);
    }
    try {
      analyse(parse(s), { source: s, tracepoints: fakeTracepoints });
    } catch (e) {
      if (!(e instanceof SourceError)) crashes.push(`${JSON.stringify(s)}: ${(e as Error).stack?.split('\n')[0]}`);
      else assert.match(e.render(), /^stdin:\d+:\d+: error: /);
    }
  }
  assert.deepEqual(crashes, []);
});
