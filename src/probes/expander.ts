// Attach points expanded once per script. Semantic analysis expands every attach point to learn
// which ones name nothing that exists (config missing_probes skips those before the probe bodies
// are type-checked), and the compiler needs the same instances: sharing one expander between the
// two reads each binary's symbol table and each tracepoint's format file once, not twice.
import { expandAttachPoint, providerFor } from './index.js';
import type { ExpandOptions, ProbeInstance } from './provider.js';

export class AttachPointExpander {
  private readonly done = new Map<string, ProbeInstance[]>();

  constructor(readonly options: ExpandOptions = {}) {}

  /** expandAttachPoint with this script's options; failures are not remembered (they throw again). */
  expand(provider: string, parts: readonly string[], raw: string): ProbeInstance[] {
    // Aliases (`t`, `u`) and canonical names (`tracepoint`) expand alike: key on the provider.
    const key = [providerFor(provider)?.names[0] ?? provider, ...parts].join('\0');
    let instances = this.done.get(key);
    if (!instances) {
      instances = expandAttachPoint(provider, parts, raw, this.options);
      this.done.set(key, instances);
    }
    return instances;
  }
}
