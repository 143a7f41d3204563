// tracepoint:CATEGORY:EVENT (alias t): static kernel tracepoints, with `*`/`?` wildcards in both
// parts expanded against tracefs. The context is the raw trace record, whose layout the event's
// format file gives; `args.NAME` reads its non-common fields. Attaches via perf_event_open of the
// tracepoint id plus a BPF link (kernel/links).
import { MissingProbeError, UserError } from '../diagnostics.js';
import { listTracepoints, tracepointFormat } from '../kernel/tracefs.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';

/** A glob (`*`, `?`) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export const hasWildcard = (s: string): boolean => /[*?]/.test(s);

/** Tracepoints ("category:event") matching a category and event glob. */
export function matchTracepoints(category: string, event: string): string[] {
  if (!hasWildcard(category) && !hasWildcard(event)) return [`${category}:${event}`];
  const re = globToRegExp(`${category}:${event}`);
  return listTracepoints().filter((tp) => re.test(tp));
}

export function tracepointInstance(category: string, event: string): ProbeInstance {
  const format = tracepointFormat(category, event);
  return {
    provider: 'tracepoint',
    name: `tracepoint:${category}:${event}`,
    progType: ProgType.TRACEPOINT,
    attach: { kind: 'tracepoint', category, event },
    args: format.fields.filter((f) => !f.common),
    argsAddrSpace: category === 'syscalls' ? 'user' : 'kernel',
  };
}

export const tracepointProvider: ProbeProvider = {
  names: ['tracepoint', 't'],
  builtins: ['args'],
  expand(parts: readonly string[], raw: string): ProbeInstance[] {
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UserError(`${raw}: tracepoint probes are tracepoint:CATEGORY:EVENT`);
    const matches = matchTracepoints(parts[0], parts[1]);
    if (matches.length === 0) throw new MissingProbeError(`${raw}: no tracepoint matches`);
    return matches.map((tp) => {
      const [c, e] = tp.split(':');
      return tracepointInstance(c, e);
    });
  },
};
