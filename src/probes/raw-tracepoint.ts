// rawtracepoint:[MODULE:]NAME (alias rt): the tracepoint's raw arguments before the trace record
// is built, cheaper than tracepoint:. The context is a u64 array; argument i is at 8*i. Names
// and types come from kernel BTF (btf/tracepoint-args.ts), so `args.NAME` is typed (pointers to
// kernel structs can be followed with ->) as well as arg0..argN. Wildcards expand over the
// kernel's btf_trace_* typedefs, which is the list of raw tracepoints a BTF kernel has.
import { MissingProbeError, UserError } from '../diagnostics.js';
import { BtfError, kernelBtf } from '../btf/btf.js';
import { rawTracepointArgs } from '../btf/tracepoint-args.js';
import { globToRegExp, hasWildcard } from './tracepoint.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';


/** Every raw tracepoint the kernel's BTF describes. */
export function listRawTracepoints(): string[] {
  const b = kernelBtf();
  const out: string[] = [];
  for (const name of b.allNames()) if (name.startsWith('btf_trace_')) out.push(name.slice('btf_trace_'.length));
  return out.sort();
}

export function rawTracepointInstance(name: string): ProbeInstance {
  const btf = kernelBtf();
  let args;
  try {
    args = rawTracepointArgs(btf, name);
  } catch (e) {
    // The kernel has no such raw tracepoint: a missing probe (config missing_probes).
    if (e instanceof BtfError) throw new MissingProbeError(e.message);
    throw e;
  }
  return {
    provider: 'rawtracepoint', name: `rawtracepoint:${name}`, progType: ProgType.RAW_TRACEPOINT,
    attach: { kind: 'rawtracepoint', tracepoint: name },
    argOffsets: args.map((a) => a.offset),
    // Typed arguments, as tracepoint fields are: 8-byte slots of the u64 context.
    args: args.map((a) => ({ name: a.name, type: a.typeName, offset: a.offset, size: 8, signed: /^(int|long|s\d+|short|char)\b/.test(a.typeName), dataLoc: false, common: false })),
    argsAddrSpace: 'kernel',
  };
}

export const rawTracepointProvider: ProbeProvider = {
  names: ['rawtracepoint', 'rt'],
  builtins: ['args', 'arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5'],
  expand(parts: readonly string[], raw: string): ProbeInstance[] {
    const name = parts[parts.length - 1];
    if (parts.length < 1 || parts.length > 2 || !name) throw new UserError(`${raw}: raw tracepoints are rawtracepoint:NAME`);
    if (!hasWildcard(name)) return [rawTracepointInstance(name)];
    const re = globToRegExp(name);
    const names = listRawTracepoints().filter((n) => re.test(n));
    if (names.length === 0) throw new MissingProbeError(`${raw}: no raw tracepoint matches`);
    return names.map(rawTracepointInstance);
  },
  list(pattern: string): string[] {
    const re = globToRegExp(pattern);
    return listRawTracepoints().map((n) => `rawtracepoint:${n}`).filter((n) => re.test(n));
  },
};
