// The probe providers' answer to semantic analysis (lang/probe-context.ts): what each attach
// point's context holds. Tracepoints and register-argument probes are the language's default
// resolver; this adds the BTF-typed `args` of raw tracepoints and fentry/fexit (so `args.prev`
// is a `struct task_struct *` and `args.prev->pid` type-checks) and fexit's typed retval.
import { defaultResolver, ProbeContext, ProbeContextResolver, globToRegExp } from '../lang/probe-context.js';
import type { StructField, StructTypeT } from '../lang/types.js';
import { I64, U64 } from '../lang/types.js';
import { listTracepoints, tracepointFormat } from '../kernel/tracefs.js';
import { rawTracepointArgs } from '../btf/tracepoint-args.js';
import { memberType } from '../btf/struct-types.js';
import { kernelBtf } from '../btf/btf.js';
import { listRawTracepoints } from './raw-tracepoint.js';
import type { ExpandOptions } from './provider.js';
import { AttachPointExpander } from './expander.js';
import { MissingProbeError } from '../diagnostics.js';
import { resolveUprobeTarget } from './uprobe/resolve-target.js';
import { uprobeArgs } from './uprobe/dwarf-args.js';

function btfArgs(name: string, params: { name: string; type: number }[]): StructTypeT {
  const b = kernelBtf();
  const fields: StructField[] = params.map((p, i) => ({ name: p.name, type: memberType(b, p.type), offset: 8 * i }));
  return { kind: 'struct', name: `struct _args_${name}`, size: 8 * params.length, fields };
}

/**
 * Attach points are expanded here already, to report missing probes (MissingProbeError) before
 * the probe bodies are type-checked: pass the expander the compiler will use (compileScript's
 * `expander` option) and it reuses the instances.
 */
export function probeContextResolver(expandWith: ExpandOptions | AttachPointExpander = {}): ProbeContextResolver {
  const expander = expandWith instanceof AttachPointExpander ? expandWith : new AttachPointExpander(expandWith);
  const options = expander.options;
  const base = defaultResolver({
    list: (pattern) => {
      const [c, e] = pattern.split(':');
      const rc = globToRegExp(c), re = globToRegExp(e);
      return listTracepoints().filter((n) => { const [a, b] = n.split(':'); return rc.test(a) && re.test(b); });
    },
    format: (c, n) => tracepointFormat(c, n),
  });
  return (ap, provider): ProbeContext => {
    try {
      expander.expand(provider, ap.parts, ap.raw);
    } catch (e) {
      // Only absence matters here; other expansion errors the compiler reports, as it always has.
      if (e instanceof MissingProbeError) throw e;
    }
    const ctx = base(ap, provider);
    try {
      if (provider === 'rawtracepoint') {
        const written = ap.parts[ap.parts.length - 1] ?? '';
        const name = /[*?]/.test(written) ? listRawTracepoints().find((n) => globToRegExp(written).test(n)) : written;
        if (!name) return ctx;
        const args = rawTracepointArgs(kernelBtf(), name);
        return { ...ctx, args: btfArgs(name, args), argRegisters: args.length };
      }
      if (provider === 'usdt' && ap.parts.length >= 2) {
        // USDT operands say their width and sign: bpftrace types a signed argument as int64.
        const site = expander.expand('usdt', ap.parts, ap.raw)[0];
        const specs = site?.usdtArgs ?? [];
        return { ...ctx, argRegisters: specs.length, argTypes: specs.map((a) => (a.signed ? I64 : U64)) };
      }
      if (provider === 'uprobe' && ap.parts.length === 2 && !/[*?+]/.test(ap.parts[1])) {
        const args = uprobeArgs(resolveUprobeTarget(ap.parts[0], { pid: options.pid }), ap.parts[1]);
        return args ? { ...ctx, args: args.struct } : ctx;
      }
      if (provider === 'fentry' || provider === 'fexit') {
        const name = ap.parts[ap.parts.length - 1] ?? '';
        const b = kernelBtf();
        const fn = b.find(name, 'func');
        if (!fn || fn.kind !== 'func') return ctx;
        const proto = b.resolve(fn.type);
        if (proto.kind !== 'func_proto') return ctx;
        return { ...ctx, args: btfArgs(name, proto.params), retval: provider === 'fexit' ? memberType(b, proto.ret) : undefined };
      }
    } catch {
      // No BTF: the default context (untyped argN) stands; attaching will say what is missing.
    }
    return ctx;
  };
}
