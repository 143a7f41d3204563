// bpfkit's kernel layer: the only code that calls the OS. Specs are plain data; BpfMap,
// Program, the links and the readers own kernel resources, have close(), and are closed on
// exit/SIGINT/SIGTERM by the cleanup registry.
export { BpfSyscallError, PermissionError, canTrace, nrPossibleCpus, possibleCpus, onlineCpus, pageSize, watchReadable } from './sys.js';
export type { FdWatch } from './sys.js';
export { track, untrack, closeAll, openCount } from './cleanup.js';
export type { Closeable } from './cleanup.js';
export { BpfMap, MapType, MapFlags, UpdateFlags, mapSpecs, mapTypeName, objectName } from './maps.js';
export type { MapSpec, MapSet } from './maps.js';
export * as codecs from './codecs.js';
export { TypedMap, sumPerCpuU64, stackAddresses } from './codecs.js';
export type { Codec } from './codecs.js';
export { Program, ProgramType, AttachType, VerifierError, parseVerifierLog, programTypeName, enableRunTimeStats, RunTimeStats } from './programs.js';
export type { ProgramSpec, LoadOptions, TestRunOptions, TestRunResult, ProgramInfo } from './programs.js';
export { PerfConst } from './perf.js';
export type { Link } from './links/link.js';
export { TracepointLink } from './links/tracepoint.js';
export { RawTracepointLink } from './links/raw-tracepoint.js';
export { UprobeLink, uprobePmu } from './links/uprobe.js';
export type { UprobeOptions } from './links/uprobe.js';
export { PerfEventLink, SOFTWARE_EVENTS } from './links/perf-event.js';
export type { PerfEventOptions } from './links/perf-event.js';
export { RingBufReader } from './readers/ringbuf.js';
export { PerfBufReader } from './readers/perfbuf.js';
export type { PerfBufOptions } from './readers/perfbuf.js';
export { Collection } from './collection.js';
export type { CollectionSpec } from './collection.js';
export type { RingBufOptions, RecordCallback } from './readers/ringbuf.js';
export { UsdtLink } from './links/usdt.js';
export { KprobeLink, KprobesUnavailableError, kprobePmu } from './links/kprobe.js';
