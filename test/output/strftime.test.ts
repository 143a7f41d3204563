// strftime() against date(1) (GNU strftime) for the same instant, and bpftrace's %f extension
// (tests/runtime/call strftime_microsecond_extension: 1000123000 ns -> 123 us).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { needsPrograms } from '../support/environment.js';
import { strftime } from '../../src/output/strftime.js';

test('agrees with date(1) on the common conversions', needsPrograms('date'), () => {
  process.env.TZ = 'UTC';
  const fmt = '%Y-%m-%d %H:%M:%S|%y|%e|%j|%a %A|%b %B|%I %p|%u %w|%s|%T|%D|%F|%R|%C|%k|%l|%z';
  for (const seconds of [0, 1700000000, 1234567890, 951782400]) {
    const expected = execFileSync('date', ['-u', '-d', `@${seconds}`, `+${fmt}`], { encoding: 'utf8' }).trimEnd();
    assert.equal(strftime(fmt, BigInt(seconds) * 1000000000n), expected, `at ${seconds}`);
  }
});

test('%f is microseconds, zero-padded to 6 digits', () => {
  assert.equal(strftime('1%f', 1000123000n), '1000123');
  assert.equal(strftime('1%f', 1000000123000n), '1000123');
  assert.equal(strftime('%f', 0n), '000000');
  assert.equal(strftime('100%% %n', 0n), '100% \n');
});
