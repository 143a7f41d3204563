// bpf_probe_read{,_kernel,_user}{,_str} in the VM: copy from any mapped address into the
// program's buffer. There is no kernel or other process to read here, so the source must be
// mapped VM memory; anything else fails with -EFAULT and a zeroed destination, as the kernel's
// does on a fault.
import type { HelperContext, HelperRegistry } from './helpers.js';
import { Errno } from './maps.js';

/** The copy, on Numbers (addresses fit in 32 bits): returns 0, -EFAULT or the string length. */
function copy(ctx: HelperContext, d: number, n: number, s: number, str: boolean): number {
  ctx.memory.check(d, n, true);
  const bytes = ctx.memory.bytes;
  if (n === 0) return 0;
  if (!str) {
    if (!ctx.memory.find(s, n)) { bytes.fill(0, d, d + n); return EFAULT; }
    bytes.copyWithin(d, s, s + n);
    return 0;
  }
  // Strings: copy up to the NUL or n-1 bytes, always terminate; the source need only be mapped
  // as far as the string goes.
  let i = 0;
  for (; i < n - 1; i++) {
    if (!ctx.memory.find(s + i, 1)) { if (i === 0) { bytes.fill(0, d, d + n); return EFAULT; } break; }
    const c = bytes[s + i];
    if (c === 0) break;
    bytes[d + i] = c;
  }
  bytes[d + i] = 0;
  return i + 1;
}

const EFAULT = Number(Errno.EFAULT);

export function registerProbeReadHelpers(registry: HelperRegistry): HelperRegistry {
  for (const name of ['probe_read', 'probe_read_kernel', 'probe_read_user'] as const) {
    // The 32-bit variant lets the JIT call it without BigInts (a script copies every string
    // field of its record this way).
    registry.register(name, (ctx, dst, size, src) => BigInt(copy(ctx, Number(dst), Number(size), Number(src), false)), undefined, {
      fast: (ctx, dst, size, src) => copy(ctx, dst >>> 0, size >>> 0, src >>> 0, false),
    });
  }
  for (const name of ['probe_read_str', 'probe_read_kernel_str', 'probe_read_user_str'] as const) {
    registry.register(name, (ctx, dst, size, src) => BigInt(copy(ctx, Number(dst), Number(size), Number(src), true)), undefined, {
      fast: (ctx, dst, size, src) => copy(ctx, dst >>> 0, size >>> 0, src >>> 0, true),
    });
  }
  return registry;
}
