import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUsdtArgument, parseUsdtArguments, UsdtArgumentError } from '../../src/probes/usdt/arguments.js';

test('register operands map to pt_regs slots with width and sign', () => {
  assert.deepEqual(parseUsdtArgument('-4@%eax'), { kind: 'reg', size: 4, signed: true, reg: 'rax', regOffset: 80 });
  assert.deepEqual(parseUsdtArgument('8@%rdi'), { kind: 'reg', size: 8, signed: false, reg: 'rdi', regOffset: 112 });
  assert.equal((parseUsdtArgument('1@%r12b') as { regOffset: number }).regOffset, 24);
});

test('memory operands: displacement, base, index and scale; %rip-relative symbols', () => {
  assert.deepEqual(parseUsdtArgument('-4@-16(%rbp)'), { kind: 'mem', size: 4, signed: true, base: 'rbp', baseOffset: 32, index: undefined, indexOffset: undefined, scale: 1, displacement: -16n, symbol: undefined });
  const x = parseUsdtArgument('8@8(%rax,%rdx,8)');
  assert.ok(x.kind === 'mem' && x.index === 'rdx' && x.scale === 8 && x.displacement === 8n);
  const s = parseUsdtArgument('4@counter+4(%rip)');
  assert.ok(s.kind === 'mem' && s.symbol === 'counter' && s.displacement === 4n && s.base === 'rip');
});

test('constants and lists; bad specs are user errors', () => {
  assert.deepEqual(parseUsdtArguments('4@$5 -8@$-1'), [
    { kind: 'const', size: 4, signed: false, value: 5n }, { kind: 'const', size: 8, signed: true, value: -1n }]);
  assert.deepEqual(parseUsdtArguments(''), []);
  assert.throws(() => parseUsdtArgument('3@%eax'), UsdtArgumentError);
  assert.throws(() => parseUsdtArgument('4@%xmm0'), /unknown register/);
});
