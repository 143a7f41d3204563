// What a test needs from the machine, and the one rule for when it is missing:
// skip locally, but fail in CI, where .ci/run sets BPFKIT_REQUIRE_KERNEL=1.
import { execFileSync } from 'node:child_process';
import type { TestOptions } from 'node:test';

export const requireKernel = process.env.BPFKIT_REQUIRE_KERNEL === '1';
export const isRoot = process.getuid?.() === 0;

/** True when a program on PATH can be run. */
export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Options for a test that needs root and the BPF syscall (and optionally external programs such
 * as bpftrace or tcpdump). Returns `{ skip }` only when BPFKIT_REQUIRE_KERNEL is not set; with it
 * set, the test runs and fails on whatever is missing.
 */
export function needs(...programs: string[]): TestOptions {
  if (requireKernel) return {};
  if (!isRoot) return { skip: 'needs root (CI runs it with BPFKIT_REQUIRE_KERNEL=1)' };
  const missing = programs.filter((p) => !hasProgram(p));
  return missing.length ? { skip: `needs ${missing.join(', ')} (installed by .ci/run)` } : {};
}

/** Like needs(), for tests that need only external programs, not root. */
export function needsPrograms(...programs: string[]): TestOptions {
  if (requireKernel) return {};
  const missing = programs.filter((p) => !hasProgram(p));
  return missing.length ? { skip: `needs ${missing.join(', ')} (installed by .ci/run)` } : {};
}
