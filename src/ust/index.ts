// In-process tracepoints with eBPF filters for Node.js applications.
export { tracepoint, Tracepoint } from './tracepoint.js';
export type { Schema, AttachOptions, AttachedFilter, EngineKind, EngineUsed, Listener } from './tracepoint.js';
export { FilterError } from '../lang/filter/errors.js';
export { attachScript, UstScript, ScriptRejectedError } from './script.js';
export type { ScriptOptions } from './script.js';
