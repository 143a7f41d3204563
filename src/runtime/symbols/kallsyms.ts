// Kernel symbols from /proc/kallsyms, for kstack and ksym(). Only text symbols are kept (stacks
// point into code). When kptr_restrict hides addresses (all zeros) we say so rather than printing
// wrong names.
import { readFileSync } from 'node:fs';
import { UserError } from '../../diagnostics.js';
import { Symbol, SymbolTable } from './symbol-table.js';

export function parseKallsyms(text: string): Symbol[] {
  const out: Symbol[] = [];
  for (const line of text.split('\n')) {
    // "ffffffff81000000 T _stext" or "ffffffffc0000000 t foo\t[module]"
    const sp1 = line.indexOf(' ');
    if (sp1 < 0) continue;
    const type = line[sp1 + 1];
    if (type !== 'T' && type !== 't' && type !== 'W' && type !== 'w') continue;
    const rest = line.slice(sp1 + 3);
    const tab = rest.indexOf('\t');
    const name = tab < 0 ? rest : rest.slice(0, tab);
    const module = tab < 0 ? undefined : rest.slice(tab + 1).replace(/^\[|\]$/g, '');
    out.push({ name, address: BigInt(`0x${line.slice(0, sp1)}`), size: 0n, module });
  }
  return out;
}

let cached: SymbolTable | undefined;

/** The kernel's symbol table, read once. */
export function kernelSymbols(path = '/proc/kallsyms'): SymbolTable {
  if (cached) return cached;
  const symbols = parseKallsyms(readFileSync(path, 'utf8'));
  if (symbols.length > 0 && symbols.every((s) => s.address === 0n)) {
    throw new UserError(`${path} shows no addresses (kernel.kptr_restrict hides them): run as root or set sysctl kernel.kptr_restrict=0 to symbolize kernel stacks`);
  }
  return (cached = new SymbolTable(symbols));
}
