import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { SymbolTable, formatSymbol } from '../../src/runtime/symbols/symbol-table.js';
import { parseKallsyms, kernelSymbols } from '../../src/runtime/symbols/kallsyms.js';
import { parsePerfMap, PerfMapSymbolizer } from '../../src/runtime/symbols/perf-map.js';
import { needs } from '../support/environment.js';

test('symbol table: nearest symbol below, bounded by size, formatted as name+off', () => {
  const t = new SymbolTable([
    { name: 'b', address: 0x2000n, size: 0x10n },
    { name: 'a', address: 0x1000n, size: 0n },
  ]);
  assert.equal(formatSymbol(t.lookup(0x1004n), 0x1004n), 'a+4');
  assert.equal(formatSymbol(t.lookup(0x2000n), 0x2000n), 'b');
  assert.equal(t.lookup(0x2010n), undefined);
  assert.equal(formatSymbol(t.lookup(0x10n), 0x10n), '0x10');
  assert.deepEqual(t.match('a*').map((s) => s.name), ['a']);
});

test('kallsyms lines, with modules, keep only text symbols', () => {
  const s = parseKallsyms('ffffffff81000000 T _stext\nffffffff82000000 D data\nffffffffc0001000 t foo\t[kvm]\n');
  assert.deepEqual(s.map((x) => [x.name, x.module]), [['_stext', undefined], ['foo', 'kvm']]);
});

test('perf map: later entries for the same start win, names keep spaces', () => {
  const s = parsePerfMap('1000 20 LazyCompile:~a file.js:1\n0x1000 0x30 Function:b file.js:2\n2000 8 c\n');
  assert.equal(s.length, 2);
  assert.equal(new SymbolTable(s).lookup(0x1020n)?.symbol.name, 'Function:b file.js:2');
});

test('the running kernel resolves a known text symbol', needs(), () => {
  const table = kernelSymbols();
  const line = readFileSync('/proc/kallsyms', 'utf8').split('\n').find((l) => / T schedule$/.test(l));
  assert.ok(line, 'schedule is in kallsyms');
  const addr = BigInt(`0x${line!.split(' ')[0]}`);
  assert.equal(formatSymbol(table.lookup(addr + 3n), addr + 3n), 'schedule+3');
});

test('node --perf-basic-prof writes a perf map that names JS functions', needs(), async () => {
  const child = spawn(process.execPath, ['--perf-basic-prof', '-e',
    'function spinInNamedFunction(n){let s=0;for(let i=0;i<n;i++)s+=i%7;return s} for(let k=0;k<200;k++)spinInNamedFunction(1e5); setTimeout(()=>{},1500)']);
  try {
    const sym = new PerfMapSymbolizer(child.pid!);
    const deadline = Date.now() + 5000;
    while (!(sym.available && readFileSync(sym.path, 'utf8').includes('spinInNamedFunction')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const entry = parsePerfMap(readFileSync(sym.path, 'utf8')).find((s) => s.name.includes('spinInNamedFunction'));
    assert.ok(entry, 'the perf map names the function');
    assert.match(sym.lookup(entry!.address + 1n)!.symbol.name, /spinInNamedFunction/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const path = `/tmp/perf-${child.pid}.map`;
    if (existsSync(path)) (await import('node:fs')).rmSync(path);
  }
});
