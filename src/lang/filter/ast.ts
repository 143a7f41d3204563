// Syntax tree of a trace filter expression (LTTng's filter language): comparisons of event
// fields with integers or string globs, combined with && || ! and parentheses.
import type { Span } from '../../diagnostics.js';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Operand =
  | { kind: 'field'; name: string; span: Span }
  | { kind: 'int'; value: bigint; span: Span }
  | { kind: 'string'; value: string; span: Span };

export type FilterExpr =
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand; span: Span }
  /** A bare operand: true when non-zero (integers). */
  | { kind: 'truthy'; operand: Operand; span: Span }
  | { kind: 'not'; operand: FilterExpr; span: Span }
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr; span: Span };
