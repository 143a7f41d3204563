// printf() against bpftrace 0.17 captures (C printf semantics: 64-bit arguments, the length
// modifier picks the bits) and against the host's printf(1) for the conversions 0.17 lacks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { formatPrintf, parsePrintfFormat, printfArgumentCount, PrintfFormatError } from '../../src/output/printf.js';
import { int, str, uint, type Value } from '../../src/output/value.js';

test('integer conversions read the bits the length modifier names (bpftrace 0.17 capture)', () => {
  assert.equal(
    formatPrintf('%d|%u|%x|%d|%lu|%hhd\n', [int(-1), int(-1), int(-1), int(4294967296), int(-1), int(300)]),
    '-1|4294967295|ffffffff|0|18446744073709551615|44\n',
  );
  const x = int(-1, true, 32);
  assert.equal(formatPrintf('%d %u %x %lx\n', [x, x, x, x]), '-1 4294967295 ffffffff ffffffffffffffff\n');
  const y = uint(200, 8);
  assert.equal(formatPrintf('%d %x %hu\n', [y, y, int(70000)]), '200 c8 4464\n');
  // tests/runtime/call printf_length_modifiers (current release)
  const z = int(0x12345678abcdef);
  assert.equal(formatPrintf('%hhx %hx %x %jx', [z, z, z, z]), 'ef cdef 78abcdef 12345678abcdef');
});

test('width, precision and flags (bpftrace 0.17 capture)', () => {
  assert.equal(formatPrintf('[%5d][%-5d][%05d]', [int(42), int(42), int(42)]), '[   42][42   ][00042]');
  assert.equal(formatPrintf('[%-6s][%.2s][%10s]', [str('ab'), str('abcdef'), str('r')]), '[ab    ][ab][         r]');
  assert.equal(formatPrintf('[%8x][%-8X][%08lx]', [int(255), int(255), int(4096)]), '[      ff][FF      ][00001000]');
  assert.equal(formatPrintf('%x %X %o %p %llx %lx', [int(48879), int(48879), int(8), int(4096), int(-1), int(-2)]), 'beef BEEF 10 0x1000 ffffffffffffffff fffffffffffffffe');
  assert.equal(formatPrintf('%c%c%c 100%%', [int(98), int(112), int(102)]), 'bpf 100%');
});

test('agrees with printf(1) on flags 0.17 cannot parse', () => {
  const cases: [string, Value[], string[]][] = [
    ['%i|%+d|%#x|%#o|% d|%.3d|%-+5d|%+05d', [int(7), int(5), int(255), int(8), int(3), int(7), int(4), int(-3)], ['7', '5', '255', '8', '3', '7', '4', '-3']],
    ['%#X|%.0d|%5.3x', [int(255), int(0), int(10)], ['255', '0', '10']],
  ];
  for (const [fmt, args, shellArgs] of cases) {
    const expected = execFileSync('printf', [fmt, ...shellArgs], { encoding: 'utf8' });
    assert.equal(formatPrintf(fmt, args), expected, fmt);
  }
});

test('buffers: %r escapes, %rx all hex, %rh spaced hex', () => {
  const b: Value = { kind: 'buffer', bytes: new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]) };
  assert.equal(formatPrintf('%r', [b]), 'Hello\\x00');
  assert.equal(formatPrintf('%rx', [b]), '\\x48\\x65\\x6c\\x6c\\x6f\\x00');
  assert.equal(formatPrintf('%rh', [b]), '48 65 6c 6c 6f 00');
});

test('format parsing: argument count, %% is not a conversion, bad conversions are errors', () => {
  assert.equal(printfArgumentCount('a %d b %s %% %-10llx'), 3);
  assert.deepEqual(parsePrintfFormat('100%%'), ['100%']);
  assert.throws(() => parsePrintfFormat('%q'), PrintfFormatError);
  assert.throws(() => formatPrintf('%d', [str('x')]), PrintfFormatError);
});
