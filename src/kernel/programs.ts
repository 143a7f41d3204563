// BPF programs: ProgramSpec is plain data (type, instructions with map references by name,
// license); Program owns the fd of a loaded program. Loading binds map references to fds,
// and a rejection becomes a VerifierError carrying the whole verifier log, the failing
// instruction (as the kernel printed it) and, when the compiler attached one, its source location.
import { Instruction, slotOffsets } from '../isa/instruction.js';
import { bindMaps } from '../isa/builder.js';
import { encode } from '../isa/encoding.js';
import { UserError } from '../diagnostics.js';
import { Attr, BpfCmd, Errno, bpf, bpfRaw, closeFd, cString, errnoName, syscallError, bpfCmdName } from './sys.js';
import { track, untrack } from './cleanup.js';
import { BpfMap, MapSet, mapByName, objectName } from './maps.js';
import { loadBtf } from './btf-load.js';

/** sizeof(struct bpf_func_info). */
const FUNC_INFO_REC_SIZE = 8;
/** How often a load interrupted by a signal (EAGAIN) is repeated; libbpf gives up after 5. */
const PROG_LOAD_RETRIES = 20;

/** enum bpf_prog_type. */
export const ProgramType = {
  SOCKET_FILTER: 1, KPROBE: 2, SCHED_CLS: 3, SCHED_ACT: 4, TRACEPOINT: 5, XDP: 6, PERF_EVENT: 7,
  CGROUP_SKB: 8, CGROUP_SOCK: 9, LWT_IN: 10, LWT_OUT: 11, LWT_XMIT: 12, SOCK_OPS: 13, SK_SKB: 14,
  CGROUP_DEVICE: 15, SK_MSG: 16, RAW_TRACEPOINT: 17, CGROUP_SOCK_ADDR: 18, LWT_SEG6LOCAL: 19,
  LIRC_MODE2: 20, SK_REUSEPORT: 21, FLOW_DISSECTOR: 22, CGROUP_SYSCTL: 23, RAW_TRACEPOINT_WRITABLE: 24,
  CGROUP_SOCKOPT: 25, TRACING: 26, STRUCT_OPS: 27, EXT: 28, LSM: 29, SK_LOOKUP: 30, SYSCALL: 31,
} as const;
export type ProgramTypeName = keyof typeof ProgramType;
export const programTypeName = (t: number): string =>
  (Object.keys(ProgramType) as ProgramTypeName[]).find((k) => ProgramType[k] === t)?.toLowerCase() ?? `type ${t}`;

/** enum bpf_attach_type (the values bpfkit uses). */
export const AttachType = {
  TRACE_RAW_TP: 23, TRACE_FENTRY: 24, TRACE_FEXIT: 25, MODIFY_RETURN: 26, PERF_EVENT: 41, TRACE_KPROBE_MULTI: 42,
} as const;

/** What to load. Plain data. */
export interface ProgramSpec {
  /** Object name shown by bpftool; bpfkit's own programs start with `bpfkit_` (15 bytes kept). */
  name: string;
  type: number;
  /** Instructions; lddw map references (`ref`) are bound to map fds at load time. */
  instructions: readonly Instruction[];
  license?: string;
  expectedAttachType?: number;
  /** BTF id of the attach target (fentry/fexit, tp_btf). */
  attachBtfId?: number;
  flags?: number;
  /**
   * BTF describing the program's functions, with func_info: records (insn_off u32, type_id u32,
   * 8 bytes each) naming the BTF FUNC of each subprogram. The verifier requires both for programs
   * whose subprograms are used as callbacks. See btf/writer.ts functionsBtf().
   */
  btf?: Uint8Array;
  funcInfo?: Uint8Array;
}

export interface LoadOptions {
  /** Verifier log level to load with even on success (0 = only on failure, then 1). */
  logLevel?: number;
  /** First log buffer size in bytes (grows on ENOSPC). */
  logSize?: number;
}

/** The verifier rejected a program. `log` is the complete log; `lines` the same split in lines. */
export class VerifierError extends UserError {
  /** Instruction slot index (the kernel's "pc") that failed, when the log names one. */
  readonly insnIndex?: number;
  /** That instruction as the kernel printed it: `(61) r0 = *(u32 *)(r0 +0)`. */
  readonly insnText?: string;
  /** The spec's instruction at that slot (with its source location, when the compiler set one). */
  readonly instruction?: Instruction;
  /** The verifier's reason (the lines after the failing instruction). */
  readonly reason: string;
  readonly lines: string[];
  constructor(readonly programName: string, readonly errno: number, readonly log: string, spec?: ProgramSpec) {
    const parsed = parseVerifierLog(log);
    const where = parsed.insnIndex !== undefined ? ` at instruction ${parsed.insnIndex}: ${parsed.insnText}` : '';
    super(`the kernel verifier rejected program '${programName}' (${errnoName(errno)}): ${parsed.reason || 'no reason given'}${where}`);
    this.name = 'VerifierError';
    this.insnIndex = parsed.insnIndex;
    this.insnText = parsed.insnText;
    this.reason = parsed.reason;
    this.lines = parsed.lines;
    if (spec && parsed.insnIndex !== undefined) {
      const i = slotOffsets(spec.instructions).indexOf(parsed.insnIndex);
      if (i >= 0) this.instruction = spec.instructions[i];
    }
  }
}

