// A sorted address -> symbol table with binary search: the common core of every symbolizer
// (kallsyms, ELF symtabs, JIT perf maps). Addresses are bigint: they are u64 in the kernel.
import { displayName } from './demangle.js';

export interface Symbol {
  name: string;
  address: bigint;
  /** Size in bytes when known (ELF, perf maps); 0 = extends to the next symbol. */
  size: bigint;
  /** Kernel module or file the symbol belongs to, when known. */
  module?: string;
}

export interface Resolved {
  symbol: Symbol;
  /** address - symbol.address */
  offset: bigint;
}

export class SymbolTable {
  private readonly symbols: Symbol[];

  constructor(symbols: Symbol[]) {
    this.symbols = [...symbols].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  get size(): number { return this.symbols.length; }

  /** The symbol covering `address`: the last one at or below it, within its size when it has one. */
  lookup(address: bigint): Resolved | undefined {
    const s = this.symbols;
    let lo = 0;
    let hi = s.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid].address <= address) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    const sym = s[best];
    const offset = address - sym.address;
    if (sym.size > 0n && offset >= sym.size) return undefined;
    return { symbol: sym, offset };
  }

  /** All symbols whose name matches `pattern` (a bpftrace-style wildcard with `*`). */
  match(pattern: string): Symbol[] {
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return this.symbols.filter((s) => re.test(s.name));
  }
}

/** bpftrace's rendering of a resolved symbol: `name+offset`, or just `name` when asked; C++ names demangled. */
export function formatSymbol(r: Resolved | undefined, address: bigint, withOffset = true): string {
  if (!r) return `0x${address.toString(16)}`;
  const name = displayName(r.symbol.name);
  return withOffset && r.offset !== 0n ? `${name}+${r.offset}` : name;
}
