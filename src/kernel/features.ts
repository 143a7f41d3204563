// What this kernel can do, asked of the kernel itself (cilium/ebpf's features package is the
// model): a program type is there if a trivial program of that type loads (or reaches the
// verifier); a map type if a tiny map of it can be created; a helper if the verifier does not
// call it unknown; kprobes if their PMU exists; fentry if a fentry program may be loaded.
// Each probe runs at most once per process; results are cached.
import { existsSync, readFileSync } from 'node:fs';
import { ProgramBuilder, R0, R1, R2, R3, R4, R5 } from '../isa/builder.js';
import { Helper, HelperName } from '../isa/helpers.js';
import { Program, ProgramType, ProgramTypeName, AttachType, VerifierError } from './programs.js';
import { BpfMap, MapFlags, MapType, MapTypeName } from './maps.js';
import { BpfSyscallError, PermissionError, canTrace, errnoName } from './sys.js';

export type Availability = { available: true } | { available: false; reason: string };
const yes: Availability = { available: true };
const no = (reason: string): Availability => ({ available: false, reason });

const cache = new Map<string, Availability>();
function memo(key: string, probe: () => Availability): Availability {
  let r = cache.get(key);
  if (!r) cache.set(key, (r = probe()));
  return r;
}

/** Turn a probe's exception into an answer; privileges problems are rethrown (they are not answers). */
function classify(e: unknown): Availability {
  if (e instanceof PermissionError) throw e;
  if (e instanceof BpfSyscallError) return no(e.code);
  if (e instanceof VerifierError) return no(e.reason);
  throw e;
}

const trivial = () => new ProgramBuilder().mov64(R0, 0).exit().build();

/** Program types that need an expected attach type to load at all. */
const EXPECTED_ATTACH: Partial<Record<number, number>> = { [ProgramType.CGROUP_SOCK_ADDR]: 8 /* BPF_CGROUP_INET4_BIND */ };

export function haveProgramType(type: number): Availability {
  return memo(`prog:${type}`, () => {
    try {
      Program.load({ name: 'bpfkit_probe', type, instructions: trivial(), expectedAttachType: EXPECTED_ATTACH[type] }).close();
      return yes;
    } catch (e) {
      // Reaching the verifier means the type exists (it just wants more than our trivial program).
      if (e instanceof VerifierError) return yes;
      return classify(e);
    }
  });
}

const MAP_PROBE: Partial<Record<MapTypeName, { keySize: number; valueSize: number; maxEntries: number; flags?: number }>> = {
  HASH: { keySize: 4, valueSize: 4, maxEntries: 1 }, ARRAY: { keySize: 4, valueSize: 4, maxEntries: 1 },
  PERCPU_HASH: { keySize: 4, valueSize: 4, maxEntries: 1 }, PERCPU_ARRAY: { keySize: 4, valueSize: 4, maxEntries: 1 },
  LRU_HASH: { keySize: 4, valueSize: 4, maxEntries: 1 }, LRU_PERCPU_HASH: { keySize: 4, valueSize: 4, maxEntries: 1 },
  STACK_TRACE: { keySize: 4, valueSize: 8, maxEntries: 1 }, PERF_EVENT_ARRAY: { keySize: 4, valueSize: 4, maxEntries: 1 },
  RINGBUF: { keySize: 0, valueSize: 0, maxEntries: 4096 }, LPM_TRIE: { keySize: 8, valueSize: 4, maxEntries: 1, flags: MapFlags.NO_PREALLOC },
  QUEUE: { keySize: 0, valueSize: 4, maxEntries: 1 }, STACK: { keySize: 0, valueSize: 4, maxEntries: 1 },
  PROG_ARRAY: { keySize: 4, valueSize: 4, maxEntries: 1 }, CGROUP_ARRAY: { keySize: 4, valueSize: 4, maxEntries: 1 },
  BLOOM_FILTER: { keySize: 0, valueSize: 4, maxEntries: 1 },
};

