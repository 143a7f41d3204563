// The userspace runtime's static verifier (see verifier.ts).
export { verify, COMPLEXITY_LIMIT } from './verifier.js';
export type { VerifiedProgram, VerifierOptions } from './verifier.js';
export { VerifierError } from './errors.js';
export { XDP_CONTEXT, recordContext, memoryContext } from './context.js';
export type { ContextSpec } from './context.js';
export type { MapInfo, MapKind } from './maps-info.js';
export { USERSPACE_HELPERS } from './helper-prototypes.js';
export type { HelperPrototype, ArgKind, RetKind } from './helper-prototypes.js';
export { kernelSyntax, logLine } from './disasm.js';
