// ust:PROVIDER:EVENT: an in-process tracepoint that a Node.js application declares with
// ust.tracepoint('PROVIDER:EVENT', schema) (src/ust). The context is the event record the
// application's emit() writes; `args.NAME` reads its fields; `*` and `?` match the declared
// tracepoints' names, one program each, as tracepoint wildcards do. Such a probe fires inside the
// application, in the userspace VM, so it expands only where the application supplies its
// tracepoints (ExpandOptions.ust); the bpfkit command refuses it with the way to run it.
import { MissingProbeError, UserError } from '../diagnostics.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';
import { globToRegExp, hasWildcard } from './tracepoint.js';

/** The tracepoints `written` (PROVIDER:EVENT, maybe with `*`/`?`) names among `declared`, sorted. */
export function matchUstTracepoints(written: string, declared: readonly string[]): string[] {
  if (!hasWildcard(written)) return [written];
  const re = globToRegExp(written);
  return declared.filter((n) => re.test(n)).sort();
}

export const ustProvider: ProbeProvider = {
  names: ['ust'],
  builtins: ['args'],
  expand(parts, raw, options): ProbeInstance[] {
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UserError(`${raw}: ust probes are ust:PROVIDER:EVENT`);
    const ust = options?.ust;
    if (!ust) {
      throw new UserError(`${raw}: ust probes fire inside a Node.js application: attach the script there with ust.attachScript() (see README, "In-process tracepoints")`);
    }
    const written = `${parts[0]}:${parts[1]}`;
    const names = matchUstTracepoints(written, ust.names());
    if (names.length === 0) throw new MissingProbeError(`${raw}: no tracepoint of this application matches`);
    return names.map((name) => {
      const args = ust.fields(name);
      if (!args) throw new MissingProbeError(`${raw}: this application declares no tracepoint '${name}'`);
      return { provider: 'ust', name: `ust:${name}`, progType: ProgType.TRACEPOINT, attach: { kind: 'ust', tracepoint: name }, args, argsAddrSpace: 'user' };
    });
  },
};
