import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needs } from '../support/environment.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { UprobeLink } from '../../src/kernel/links/uprobe.js';
import { TypedMap, u32, u64 } from '../../src/kernel/codecs.js';
import { ElfFile } from '../../src/elf/elf.js';
import { execFileSync } from 'node:child_process';
import { compileC, countByPidProgram, sumReturnValuesProgram, UPROBE_C, Workload } from './fixtures.js';

test('ELF reader: symbol file offset agrees with nm and readelf', needs('gcc', 'nm', 'readelf'), () => {
  const bin = compileC('uprobe_target', UPROBE_C, ['-O1', '-g0']);
  const elf = ElfFile.open(bin);
  const nm = execFileSync('nm', [bin], { encoding: 'utf8' });
  const addr = BigInt('0x' + /^([0-9a-f]+) T bpfkit_target$/m.exec(nm)![1]);
  assert.equal(elf.findSymbol('bpfkit_target')?.value, addr);
  // readelf -lW: LOAD Offset VirtAddr ... -> file offset = addr - vaddr + offset
  const loads = [...execFileSync('readelf', ['-lW', bin], { encoding: 'utf8' }).matchAll(/^\s*LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/gm)]
    .map((m) => ({ off: BigInt('0x' + m[1]), vaddr: BigInt('0x' + m[2]), filesz: BigInt('0x' + m[3]) }));
  const seg = loads.find((s) => addr >= s.vaddr && addr < s.vaddr + s.filesz)!;
  assert.equal(elf.symbolFileOffset('bpfkit_target'), Number(addr - seg.vaddr + seg.off));
  assert.ok(elf.symbols().some((s) => s.name === 'read' || s.name.startsWith('read@')) || elf.symbols().some((s) => s.table === '.dynsym'));
});

test('uprobe counts exactly the calls; uretprobe sees the return values', needs('gcc'), async () => {
  const N = 1000;
  const bin = compileC('uprobe_target', UPROBE_C, ['-O1', '-g0']);
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_counts', 4, 8, 1024));
  const cfg = BpfMap.create(mapSpecs.array('bpfkit_cfg', 4, 1));
  const sum = BpfMap.create(mapSpecs.array('bpfkit_sum', 8, 1));
  const entry = Program.load({ name: 'bpfkit_up', type: ProgramType.KPROBE, instructions: countByPidProgram().build() }, { counts });
  const ret = Program.load({ name: 'bpfkit_uret', type: ProgramType.KPROBE, instructions: sumReturnValuesProgram().build() }, { cfg, sum });
  const up = UprobeLink.attach(entry, { path: bin, symbol: 'bpfkit_target' });
  const uret = UprobeLink.attach(ret, { path: bin, symbol: 'bpfkit_target', retprobe: true });
  try {
    assert.equal(up.kind, 'uprobe');
    assert.equal(uret.kind, 'uretprobe');
    const w = new Workload(bin, [String(N)]);
    cfg.update(u32.encode(0), u32.encode(w.pid));
    w.go();
    assert.equal(await w.exit(), 0);
    assert.equal(new TypedMap(counts, u32, u64).get(w.pid), BigInt(N));
    // sum of 2i+1 for i < N is N^2, which is also what the program printed.
    assert.equal(new TypedMap(sum, u32, u64).get(0), BigInt(N * N));
    assert.equal(w.output()[0], String(N * N));
  } finally {
    up.close();
    uret.close();
    entry.close();
    ret.close();
    for (const m of [counts, cfg, sum]) m.close();
  }
});
