// bpfkit's public TypeScript API. Each layer is a namespace, in pipeline order, so a tool author
// picks the level they need: build instructions (isa), load them into the kernel (kernel), run
// them in userspace (vm, verifier), compile bpftrace scripts (lang + runtime) or packet filters
// (cbpf), and print what comes back (output).
export * as isa from './isa/index.js';
export * as kernel from './kernel/index.js';
export * as lang from './lang/index.js';
export * as output from './output/index.js';
export * as probes from './probes/index.js';
export * as ust from './ust/index.js';
export * as verifier from './vm/verifier/index.js';

export { Btf, BtfError } from './btf/btf.js';
export { VmMemory, MemoryFault } from './vm/memory.js';
export { Interpreter } from './vm/interpreter.js';
export { JitProgram } from './vm/jit/jit.js';
export { VmError } from './vm/errors.js';
export { VmMaps } from './vm/maps.js';
export { HelperRegistry, defaultHelpers } from './vm/helpers.js';
export { compileFilter } from './cbpf/filter/compile.js';
export { runCbpf } from './cbpf/interpreter.js';
export { cbpfToEbpf } from './cbpf/to-ebpf.js';
export { readCaptureFile, parseCapture, writePcap, writePcapng } from './cbpf/pcap.js';
export { Session } from './runtime/session.js';
export { UserError, SourceError } from './diagnostics.js';
