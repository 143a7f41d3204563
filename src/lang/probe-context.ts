// What a probe offers the script that runs in it: which builtins exist (`args`, `argN`,
// `retval`, `func`, `reg`), and their types. Semantic analysis asks a ProbeContextResolver for
// the context of each attach point; the probe providers (src/probes/) implement resolvers and
// register them, so adding a provider never touches the type checker.
//
// A default resolver is built in for the providers whose context needs nothing but tracefs:
// begin/end/test/bench/self (special), interval, profile, software, hardware, tracepoint,
// and argument-register providers (kprobe, uprobe, usdt) that cannot give typed `args`.

import type { AttachPoint } from './ast.js';
import type { StructTypeT, StructField, Type } from './types.js';
import { I8, U64, ptr, str } from './types.js';
import { cTypeToType } from './ctype.js';
import { MissingProbeError } from '../diagnostics.js';

/** Canonical provider names (aliases resolved). */
export type ProviderName =
  | 'begin' | 'end' | 'test' | 'bench' | 'self'
  | 'interval' | 'profile' | 'software' | 'hardware' | 'watchpoint'
  | 'tracepoint' | 'rawtracepoint' | 'kprobe' | 'kretprobe' | 'uprobe' | 'uretprobe' | 'usdt'
  | 'fentry' | 'fexit' | 'iter'
  /** bpfkit's own: in-process tracepoints of a Node.js application (src/ust). */
  | 'ust';

const ALIASES: Record<string, ProviderName> = {
  BEGIN: 'begin', begin: 'begin', END: 'end', end: 'end', test: 'test', bench: 'bench', self: 'self',
  interval: 'interval', i: 'interval', profile: 'profile', p: 'profile', software: 'software', s: 'software',
  hardware: 'hardware', h: 'hardware', watchpoint: 'watchpoint', w: 'watchpoint',
  tracepoint: 'tracepoint', t: 'tracepoint', rawtracepoint: 'rawtracepoint', rt: 'rawtracepoint',
  kprobe: 'kprobe', k: 'kprobe', kretprobe: 'kretprobe', kr: 'kretprobe',
  uprobe: 'uprobe', u: 'uprobe', uretprobe: 'uretprobe', ur: 'uretprobe', usdt: 'usdt', U: 'usdt',
  fentry: 'fentry', f: 'fentry', kfunc: 'fentry', fexit: 'fexit', fr: 'fexit', kretfunc: 'fexit',
  iter: 'iter', it: 'iter', ust: 'ust',
};

/** The canonical provider for a name as written, or undefined if unknown. */
export function canonicalProvider(written: string): ProviderName | undefined {
  return Object.prototype.hasOwnProperty.call(ALIASES, written) ? ALIASES[written] : undefined;
}

/** What `probetype` says, and what diagnostics name ("special" for begin/end). */
export function probeTypeName(p: ProviderName): string {
  return p === 'begin' || p === 'end' || p === 'test' || p === 'bench' || p === 'self' ? 'special' : p;
}

export interface ProbeContext {
  provider: ProviderName;
  /** The attach point this context is for. */
  attachPoint: AttachPoint;
  /**
   * Concrete probe names this attach point expands to (wildcards resolved where the resolver
   * could; otherwise the attach point text with the canonical provider).
   */
  expanded: string[];
  /** Typed `args` (tracepoint fields, fentry/rawtracepoint arguments), or undefined if none. */
  args?: StructTypeT;
  /** Number of argN registers (0: argN not available). */
  argRegisters: number;
  /** Types of arg0..argN where the probe knows them (USDT: signed operands are int64). */
  argTypes?: Type[];
  /** Type of `retval`, or undefined if the probe has no return value. */
  retval?: Type;
  /** `func` is available (function probes). `func` is a ksym or usym. */
  func?: 'ksym' | 'usym';
  /** `reg("name")` is available. */
  registers: boolean;
  /** kernel or user address space for pointers read in this probe. */
  addrSpace: 'kernel' | 'user';
}

/**
 * Resolve one attach point into its context; throw a MissingProbeError when it names nothing that
 * exists here (config missing_probes then decides), another UserError for invalid ones.
 */
