// The trace filter language (LTTng style): parse, check against a record layout, compile to eBPF.
export { parseFilter } from './parser.js';
export { compileFilter } from './compile.js';
export type { CompiledFilter } from './compile.js';
export { FilterError } from './errors.js';
export { layoutRecord, DEFAULT_STRING_CAPACITY } from './layout.js';
export type { RecordLayout, FieldLayout, FieldType, IntType } from './layout.js';
export type { FilterExpr, Operand, CompareOp } from './ast.js';
