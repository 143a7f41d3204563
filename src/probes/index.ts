// The probe provider registry: adding a provider is one module plus one line here.
import { UserError } from '../diagnostics.js';
import { beginProvider, endProvider } from './begin-end.js';
import { intervalProvider } from './interval.js';
import { ProbeInstance, ProbeProvider } from './provider.js';
import { tracepointProvider } from './tracepoint.js';
import { uprobeProvider, uretprobeProvider } from './uprobe.js';

export const PROVIDERS: readonly ProbeProvider[] = [beginProvider, endProvider, tracepointProvider, intervalProvider, uprobeProvider, uretprobeProvider];

export function providerFor(name: string): ProbeProvider | undefined {
  return PROVIDERS.find((p) => p.names.includes(name));
}

export function expandAttachPoint(provider: string, parts: readonly string[], raw: string): ProbeInstance[] {
  const p = providerFor(provider);
  if (!p) throw new UserError(`${raw}: unsupported probe type '${provider}' (bpfkit supports ${PROVIDERS.map((x) => x.names[0]).join(', ')})`);
  return p.expand(parts, raw);
}

export type { ProbeInstance, ProbeProvider } from './provider.js';
