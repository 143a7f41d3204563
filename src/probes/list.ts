// `-l [PATTERN]`: every probe of every type whose full name matches, as `bpftrace -l` prints
// them. With a provider in the pattern (`tracepoint:sched:*`, `uprobe:/bin/bash:read*`,
// `usdt:/path:*`) only that provider is asked; a bare word is searched for (`*word*`) in the
// kernel-wide lists (tracepoints, raw tracepoints, software, hardware, kprobes and fentry where
// this kernel can attach them).
import { listTracepoints } from '../kernel/tracefs.js';
import { globToRegExp } from './tracepoint.js';
import { providerFor, PROVIDERS } from './index.js';
import type { ExpandOptions } from './provider.js';
import { haveFentry, haveKprobes } from '../kernel/features.js';

function tracepoints(re: RegExp): string[] {
  return listTracepoints().map((t) => `tracepoint:${t}`).filter((n) => re.test(n));
}

export function listProbes(pattern: string | undefined, options?: ExpandOptions): string[] {
  if (pattern && pattern.includes(':')) {
    const [written, ...rest] = pattern.split(':');
    const p = providerFor(written);
    if (!p) return [];
    const canonical = p.names[0];
    const full = [canonical, ...rest].join(':');
    if (canonical === 'tracepoint') return tracepoints(globToRegExp(full));
    if (canonical === 'BEGIN' || canonical === 'END') return globToRegExp(full).test(canonical) ? [canonical] : [];
    return p.list?.(full, options) ?? [];
  }
  const re = globToRegExp(pattern ? `*${pattern}*` : '*');
  const out: string[] = ['BEGIN', 'END'].filter((n) => re.test(n));
  out.push(...tracepoints(re));
  // Kernel function probes are searched only where they could attach (feature probes), as
  // bpftrace leaves kprobes out where the kernel has none; ask for them by name to see them.
  const kinds = ['rawtracepoint', 'software', 'hardware'];
  if (haveKprobes().available) kinds.push('kprobe');
  if (haveFentry().available) kinds.push('fentry');
  for (const name of kinds) {
    const p = PROVIDERS.find((x) => x.names[0] === name);
    try { out.push(...(p?.list?.(pattern ? `*${pattern}*` : '*', options) ?? [])); } catch { /* unavailable here */ }
  }
  return out;
}
