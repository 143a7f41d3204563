// kprobe:FUNCTION[+OFFSET] / kretprobe:FUNCTION (k, kr) and fentry:FUNCTION / fexit:FUNCTION
// (f, fr, kfunc, kretfunc): dynamic kernel function probes. Compiled like the user-space ones
// (kprobe programs read pt_regs; fentry programs read a u64 array of the BTF-typed arguments),
// and attached through KprobeLink or a BPF trampoline. Whether this kernel allows either is a
// feature probe (kernel/features.ts): where it does not (no kprobe PMU, or fentry loads refused
// with EPERM under lockdown) the runtime refuses at attach with the probe's reason, instead of
// failing somewhere obscure. Listing uses available_filter_functions (kprobes) and BTF (fentry).
import { readFileSync } from 'node:fs';
import { MissingProbeError, UserError } from '../diagnostics.js';
import { kernelBtf } from '../btf/btf.js';
import { globToRegExp, hasWildcard } from './tracepoint.js';
import { tracefsRoot } from '../kernel/tracefs.js';
import { haveKprobes } from '../kernel/features.js';
import { ARG_REGISTER_OFFSETS, RETVAL_OFFSET } from './uprobe.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';

/** Functions kprobes may attach to (tracefs available_filter_functions), module suffixes dropped. */
export function kprobeFunctions(): string[] {
  let text: string;
  try { text = readFileSync(`${tracefsRoot()}/available_filter_functions`, 'utf8'); } catch { return []; }
  return [...new Set(text.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean))];
}

/** Kernel functions with a BTF prototype (fentry/fexit targets). */
export function btfFunctions(): string[] {
  const b = kernelBtf();
  const out: string[] = [];
  for (const n of b.allNames()) if (b.find(n, 'func')) out.push(n);
  return out.sort();
}

function expandNames(name: string, all: () => string[], raw: string, unavailable?: () => string | undefined): string[] {
  if (!hasWildcard(name)) return [name];
  const re = globToRegExp(name);
  const names = all().filter((n) => re.test(n));
  // Without kprobes nothing matches; say why rather than that the pattern is wrong.
  if (names.length === 0) throw new MissingProbeError(`${raw}: ${unavailable?.() ?? 'no kernel function matches'}`);
  return names;
}

/** Why kprobe probes cannot attach here, with what to use instead; undefined when they can. */
export function kprobesUnavailable(): string | undefined {
  const k = haveKprobes();
  return k.available ? undefined : `kprobes are not available on this kernel (${k.reason}); use tracepoint:, rawtracepoint: or uprobe: probes instead`;
}

function kprobe(retprobe: boolean): ProbeProvider {
  const provider = retprobe ? 'kretprobe' : 'kprobe';
  return {
    names: retprobe ? ['kretprobe', 'kr'] : ['kprobe', 'k'],
    builtins: retprobe ? ['retval', 'func'] : ['arg0', 'arg1', 'arg2', 'arg3', 'arg4', 'arg5', 'func'],
    expand(parts: readonly string[], raw: string): ProbeInstance[] {
      const spec = parts[parts.length - 1];
      if (parts.length < 1 || parts.length > 2 || !spec) throw new UserError(`${raw}: ${provider} probes are ${provider}:FUNCTION`);
      const m = /^(.+?)(?:\+(0x[0-9a-f]+|\d+))?$/i.exec(spec)!;
      const offset = m[2] ? Number(BigInt(m[2])) : 0;
      return expandNames(m[1], kprobeFunctions, raw, kprobesUnavailable).map((func) => ({
        provider, name: `${provider}:${func}${offset ? `+${offset}` : ''}`, progType: ProgType.KPROBE,
        attach: { kind: 'kprobe', func, offset, retprobe },
        argOffsets: retprobe ? undefined : ARG_REGISTER_OFFSETS, retvalOffset: retprobe ? RETVAL_OFFSET : undefined, argsAddrSpace: 'kernel',
      }));
    },
    list(pattern: string): string[] {
      const re = globToRegExp(pattern);
      return kprobeFunctions().map((f) => `${provider}:${f}`).filter((n) => re.test(n));
    },
  };
}

function fentry(exit: boolean): ProbeProvider {
  const provider = exit ? 'fexit' : 'fentry';
  return {
    names: exit ? ['fexit', 'fr', 'kretfunc'] : ['fentry', 'f', 'kfunc'],
    builtins: ['args', 'func', ...(exit ? ['retval'] : [])],
    expand(parts: readonly string[], raw: string): ProbeInstance[] {
      const name = parts[parts.length - 1];
      if (parts.length < 1 || parts.length > 2 || !name) throw new UserError(`${raw}: ${provider} probes are ${provider}:FUNCTION`);
      return expandNames(name, btfFunctions, raw).map((func) => {
        const b = kernelBtf();
        const fn = b.find(func, 'func');
        if (!fn || fn.kind !== 'func') throw new MissingProbeError(`${raw}: kernel function '${func}' has no BTF`);
        const proto = b.resolve(fn.type);
        const params = proto.kind === 'func_proto' ? proto.params : [];
        return {
          provider, name: `${provider}:${func}`, progType: ProgType.TRACING,
          attach: { kind: 'fentry', func, exit },
          // The trampoline passes every argument as a u64, then (fexit) the return value.
          args: params.map((p, i) => ({ name: p.name, type: b.typeName(p.type), offset: 8 * i, size: 8, signed: false, dataLoc: false, common: false })),
          retvalOffset: exit ? 8 * params.length : undefined, argsAddrSpace: 'kernel',
        };
      });
    },
    list(pattern: string): string[] {
      const re = globToRegExp(pattern.replace(/^(kfunc|f):/, 'fentry:'));
      return btfFunctions().map((f) => `${provider}:${f}`).filter((n) => re.test(n));
    },
  };
}

export const kprobeProvider = kprobe(false);
export const kretprobeProvider = kprobe(true);
export const fentryProvider = fentry(false);
export const fexitProvider = fentry(true);