export type ProbeContextResolver = (ap: AttachPoint, provider: ProviderName) => ProbeContext;

// ---------------------------------------------------------------------------------------------
// Default resolver

/** Tracepoint field access for the default resolver (injectable for tests without tracefs). */
export interface TracepointSource {
  list(pattern: string): string[];
  /** Throws MissingProbeError for a tracepoint this kernel does not have. */
  format(category: string, name: string): { fields: { name: string; type: string; offset: number; size: number; signed: boolean; arrayLength?: number; dataLoc: boolean; common: boolean }[] };
}

/** Glob (`*`, `?`) to RegExp. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
}

/** Build the `args` struct of a tracepoint from its format fields (common_* fields skipped). */
export function tracepointArgs(category: string, name: string, fields: ReturnType<TracepointSource['format']>['fields']): StructTypeT {
  const out: StructField[] = [];
  let size = 0;
  for (const f of fields) {
    size = Math.max(size, f.offset + f.size);
    if (f.common) continue;
    let type: Type;
    if (f.dataLoc) {
      // `__data_loc char[] name`: the u32 at `offset` locates the data in the record; the value
      // is a pointer to it (read it with str()).
      type = ptr(/char/.test(f.type) ? I8 : cTypeToType(f.type, f.size, f.signed), 'kernel');
    } else if (f.arrayLength !== undefined) {
      const elemSize = f.size / Math.max(1, f.arrayLength);
      // char arrays become strings, as in bpftrace.
      type = /\bchar\b/.test(f.type) && elemSize === 1 ? str(f.arrayLength) : { kind: 'array', element: cTypeToType(f.type, elemSize, f.signed), length: f.arrayLength };
    } else {
      type = cTypeToType(f.type, f.size, f.signed);
    }
    out.push({ name: f.name, type, offset: f.offset, ...(f.dataLoc ? { dataLoc: true } : {}) });
  }
  return { kind: 'struct', name: `struct _tracepoint_${category}_${name}`, size, fields: out };
}

/**
 * The built-in resolver. `tracepoints` gives tracepoint formats (tracefs by default, loaded
 * lazily so parsing and checking non-tracepoint scripts never touch the kernel).
 */
export function defaultResolver(tracepoints?: TracepointSource): ProbeContextResolver {
  return (ap, provider) => {
    const base: ProbeContext = {
      provider, attachPoint: ap, expanded: [[provider, ...ap.parts].join(':')], argRegisters: 0, registers: false, addrSpace: 'kernel',
    };
    switch (provider) {
      case 'kprobe': case 'uprobe': case 'usdt':
        return { ...base, argRegisters: provider === 'usdt' ? 12 : 6, registers: provider !== 'usdt', func: provider === 'kprobe' ? 'ksym' : 'usym', addrSpace: provider === 'kprobe' ? 'kernel' : 'user' };
      case 'kretprobe': case 'uretprobe':
        return { ...base, retval: U64, registers: true, func: provider === 'kretprobe' ? 'ksym' : 'usym', addrSpace: provider === 'kretprobe' ? 'kernel' : 'user' };
      case 'rawtracepoint':
        return { ...base, argRegisters: 12 };
      case 'fentry': case 'fexit':
        return { ...base, func: 'ksym', retval: provider === 'fexit' ? U64 : undefined };
      case 'profile': case 'software': case 'hardware': case 'watchpoint':
        return { ...base, registers: true };
      case 'tracepoint': {
        if (!tracepoints) return base;
        const [category, event] = ap.parts;
        if (category === undefined || event === undefined || ap.parts.length !== 2) return base;
        const matches = /[*?]/.test(category + event) ? tracepoints.list(`${category}:${event}`) : [`${category}:${event}`];
        // A missing probe (config missing_probes decides), as a missing tracepoint is: `format`
        // throws MissingProbeError for those.
        if (matches.length === 0) throw new MissingProbeError('no tracepoint matches');
        const [c0, e0] = matches[0].split(':');
        const args = tracepointArgs(c0, e0, tracepoints.format(c0, e0).fields);
        return { ...base, expanded: matches.map((m) => `tracepoint:${m}`), args };
      }
      default:
        return base;
    }
  };
}

