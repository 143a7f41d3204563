// A fixed TracepointSource for language tests: two syscall tracepoints with the field layout of
// the kernel's format files, so type checking of `args` is tested without tracefs or root.
import type { TracepointSource } from '../../src/lang/probe-context.js';
import { MissingProbeError } from '../../src/diagnostics.js';

const OPENAT = [
  { name: 'common_type', type: 'unsigned short', offset: 0, size: 2, signed: false, dataLoc: false, common: true },
  { name: 'common_pid', type: 'int', offset: 4, size: 4, signed: true, dataLoc: false, common: true },
  { name: '__syscall_nr', type: 'int', offset: 8, size: 4, signed: true, dataLoc: false, common: false },
  { name: 'dfd', type: 'int', offset: 16, size: 8, signed: false, dataLoc: false, common: false },
  { name: 'filename', type: 'const char *', offset: 24, size: 8, signed: false, dataLoc: false, common: false },
  { name: 'flags', type: 'int', offset: 32, size: 8, signed: false, dataLoc: false, common: false },
  { name: 'mode', type: 'umode_t', offset: 40, size: 8, signed: false, dataLoc: false, common: false },
];

const SWITCH = [
  { name: 'common_type', type: 'unsigned short', offset: 0, size: 2, signed: false, dataLoc: false, common: true },
  { name: 'prev_comm', type: 'char', offset: 8, size: 16, signed: false, arrayLength: 16, dataLoc: false, common: false },
  { name: 'prev_pid', type: 'pid_t', offset: 24, size: 4, signed: true, dataLoc: false, common: false },
  { name: 'prev_state', type: 'long', offset: 32, size: 8, signed: true, dataLoc: false, common: false },
  { name: 'next_comm', type: 'char', offset: 40, size: 16, signed: false, arrayLength: 16, dataLoc: false, common: false },
  { name: 'next_pid', type: 'pid_t', offset: 56, size: 4, signed: true, dataLoc: false, common: false },
];

const EXEC = [
  { name: 'filename', type: 'char', offset: 8, size: 4, signed: false, dataLoc: true, common: false },
  { name: 'pid', type: 'pid_t', offset: 12, size: 4, signed: true, dataLoc: false, common: false },
];

const ALL: Record<string, typeof OPENAT> = {
  'syscalls:sys_enter_openat': OPENAT,
  'syscalls:sys_enter_open': OPENAT,
  'sched:sched_switch': SWITCH,
  'sched:sched_process_exec': EXEC,
};

export const fakeTracepoints: TracepointSource = {
  list(pattern) {
    const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$');
    return Object.keys(ALL).filter((n) => re.test(n)).sort();
  },
  format(category, name) {
    const f = ALL[`${category}:${name}`];
    // As tracefs does: a tracepoint this kernel lacks is a missing probe (config missing_probes).
    if (!f) throw new MissingProbeError(`tracepoint not found: ${category}:${name}`);
    return { fields: f };
  },
};
