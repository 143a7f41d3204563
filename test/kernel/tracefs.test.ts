import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFormatField } from '../../src/kernel/tracefs.js';

test('format lines: plain, array and __data_loc fields', () => {
  assert.deepEqual(parseFormatField('\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;'),
    { name: 'common_type', type: 'unsigned short', offset: 0, size: 2, signed: false, arrayLength: undefined, dataLoc: false, common: true });
  const comm = parseFormatField('\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:1;');
  assert.equal(comm?.name, 'comm');
  assert.equal(comm?.arrayLength, 16);
  const fn = parseFormatField('\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:1;');
  assert.equal(fn?.name, 'filename');
  assert.equal(fn?.type, 'char');
  assert.equal(fn?.dataLoc, true);
  const ptr = parseFormatField('\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;');
  assert.equal(ptr?.type, 'const char *');
});
