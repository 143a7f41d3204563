// npm run bench:vm — how fast the userspace VM executes eBPF, in instructions per second.
// Rows are workloads (a loop-heavy program, a checksum over a packet, the whole conformance suite,
// the fixed cost of one run); columns are engines. The interpreter counts the instructions it
// executes; every other engine is timed on the same programs and inputs and credited with the
// interpreter's count, so columns compare directly. To add an engine (the WebAssembly JIT, ...),
// append to ENGINES: { name, build(program, options) => ExecutionEngine }.
// Figures only; nothing here asserts a time.
import { assemble } from '../src/isa/assembler.js';
import { Instruction } from '../src/isa/instruction.js';
import { EngineOptions, ExecutionEngine } from '../src/vm/engine.js';
import { Interpreter } from '../src/vm/interpreter.js';
import { JitProgram } from '../src/vm/jit/jit.js';
import { VmMemory } from '../src/vm/memory.js';
import { conformanceHelpers, loadConformance } from '../test/oracles/conformance.js';

export interface BenchEngine {
  name: string;
  build(program: readonly Instruction[], options: EngineOptions): ExecutionEngine;
}

export const ENGINES: BenchEngine[] = [
  { name: 'interpreter', build: (program, options) => new Interpreter(program, options) },
  { name: 'jit', build: (program, options) => new JitProgram(program, options) },
];

interface Case {
  program: Instruction[];
  input: Uint8Array;
  options?: EngineOptions;
}

interface Workload {
  name: string;
  /** One or more programs; the figure is total instructions / total time over all of them. */
  cases: Case[];
  /** How to report: instruction throughput, or the cost of one run. */
  unit: 'insn/s' | 'ns/run';
}

const quick = process.argv.includes('--quick');
const memory = new VmMemory(64);

const LOOP = `
    mov %r0, 0
    mov %r1, 0
    lddw %r6, 0x9e3779b97f4a7c15
loop:
    add %r0, %r1
    mul %r0, %r6
    xor %r0, 0x55
    mov %r2, %r0
    rsh %r2, 29
    xor %r0, %r2
    stxdw [%r10-8], %r0
    ldxdw %r3, [%r10-8]
    add %r0, %r3
    add %r1, 1
    jlt %r1, ${quick ? 200_000 : 2_000_000}, loop
    exit`;

const CHECKSUM = `
    mov %r0, 0
    mov %r3, 0
loop:
    jge %r3, %r2, fold
    mov %r4, %r1
    add %r4, %r3
    ldxh %r5, [%r4]
    be16 %r5
    add %r0, %r5
    add %r3, 2
    ja loop
fold:
    mov %r5, %r0
    rsh %r5, 16
    and %r0, 0xffff
    add %r0, %r5
    jgt %r0, 0xffff, fold
    xor %r0, 0xffff
    exit`;

function workloads(): Workload[] {
  const packet = new Uint8Array(1500).map((_, i) => (i * 7 + 3) & 0xff);
  const suite = loadConformance().map((c) => ({ program: assemble(c.asm), input: c.mem, options: { helpers: conformanceHelpers() } }));
  return [
    { name: 'loop: ALU + stack traffic', cases: [{ program: assemble(LOOP), input: new Uint8Array(0) }], unit: 'insn/s' },
    { name: 'checksum of 1500 bytes', cases: [{ program: assemble(CHECKSUM), input: packet }], unit: 'insn/s' },
    { name: `conformance suite (${suite.length} programs)`, cases: suite, unit: 'insn/s' },
    { name: 'one run of `exit` (fixed cost)', cases: [{ program: assemble('mov %r0, 0\nexit'), input: new Uint8Array(8) }], unit: 'ns/run' },
  ];
}

interface Figure { instructions: number; ns: number; runs: number }

/** Time `engine` on every case of `w` for about `budgetMs`, after a warm-up. */
function measure(engine: BenchEngine, w: Workload, counts: number[], budgetMs: number): Figure {
  const built = w.cases.map((c) => engine.build(c.program, { memory, maxInstructions: 1e10, ...c.options }));
  try {
    const once = (): void => { for (let i = 0; i < built.length; i++) built[i].run(w.cases[i].input); };
    const warm = Date.now();
    do once(); while (Date.now() - warm < budgetMs / 4);
    let rounds = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    do {
      once();
      rounds++;
      elapsed = Number(process.hrtime.bigint() - t0);
    } while (elapsed < budgetMs * 1e6);
    const perRound = counts.reduce((a, b) => a + b, 0);
    return { instructions: perRound * rounds, ns: elapsed, runs: rounds * built.length };
  } finally {
    for (const e of built) e.dispose();
  }
}

/** Instructions per run of each case, counted by the interpreter (and its results checked). */
function countInstructions(w: Workload): number[] {
  return w.cases.map((c) => {
    const vm = new Interpreter(c.program, { memory, maxInstructions: 1e10, ...c.options });
    try {
      vm.run(c.input);
      return vm.executed ?? 0;
    } finally {
      vm.dispose();
    }
  });
}

const fmtRate = (f: Figure): string => `${(f.instructions / f.ns * 1e3).toFixed(1)} M insn/s`;
const fmtRun = (f: Figure): string => `${(f.ns / f.runs).toFixed(0)} ns/run`;

async function main(): Promise<void> {
  const budgetMs = quick ? 300 : 1500;
  const ws = workloads();
  const header = ['workload', 'insns/run', ...ENGINES.map((e) => e.name)];
  const rows: string[][] = [];
  for (const w of ws) {
    const counts = countInstructions(w);
    const total = counts.reduce((a, b) => a + b, 0);
    const cells = [w.name, w.cases.length > 1 ? `${total} total` : String(total)];
    for (const engine of ENGINES) {
      try {
        const f = measure(engine, w, counts, budgetMs);
        cells.push(w.unit === 'insn/s' ? `${fmtRate(f)} (${fmtRun(f)})` : fmtRun(f));
      } catch (e) {
        cells.push(`failed: ${(e as Error).message.slice(0, 40)}`);
      }
    }
    rows.push(cells);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  console.log(`bpfkit bench:vm: userspace eBPF execution (node ${process.version}, ${budgetMs} ms per figure)`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));

  // Engines other areas add (the JIT's per-workload comparison with the kernel) print after.
  const extra = './vm-engines.js';
  try {
    const mod = await import(extra) as { measureEngines?: () => unknown; printEngines?: (rows: unknown) => void };
    if (mod.measureEngines && mod.printEngines) {
      console.log('');
      mod.printEngines(mod.measureEngines());
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