const INSN_LINE = /^(\d+): (\([0-9a-f]{2}\) .*?)(?:\s+;.*)?$/;
const SUMMARY = /^(processed \d+ insns|verification time|stack depth|mark_read|max_states_per_insn|Verifier log truncated)/;

/** Parse a verifier log: the last instruction the verifier printed and the reason after it. */
export function parseVerifierLog(log: string): { lines: string[]; insnIndex?: number; insnText?: string; reason: string } {
  const lines = log.replace(/\0+$/, '').split('\n').map((l) => l.replace(/\s+$/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  let last = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (INSN_LINE.test(lines[i])) { last = i; break; }
  const meaningful = (l: string): boolean => l !== '' && !SUMMARY.test(l) && !l.startsWith(';');
  if (last < 0) {
    const reason = lines.filter(meaningful).slice(-1)[0] ?? '';
    return { lines, reason };
  }
  const m = INSN_LINE.exec(lines[last])!;
  const after = lines.slice(last + 1).filter(meaningful).filter((l) => !/^\d+: R\d/.test(l));
  return { lines, insnIndex: Number(m[1]), insnText: m[2], reason: after.join('; ') };
}

export interface TestRunOptions {
  /** Packet data for skb/xdp programs. */
  data?: Uint8Array;
  /** Room for data_out (default: input length + 256). */
  dataOutSize?: number;
  /** Context (for raw_tracepoint: the u64 argument array). */
  ctx?: Uint8Array;
  ctxOutSize?: number;
  /** Runs; 0 = once, and leaves `repeat` unset (raw_tracepoint rejects a repeat count). */
  repeat?: number;
  flags?: number;
  cpu?: number;
}
export interface TestRunResult {
  retval: number;
  /** Average run time in nanoseconds as the kernel measured it. */
  duration: number;
  data?: Uint8Array;
  ctx?: Uint8Array;
}

/** A loaded program. Owns its fd. */
export class Program {
  private _fd: number;
  private constructor(readonly spec: Readonly<ProgramSpec>, fd: number, readonly verifierLog: string) {
    this._fd = fd;
    track(this);
  }

  get fd(): number {
    if (this._fd < 0) throw new Error(`program '${this.spec.name}' is closed`);
    return this._fd;
  }
  get name(): string { return this.spec.name; }

  /**
   * BPF_PROG_LOAD. `maps` resolves the map references in the instructions (by name). On
   * rejection throws VerifierError with the full log (retrying with a larger log buffer when
   * the first one was too small).
   */
  static load(spec: ProgramSpec, maps: MapSet = {}, options: LoadOptions = {}): Program {
    const bound = bindMaps(spec.instructions, (ref) => {
      const m: BpfMap | undefined = mapByName(maps, ref);
      if (!m) throw new Error(`program '${spec.name}' refers to map '${ref}', which was not given to Program.load`);
      return m.fd;
    });
    const insns = encode(bound);
    const license = cString(spec.license ?? 'GPL');
    const btfFd = spec.btf ? loadBtf(spec.btf, spec.name) : -1;
    try {
      return Program.loadWith(spec, insns, license, btfFd, options);
    } finally {
      if (btfFd >= 0) closeFd(btfFd); // the program holds its own reference
    }
  }

  private static loadWith(spec: ProgramSpec, insns: Uint8Array, license: Uint8Array, btfFd: number, options: LoadOptions): Program {
    const attempt = (logLevel: number, logSize: number) => {
      const log = logLevel ? new Uint8Array(logSize) : null;
      const attr = new Attr()
        .u32(0, spec.type).u32(4, insns.byteLength / 8).ptr(8, insns).ptr(16, license)
        .u32(24, logLevel).u32(28, log ? logSize : 0).ptr(32, log)
        .u32(44, spec.flags ?? 0)
        .inlineString(48, objectName(spec.name), 16)
        .u32(68, spec.expectedAttachType ?? 0)
        .u32(72, btfFd >= 0 ? btfFd : 0)
        .u32(76, btfFd >= 0 && spec.funcInfo ? FUNC_INFO_REC_SIZE : 0).ptr(80, btfFd >= 0 ? spec.funcInfo : null)
        .u32(88, btfFd >= 0 && spec.funcInfo ? spec.funcInfo.byteLength / FUNC_INFO_REC_SIZE : 0)
        .u32(108, spec.attachBtfId ?? 0);
      // EAGAIN: the verifier gives up when a signal is pending (a profiler's SIGPROF, SIGCHLD of
      // a traced child), and the load is simply to be repeated, as libbpf does.
      let r = bpfRaw(BpfCmd.PROG_LOAD, attr);
      for (let retry = 0; r === -Errno.EAGAIN && retry < PROG_LOAD_RETRIES; retry++) r = bpfRaw(BpfCmd.PROG_LOAD, attr);
      const text = log ? Buffer.from(log.subarray(0, Math.max(0, log.indexOf(0)))).toString('utf8') : '';
      // log_true_size (kernel 6.4+): the size the whole log needs, to retry exactly once.
      return { r, text, trueSize: attr.getU32(140) };
    };

    const wanted = options.logLevel ?? 0;
    const level = wanted || 1;
    let size = options.logSize ?? 256 * 1024;
    let res = attempt(wanted, size);
    // Failed without a log: load again with one, to say why.
    if (res.r < 0 && wanted === 0) res = attempt(level, size);
    // ENOSPC: the log did not fit (with a log, even a valid program fails this way). Grow it.
    while (res.r === -Errno.ENOSPC && size < 1 << 30) {
      size = res.trueSize > size ? res.trueSize : size * 4;
      res = attempt(level, size);
    }
    if (res.r >= 0) return new Program(Object.freeze({ ...spec }), res.r, res.text);
    const errno = -res.r;
    // No log at all: the kernel refused before verifying (privileges, unknown type, size limits).
    if (res.text.trim() === '') {
      throw syscallError(`${bpfCmdName(BpfCmd.PROG_LOAD)} (${programTypeName(spec.type)} program '${spec.name}')`, errno);
    }
    throw new VerifierError(spec.name, errno, res.text, spec);
  }

  /** BPF_PROG_TEST_RUN: run the program in the kernel on `data`/`ctx`. */
  testRun(options: TestRunOptions = {}): TestRunResult {
    const data = options.data && options.data.byteLength ? options.data : null;
    const dataOut = data ? new Uint8Array(options.dataOutSize ?? data.byteLength + 256) : null;
    const ctx = options.ctx && options.ctx.byteLength ? options.ctx : null;
    const ctxOut = options.ctxOutSize ? new Uint8Array(options.ctxOutSize) : null;
    const attr = new Attr()
      .u32(0, this.fd)
      .u32(8, data?.byteLength ?? 0).u32(12, dataOut?.byteLength ?? 0).ptr(16, data).ptr(24, dataOut)
      .u32(32, options.repeat ?? 0)
      .u32(40, ctx?.byteLength ?? 0).u32(44, ctxOut?.byteLength ?? 0).ptr(48, ctx).ptr(56, ctxOut)
      .u32(64, options.flags ?? 0).u32(68, options.cpu ?? 0);
    bpf(BpfCmd.PROG_TEST_RUN, attr, `program '${this.name}'`);
    const result: TestRunResult = { retval: attr.getU32(4) | 0, duration: attr.getU32(36) };
    if (dataOut) result.data = dataOut.slice(0, attr.getU32(12));
    if (ctxOut) result.ctx = ctxOut.slice(0, attr.getU32(44));
    return result;
  }

  /**
   * BPF_OBJ_GET_INFO_BY_FD: the kernel's view of the program. Run time and count are collected
   * only while statistics are enabled (see enableRunTimeStats).
   */
  info(): ProgramInfo {
    const info = new Uint8Array(PROG_INFO_SIZE);
    bpf(BpfCmd.OBJ_GET_INFO_BY_FD, new Attr().u32(0, this.fd).u32(4, info.byteLength).ptr(8, info), `program '${this.name}'`);
    const v = new DataView(info.buffer);
    const nameBytes = info.subarray(64, 80);
    const end = nameBytes.indexOf(0);
    return {
      type: v.getUint32(0, true), id: v.getUint32(4, true),
      tag: Buffer.from(info.subarray(8, 16)).toString('hex'),
      jitedLength: v.getUint32(16, true), xlatedLength: v.getUint32(20, true),
      name: Buffer.from(nameBytes.subarray(0, end < 0 ? 16 : end)).toString('utf8'),
      runTimeNs: v.getBigUint64(192, true), runCount: v.getBigUint64(200, true),
      verifiedInstructions: v.getUint32(216, true),
    };
  }

  close(): void {
    if (this._fd < 0) return;
    closeFd(this._fd);
    this._fd = -1;
    untrack(this);
  }
}

/** sizeof(struct bpf_prog_info) in the uapi headers we were written against. */
const PROG_INFO_SIZE = 232;

export interface ProgramInfo {
  type: number;
  /** Kernel-wide id (what `bpftool prog show` lists). */
  id: number;
  /** The kernel's hash of the instructions, hex. */
  tag: string;
  jitedLength: number;
  xlatedLength: number;
  name: string;
  /** Total nanoseconds spent in the program while stats were enabled. */
  runTimeNs: bigint;
  runCount: bigint;
  verifiedInstructions: number;
}

/**
 * BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): programs accumulate run time and run count until the
 * returned handle is closed (the kernel keeps stats on while any such fd is open).
 */
export function enableRunTimeStats(): RunTimeStats {
  return new RunTimeStats(bpf(BpfCmd.ENABLE_STATS, new Attr().u32(0, 0 /* BPF_STATS_RUN_TIME */)));
}

export class RunTimeStats {
  private fd: number;
  constructor(fd: number) {
    this.fd = fd;
    track(this);
  }
  close(): void {
    if (this.fd < 0) return;
    closeFd(this.fd);
    this.fd = -1;
    untrack(this);
  }
}