export function haveMapType(type: number): Availability {
  return memo(`map:${type}`, () => {
    const name = (Object.keys(MapType) as MapTypeName[]).find((k) => MapType[k] === type);
    const shape = (name && MAP_PROBE[name]) ?? { keySize: 4, valueSize: 4, maxEntries: 1 };
    try {
      BpfMap.create({ name: 'bpfkit_probe', type, ...shape }).close();
      return yes;
    } catch (e) {
      return classify(e);
    }
  });
}

/** Whether `helper` may be called from programs of `programType`. */
export function haveHelper(programType: number, helper: number): Availability {
  return memo(`helper:${programType}:${helper}`, () => {
    const insns = new ProgramBuilder().mov64(R1, 0).mov64(R2, 0).mov64(R3, 0).mov64(R4, 0).mov64(R5, 0)
      .call(helper).mov64(R0, 0).exit().build();
    try {
      Program.load({ name: 'bpfkit_probe', type: programType, instructions: insns }).close();
      return yes;
    } catch (e) {
      if (e instanceof VerifierError) {
        // Zero arguments are often wrong; only "unknown/invalid func" means the helper is missing.
        return /invalid func|unknown func|program of this type cannot use helper/.test(e.log) ? no(e.reason) : yes;
      }
      return classify(e);
    }
  });
}

/** kprobes need the kprobe PMU (and CONFIG_KPROBES). */
export function haveKprobes(): Availability {
  return memo('kprobes', () => (existsSync('/sys/bus/event_source/devices/kprobe') ? yes : no('no /sys/bus/event_source/devices/kprobe')));
}
export function haveUprobes(): Availability {
  return memo('uprobes', () => (existsSync('/sys/bus/event_source/devices/uprobe/type') ? yes : no('no /sys/bus/event_source/devices/uprobe')));
}
export function haveBtf(): Availability {
  return memo('btf', () => (existsSync('/sys/kernel/btf/vmlinux') ? yes : no('no /sys/kernel/btf/vmlinux')));
}

/** The BTF type id of kernel function `name` in /sys/kernel/btf/vmlinux (a minimal walk of the type section). */
export function vmlinuxFuncId(name: string): number | undefined {
  const buf = readFileSync('/sys/kernel/btf/vmlinux');
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint16(0, true) !== 0xeb9f) return undefined;
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true), typeEnd = typeOff + v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const want = Buffer.from(name + '\0');
  // Bytes after the 12-byte btf_type header, by kind (see linux/btf.h).
  const extra = (kind: number, vlen: number): number => {
    switch (kind) {
      case 1: case 14: case 17: return 4; // INT, VAR, DECL_TAG
      case 3: return 12; // ARRAY
      case 4: case 5: case 15: case 19: return 12 * vlen; // STRUCT, UNION, DATASEC, ENUM64
      case 6: case 13: return 8 * vlen; // ENUM, FUNC_PROTO
      default: return 0;
    }
  };
  let id = 1;
  for (let at = typeOff; at < typeEnd; id++) {
    const nameOff = v.getUint32(at, true), info = v.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f, vlen = info & 0xffff;
    if (kind === 12 /* FUNC */ && buf.compare(want, 0, want.length, strOff + nameOff, strOff + nameOff + want.length) === 0) return id;
    at += 12 + extra(kind, vlen);
  }
  return undefined;
}

/** Whether fentry programs may be loaded (needs BTF, JIT trampolines, and no lockdown). */
export function haveFentry(): Availability {
  return memo('fentry', () => {
    if (!haveBtf().available) return no('no kernel BTF');
    const id = vmlinuxFuncId('do_nanosleep') ?? vmlinuxFuncId('vfs_read');
    if (id === undefined) return no('no probe target function in kernel BTF');
    try {
      Program.load({ name: 'bpfkit_probe', type: ProgramType.TRACING, expectedAttachType: AttachType.TRACE_FENTRY, attachBtfId: id, instructions: trivial() }).close();
      return yes;
    } catch (e) {
      if (e instanceof BpfSyscallError && (e.errno === 1 || e.errno === 13)) return no(`not permitted (${errnoName(e.errno)})`);
      return classify(e);
    }
  });
}

