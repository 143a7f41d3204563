// cat()'s file reading (runtime/cat-file.ts): what bpftrace's cat_file reads and reports. The
// error reasons are libc's strerror text, which bpftrace prints, not Node's (libuv's) messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catFile, DEFAULT_MAX_CAT_BYTES } from '../../src/runtime/cat-file.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-cat-'));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

test('a whole file, byte for byte: no newline added, none removed', () => {
  const f = join(dir, 'plain');
  writeFileSync(f, 'abc\0def');
  assert.deepEqual(catFile(f, DEFAULT_MAX_CAT_BYTES), { data: Buffer.from('abc\0def') });
});

test('at most maxBytes are read, also across the 4096-byte read chunks', () => {
  const f = join(dir, 'big');
  writeFileSync(f, Buffer.alloc(20000, 'x'));
  assert.equal(catFile(f, DEFAULT_MAX_CAT_BYTES).data.length, 10240);
  assert.equal(catFile(f, 4097).data.length, 4097);
  assert.equal(text(catFile(f, 3).data), 'xxx');
  assert.deepEqual(catFile(f, 0), { data: Buffer.alloc(0) });
});

test('/proc files, which the kernel returns in short reads, are read to the end', () => {
  const r = catFile('/proc/self/status', DEFAULT_MAX_CAT_BYTES);
  assert.equal(r.error, undefined);
  assert.match(text(r.data), new RegExp(`^Name:\t[\\s\\S]*\nPid:\t${process.pid}\n[\\s\\S]*\n$`));
});

test('a file that cannot be opened or read gives strerror(3)\'s reason and no data', () => {
  assert.deepEqual(catFile(join(dir, 'missing'), 100), { data: Buffer.alloc(0), error: 'No such file or directory' });
  // A directory opens, and the first read fails (EISDIR), as in bpftrace's ifstream.
  assert.deepEqual(catFile(dir, 100), { data: Buffer.alloc(0), error: 'Is a directory' });
});
