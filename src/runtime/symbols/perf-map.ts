// JIT frames from /tmp/perf-PID.map: the format V8 (`node --perf-basic-prof`), the JVM agents and
// others write so profilers can name code that has no ELF file. Each line is
//   START SIZE NAME        (START and SIZE in hex, with or without 0x; NAME may contain spaces)
// Later lines win over earlier ones for the same address: JIT code gets moved and re-emitted.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Symbol, SymbolTable } from './symbol-table.js';

export function parsePerfMap(text: string, module = '[perf-map]'): Symbol[] {
  const byStart = new Map<bigint, Symbol>();
  for (const line of text.split('\n')) {
    const m = /^(?:0x)?([0-9a-fA-F]+)\s+(?:0x)?([0-9a-fA-F]+)\s+(.+)$/.exec(line.trim());
    if (!m) continue;
    const address = BigInt(`0x${m[1]}`);
    byStart.set(address, { address, size: BigInt(`0x${m[2]}`), name: m[3], module });
  }
  return [...byStart.values()];
}

/**
 * Symbols of process `pid`'s perf map, re-read when the file has grown since the last call
 * (a running JIT keeps appending).
 */
export class PerfMapSymbolizer {
  private table: SymbolTable | undefined;
  private readSize = -1;

  constructor(readonly pid: number, readonly path = `/tmp/perf-${pid}.map`) {}

  get available(): boolean { return existsSync(this.path); }

  lookup(address: bigint) {
    if (!this.available) return undefined;
    const size = statSync(this.path).size;
    if (size !== this.readSize) {
      this.table = new SymbolTable(parsePerfMap(readFileSync(this.path, 'utf8')));
      this.readSize = size;
    }
    return this.table?.lookup(address);
  }
}
