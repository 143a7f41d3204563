import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { needs } from '../support/environment.js';
import { ElfFile } from '../../src/elf/elf.js';
import { usdtProbes } from '../../src/elf/usdt.js';
import { parseUsdtArgument, UsdtArgument } from '../../src/probes/usdt/arguments.js';
import { BpfMap, mapSpecs } from '../../src/kernel/maps.js';
import { Program, ProgramType } from '../../src/kernel/programs.js';
import { UsdtLink } from '../../src/kernel/links/usdt.js';
import { TypedMap, u32, u64 } from '../../src/kernel/codecs.js';
import { ProgramBuilder, R0, R1, R2, R3, R6, R10 } from '../../src/isa/builder.js';
import { Helper } from '../../src/isa/helpers.js';
import { compileC, countByPidProgram, Workload } from './fixtures.js';

const USDT_C = `
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
unsigned short bpfkit_tick_semaphore __attribute__((unused)) __attribute__((section(".probes")));
unsigned short bpfkit_plain_semaphore __attribute__((unused)) __attribute__((section(".probes")));
int main(int argc, char **argv) {
  char c;
  if (read(0, &c, 1) != 1) return 1;
  long n = atol(argv[1]);
  for (long i = 0; i < n; i++) {
    if (bpfkit_tick_semaphore) STAP_PROBE1(bpfkit, tick, i);  /* fires only while attached */
    STAP_PROBE2(bpfkit, plain, i, n);                          /* two sites of one probe */
    STAP_PROBE2(bpfkit, plain, n, i);
  }
  printf("%d\\n", bpfkit_tick_semaphore);
  return 0;
}`;

test('USDT notes agree with readelf -n', needs('gcc', 'readelf'), () => {
  const bin = compileC('usdt', USDT_C);
  const ours = usdtProbes(ElfFile.open(bin));
  const text = execFileSync('readelf', ['-n', bin], { encoding: 'utf8' });
  const theirs = [...text.matchAll(/Provider: (\S+)\s+Name: (\S+)\s+Location: 0x([0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: 0x([0-9a-f]+)\s+Arguments: ?([^\n]*)/g)]
    .map((m) => ({ provider: m[1], name: m[2], pc: BigInt('0x' + m[3]), semaphore: BigInt('0x' + m[4]), argText: m[5].trim() }));
  assert.equal(theirs.length, 3);
  assert.deepEqual(ours.map((p) => ({ provider: p.provider, name: p.name, pc: p.pc, semaphore: p.semaphore, argText: p.argText })), theirs);
  assert.deepEqual(parseUsdtArgument('-4@-20(%rbp)'), { kind: 'mem', size: 4, signed: true, base: 'rbp', baseOffset: 32, index: undefined, indexOffset: undefined, scale: 1, displacement: -20n, symbol: undefined });
  assert.deepEqual(parseUsdtArgument('8@$42'), { kind: 'const', size: 8, signed: false, value: 42n });
  assert.equal((parseUsdtArgument('4@%edi') as { regOffset: number }).regOffset, 112);
  assert.equal((parseUsdtArgument('4@%r12d') as { regOffset: number }).regOffset, 24);
});

/** sum[0] += USDT argument `arg` (register, memory via probe_read_user, or constant). */
function sumArgProgram(arg: UsdtArgument) {
  const b = new ProgramBuilder();
  if (arg.kind === 'const') b.lddw(R6, arg.value);
  else {
    b.ldx('dw', R6, R1, arg.kind === 'reg' ? arg.regOffset : arg.baseOffset);
    if (arg.kind === 'mem') {
      b.add64(R6, Number(arg.displacement)).mov64(R3, R6).mov64(R1, R10).add64(R1, -16).mov64(R2, 8)
        .call(Helper.probe_read_user).ldx('dw', R6, R10, -16);
    }
  }
  return b.st('w', R10, -4, 0).ldMap(R1, 'sum').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem)
    .jmp('jeq', R0, 0, 'out').atomic('dw', 'add', R0, 0, R6)
    .label('out').mov64(R0, 0).exit().build();
}

test('USDT: every site counted exactly; the semaphore is raised while attached; arguments read', needs('gcc'), async () => {
  const N = 300;
  const bin = compileC('usdt', USDT_C);
  const probes = usdtProbes(ElfFile.open(bin));
  const tick = probes.find((p) => p.name === 'tick')!;
  const counts = BpfMap.create(mapSpecs.hash('bpfkit_counts', 4, 8, 1024));
  const sum = BpfMap.create(mapSpecs.array('bpfkit_sum', 8, 1));
  const countProg = Program.load({ name: 'bpfkit_usdt', type: ProgramType.KPROBE, instructions: countByPidProgram().build() }, { counts });
  const argProg = Program.load({ name: 'bpfkit_usdt_arg', type: ProgramType.KPROBE, instructions: sumArgProgram(tick.arguments[0]) }, { sum });
  const plain = UsdtLink.attach(countProg, bin, 'bpfkit', 'plain');
  const ticks = UsdtLink.attach(argProg, bin, 'bpfkit', 'tick');
  try {
    assert.equal(plain.probes.length, 2);
    const w = new Workload(bin, [String(N)]);
    w.go();
    assert.equal(await w.exit(), 0);
    assert.equal(new TypedMap(counts, u32, u64).get(w.pid), BigInt(2 * N));
    assert.equal(w.output()[0], '1', 'the kernel raised the semaphore');
    assert.equal(new TypedMap(sum, u32, u64).get(0), BigInt((N * (N - 1)) / 2));
  } finally {
    plain.close();
    ticks.close();
    countProg.close();
    argProg.close();
    counts.close();
    sum.close();
  }
});
