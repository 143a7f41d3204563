// The bpftrace language front end: text -> typed AST.
//   const program = parse(source, { file });          // syntax (ParseError)
//   const analysed = analyse(program, { source, ... }); // types, maps, probes (SemanticError)
// or both at once with frontEnd().

import { parse, parseExpression, ParseError, type ParseOptions } from './parser.js';
import { analyse, SemanticError, type AnalyseOptions, type AnalysedProgram } from './semantic.js';

export { parse, parseExpression, ParseError, analyse, SemanticError };
export type { ParseOptions, AnalyseOptions, AnalysedProgram };
export type { MapInfo, ProbeInfo, Warning } from './semantic.js';
export * as ast from './ast.js';
export * from './types.js';
export * from './probe-context.js';
export { printAst, astToJSON } from './print-ast.js';
export { parseFormat, formatSpecs, checkFormat, type FormatSpec, type FormatPiece } from './printf.js';
export { FUNCTIONS, type FunctionRule, type CallEnv } from './builtins.js';

/** Parse and analyse a script. */
export function frontEnd(source: string, options: AnalyseOptions & { file?: string } = {}): AnalysedProgram {
  const program = parse(source, { file: options.file ?? 'stdin' });
  return analyse(program, { ...options, source });
}
