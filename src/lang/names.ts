// Names the parser must know to disambiguate bpftrace's grammar: which bare identifiers are
// builtins (so `(pid)*tid` is a multiplication, not a cast of `*tid` to type `pid`), which
// identifiers are type names, and which words are keywords.

/** Builtins usable as bare identifiers (bpftrace: "pid and pid() are equivalent"). */
export const BUILTIN_NAMES = new Set([
  'pid', 'tid', 'uid', 'gid', 'nsecs', 'elapsed', 'numaid', 'cpu', 'ncpus', 'comm', 'kstack', 'ustack',
  'retval', 'func', 'probe', 'probetype', 'curtask', 'rand', 'cgroup', 'cpid', 'has_cpid', 'args', 'ctx',
  'username', 'jiffies', 'usermode', 'pcomm', 'ppid', 'leader_comm', 'leader_tid', 'config', 'dw_ustack',
  '__builtin_pid',
]);

/** `arg0`..`argN` and `sarg0`..`sargN` (stack arguments). */
export function isArgBuiltin(name: string): boolean {
  return /^s?arg[0-9]+$/.test(name);
}

export function isBuiltinName(name: string): boolean {
  return BUILTIN_NAMES.has(name) || isArgBuiltin(name);
}

/** bpftrace's own type names. */
export const BPFTRACE_TYPE_NAMES = new Set([
  'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'string', 'buffer', 'inet', 'void',
]);

/** C words that can make up a base type (`unsigned long`, `const char`). */
export const C_TYPE_WORDS = new Set(['unsigned', 'signed', 'char', 'short', 'int', 'long', 'const', 'volatile']);

/** Parameterised types: `string[64]` is a size, not an array. */
export const SIZED_TYPE_NAMES = new Set(['string', 'buffer', 'inet']);

export const KEYWORDS = new Set([
  'break', 'config', 'continue', 'else', 'for', 'if', 'import', 'let', 'macro', 'offsetof', 'return', 'sizeof',
  'unroll', 'while', 'typeof', 'true', 'false',
]);
