// begin / end (BEGIN / END): run once, at session start and at session end. There is no event to
// attach to, so the program is run by the runtime itself through BPF_PROG_TEST_RUN. The program
// type is raw_tracepoint: it supports test runs and offers the tracing helpers (current task,
// ring buffer, probe_read), so pid and comm in BEGIN are bpfkit's own, as bpftrace's are its own.
import { UserError } from '../diagnostics.js';
import { ProbeInstance, ProbeProvider, ProgType } from './provider.js';

function oneShot(kind: 'begin' | 'end'): ProbeProvider {
  const upper = kind.toUpperCase();
  return {
    names: [upper, kind],
    builtins: [],
    expand(parts: readonly string[], raw: string): ProbeInstance[] {
      if (parts.length > 0 && !(parts.length === 1 && parts[0] === '')) throw new UserError(`${raw}: ${upper} takes no arguments`);
      return [{ provider: kind, name: upper, progType: ProgType.RAW_TRACEPOINT, attach: { kind } }];
    },
  };
}

export const beginProvider = oneShot('begin');
export const endProvider = oneShot('end');
