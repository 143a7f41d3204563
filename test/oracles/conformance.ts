// The bpf_conformance suite as an oracle: locating it and reading its .data files.
// A .data file has sections introduced by `-- NAME` lines: `asm` (program text), `mem` (input
// bytes in hex), `result` (expected r0, hex), `raw` (expected encoding, one 64-bit word per
// slot), `c` (documentation) and `no register offset` (a note for one plugin; ignored).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelperRegistry, StopProgram } from '../../src/vm/helpers.js';

export interface ConformanceCase {
  name: string;
  file: string;
  asm: string;
  /** 1-based line in the .data file where the asm text starts (to map assembler errors back). */
  asmLine: number;
  mem: Uint8Array;
  result?: bigint;
  /** Expected error text, for suites that have `-- error` sections. */
  error?: string;
  raw?: bigint[];
}

/**
 * Where the suite's tests/ directory is: $BPFKIT_CONFORMANCE_DIR, else a `shared/conformance`
 * checkout next to (or above) the repository, else undefined.
 */
export function conformanceDir(): string | undefined {
  const env = process.env.BPFKIT_CONFORMANCE_DIR;
  if (env) return env;
  // dist/test/oracles -> repository root is three levels up (or two from the source tree).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 7; i++) {
    for (const candidate of [join(dir, 'test', 'oracles', 'bpf_conformance', 'tests'), join(dir, 'shared', 'conformance', 'bpf_conformance', 'tests')]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = resolve(dir, '..');
  }
  return undefined;
}

export function parseConformance(text: string, name: string, file = name): ConformanceCase {
  const sections = new Map<string, { lines: string[]; start: number }>();
  let current: { lines: string[]; start: number } | undefined;
  text.split('\n').forEach((line, i) => {
    const m = /^-- (.+?)\s*$/.exec(line);
    if (m) {
      current = { lines: [], start: i + 2 };
      sections.set(m[1], current);
    } else if (current) {
      current.lines.push(line);
    }
  });
  const body = (key: string): string | undefined => sections.get(key)?.lines.join('\n');
  const hexBytes = (s: string): Uint8Array => {
    const clean = s.replace(/#.*$/gm, '').split(/\s+/).filter(Boolean);
    return Uint8Array.from(clean.map((b) => parseInt(b, 16)));
  };
  const resultText = body('result')?.replace(/#.*$/gm, '').trim();
  const rawText = body('raw');
  return {
    name,
    file,
    asm: body('asm') ?? '',
    asmLine: sections.get('asm')?.start ?? 1,
    mem: body('mem') !== undefined ? hexBytes(body('mem')!) : new Uint8Array(0),
    result: resultText ? BigInt.asUintN(64, BigInt(resultText)) : undefined,
    error: body('error')?.trim(),
    raw: rawText?.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => BigInt(l)),
  };
}

/** Every case of the suite, sorted by name. */
export function loadConformance(dir = conformanceDir()): ConformanceCase[] {
  if (!dir) throw new Error('bpf_conformance tests not found: set BPFKIT_CONFORMANCE_DIR to its tests/ directory');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.data'))
    .sort()
    .map((f) => parseConformance(readFileSync(join(dir, f), 'utf8'), f.replace(/\.data$/, ''), join(dir, f)));
}

/**
 * The helpers the suite's programs call. Its plugins (ubpf's, for one) register helper 5 as
 * "unwind": it returns r1, and when that is 0 the program stops at once with r0 = 0.
 */
export function conformanceHelpers(): HelperRegistry {
  return new HelperRegistry().register(5, (_ctx, r1) => {
    if (r1 === 0n) throw new StopProgram(0n);
    return r1;
  }, 'unwind');
}
