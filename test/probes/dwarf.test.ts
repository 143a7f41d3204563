import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dwarf } from '../../src/elf/dwarf.js';
import { needsPrograms } from '../support/environment.js';

const SOURCE = `#include <stddef.h>
struct point { int x, y; };
typedef unsigned long counter_t;
__attribute__((noinline)) int traced(const char *name, struct point *p, counter_t n, short s, unsigned char c) {
  return name[0] + p->x + (int)n + s + c;
}
int main(void) { struct point p = {1, 2}; return traced("a", &p, 3, -4, 5) == 0; }`;

for (const version of ['4', '5']) {
  test(`DWARF ${version}: parameter names and C types of a function`, needsPrograms('gcc', 'objcopy'), () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-dwarf-'));
    try {
      writeFileSync(join(dir, 'p.c'), SOURCE);
      execFileSync('gcc', ['-O1', `-gdwarf-${version}`, '-o', join(dir, 'p'), join(dir, 'p.c')]);
      const section = (name: string) => {
        const out = join(dir, name.slice(1));
        try {
          execFileSync('objcopy', [`--dump-section=${name}=${out}`, join(dir, 'p'), join(dir, 'scratch')], { stdio: 'pipe' });
        } catch { return undefined; }
        return existsSync(out) ? new Uint8Array(readFileSync(out)) : undefined;
      };
      const dwarf = new Dwarf({
        info: section('.debug_info')!, abbrev: section('.debug_abbrev')!, str: section('.debug_str'),
        lineStr: section('.debug_line_str'), strOffsets: section('.debug_str_offsets'),
      });
      const f = dwarf.function('traced');
      assert.ok(f, 'function found');
      assert.deepEqual(f!.params.map((p) => `${p.name}:${p.typeName}:${p.size}:${p.signed ? 's' : 'u'}${p.pointer ? '*' : ''}`), [
        'name:const char *:8:u*', 'p:struct point *:8:u*', 'n:counter_t:8:u', 's:short int:2:s', 'c:unsigned char:1:u',
      ]);
      assert.equal(f!.returnType, 'int');
      assert.equal(dwarf.function('absent'), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
