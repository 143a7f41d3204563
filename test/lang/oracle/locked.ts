// Oracle scripts that bpfkit is known to pass. A locked script that stops passing FAILS the
// suite (a regression); every other script that bpfkit does not pass yet is reported as a
// node:test `todo` with the reason. The lead adds names here as the compiler catches up.
export const LOCKED: ReadonlySet<string> = new Set<string>([]);
