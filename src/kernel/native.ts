// The one place that loads koffi and libc. Every module of src/kernel/ that calls the OS takes
// them from here: the addon is loaded once, and lazily bundled code never pulls in koffi's package
// entry point (see loadKoffi) through a stray `import koffi from 'koffi'`.
import type koffiModule from 'koffi';
import { createRequire } from 'node:module';

/**
 * koffi's native addon. Its package entry point first loads https, zlib and crypto (for its
 * installer) and probes several paths, about 10 ms of every bpfkit start; the addon itself is all
 * bpfkit uses, so it is required directly when its version matches the package, and through the
 * entry point otherwise (other platforms, other layouts).
 */
function loadKoffi(): typeof koffiModule {
  const require = createRequire(import.meta.url);
  try {
    const native = require(`koffi/build/koffi/${process.platform}_${process.arch}/koffi.node`) as typeof koffiModule & { version?: string };
    if (native.version === (require('koffi/package.json') as { version: string }).version) return native;
  } catch { /* fall back to the package's own loader */ }
  return require('koffi') as typeof koffiModule;
}
export const koffi = loadKoffi();

export const libc = koffi.load('libc.so.6');

/** errno number -> symbolic name (EPERM, ENOENT, ...). */
const ERRNO_NAMES = new Map<number, string>(Object.entries(koffi.os.errno as Record<string, number>).map(([name, n]) => [n, name]));
export const errnoName = (errno: number): string => ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
