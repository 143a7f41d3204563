// ust:PROVIDER:EVENT: an in-process tracepoint that a Node.js application declares with
// ust.tracepoint('PROVIDER:EVENT', schema) (src/ust). The context is the event record the
// application's emit() writes; `args.NAME` reads its fields. Such a probe fires inside the
// application, in the userspace VM, so it expands only where the application supplies its
// tracepoints (ExpandOptions.ust); the bpfkit command refuses it with the way to run it.
import { UserError } from '../diagnostics.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';

export const ustProvider: ProbeProvider = {
  names: ['ust'],
  builtins: ['args'],
  expand(parts, raw, options): ProbeInstance[] {
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UserError(`${raw}: ust probes are ust:PROVIDER:EVENT`);
    const name = `${parts[0]}:${parts[1]}`;
    if (!options?.ust) {
      throw new UserError(`${raw}: ust probes fire inside a Node.js application: attach the script there with ust.attachScript() (see README, "In-process tracepoints")`);
    }
    const args = options.ust(name);
    if (!args) throw new UserError(`${raw}: this application declares no tracepoint '${name}'`);
    return [{ provider: 'ust', name: `ust:${name}`, progType: ProgType.TRACEPOINT, attach: { kind: 'ust', tracepoint: name }, args, argsAddrSpace: 'user' }];
  },
};