export const PROBED_PROGRAM_TYPES: ProgramTypeName[] = [
  'SOCKET_FILTER', 'KPROBE', 'SCHED_CLS', 'SCHED_ACT', 'TRACEPOINT', 'XDP', 'PERF_EVENT', 'CGROUP_SKB', 'CGROUP_SOCK',
  'SOCK_OPS', 'SK_SKB', 'SK_MSG', 'RAW_TRACEPOINT', 'CGROUP_SOCK_ADDR', 'FLOW_DISSECTOR', 'CGROUP_SYSCTL',
  'RAW_TRACEPOINT_WRITABLE', 'SYSCALL',
];
export const PROBED_MAP_TYPES = Object.keys(MAP_PROBE) as MapTypeName[];
/** The helpers bpfkit's tracing code relies on. */
export const KEY_HELPERS: HelperName[] = [
  'map_lookup_elem', 'map_update_elem', 'ktime_get_ns', 'ktime_get_boot_ns', 'get_current_pid_tgid', 'get_current_uid_gid',
  'get_current_comm', 'get_smp_processor_id', 'get_current_cgroup_id', 'get_stackid', 'perf_event_output', 'ringbuf_output',
  'probe_read_user', 'probe_read_kernel', 'probe_read_user_str', 'probe_read_kernel_str', 'get_current_task_btf',
  'get_func_ip', 'send_signal', 'override_return', 'snprintf', 'loop',
];

export interface FeatureReport {
  kernel: string;
  privileged: boolean;
  jit: string;
  programTypes: Record<string, Availability>;
  mapTypes: Record<string, Availability>;
  /** Helpers as seen from kprobe programs. */
  helpers: Record<string, Availability>;
  attach: Record<string, Availability>;
}

let report: FeatureReport | undefined;
/** Everything at once (probed once, cached). Needs the privileges to load programs. */
export function probeFeatures(): FeatureReport {
  if (report) return report;
  const read = (p: string) => { try { return readFileSync(p, 'utf8').trim(); } catch { return '?'; } };
  const jit = read('/proc/sys/net/core/bpf_jit_enable');
  const programTypes: Record<string, Availability> = {};
  for (const t of PROBED_PROGRAM_TYPES) programTypes[t.toLowerCase()] = haveProgramType(ProgramType[t]);
  const mapTypes: Record<string, Availability> = {};
  for (const t of PROBED_MAP_TYPES) mapTypes[t.toLowerCase()] = haveMapType(MapType[t]);
  const helpers: Record<string, Availability> = {};
  for (const h of KEY_HELPERS) helpers[h] = haveHelper(ProgramType.KPROBE, Helper[h]);
  const attach: Record<string, Availability> = {
    kprobe: haveKprobes(), uprobe: haveUprobes(), fentry: haveFentry(), btf: haveBtf(),
    raw_tracepoint: programTypes.raw_tracepoint, perf_event: programTypes.perf_event,
  };
  return (report = {
    kernel: read('/proc/sys/kernel/osrelease'), privileged: canTrace(),
    jit: jit === '1' ? 'enabled' : jit === '2' ? 'enabled (debug)' : jit === '0' ? 'disabled' : jit,
    programTypes, mapTypes, helpers, attach,
  });
}

/** A short text rendering, one line per group (like a condensed `bpftool feature`). */
export function formatFeatures(r: FeatureReport): string {
  const group = (title: string, entries: Record<string, Availability>): string[] => {
    const have = Object.entries(entries).filter(([, a]) => a.available).map(([k]) => k);
    const missing = Object.entries(entries).filter(([, a]) => !a.available).map(([k, a]) => `${k} (${(a as { reason: string }).reason})`);
    const lines = [`${title}:`, `  available: ${have.join(' ') || '-'}`];
    if (missing.length) lines.push(`  missing:   ${missing.join(', ')}`);
    return lines;
  };
  const attach = Object.entries(r.attach).map(([k, a]) => `  ${k.padEnd(15)} ${a.available ? 'yes' : `no: ${(a as { reason: string }).reason}`}`);
  return [
    `kernel ${r.kernel}, BPF JIT ${r.jit}, ${r.privileged ? 'privileged (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN)' : 'unprivileged'}`,
    ...group('program types', r.programTypes),
    ...group('map types', r.mapTypes),
    ...group('helpers (from kprobe programs)', r.helpers),
    'attach points:', ...attach,
  ].join('\n');
}
