// The probe provider registry: adding a provider is one module plus one line here.
import { UserError } from '../diagnostics.js';
import { beginProvider, endProvider } from './begin-end.js';
import { intervalProvider } from './interval.js';
import { ExpandOptions, ProbeInstance, ProbeProvider } from './provider.js';
import { tracepointProvider } from './tracepoint.js';
import { uprobeProvider, uretprobeProvider } from './uprobe.js';
import { usdtProvider } from './usdt.js';
import { ustProvider } from './ust.js';
import { hardwareProvider, profileProvider, softwareProvider } from './perf-event.js';
import { rawTracepointProvider } from './raw-tracepoint.js';
import { fentryProvider, fexitProvider, kprobeProvider, kretprobeProvider } from './kernel-function.js';

export const PROVIDERS: readonly ProbeProvider[] = [
  beginProvider, endProvider, tracepointProvider, intervalProvider,
  uprobeProvider, uretprobeProvider, usdtProvider, profileProvider, softwareProvider, hardwareProvider,
  rawTracepointProvider, kprobeProvider, kretprobeProvider, fentryProvider, fexitProvider, ustProvider,
];

export function providerFor(name: string): ProbeProvider | undefined {
  return PROVIDERS.find((p) => p.names.includes(name));
}

export function expandAttachPoint(provider: string, parts: readonly string[], raw: string, options?: ExpandOptions): ProbeInstance[] {
  const p = providerFor(provider);
  if (!p) throw new UserError(`${raw}: unsupported probe type '${provider}' (bpfkit supports ${PROVIDERS.map((x) => x.names[0]).join(', ')})`);
  return p.expand(parts, raw, options);
}

export type { ExpandOptions, ProbeInstance, ProbeProvider } from './provider.js';
