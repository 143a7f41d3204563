// Errors in a trace filter expression, pointing at the offending characters.
import { SourceError, Span } from '../../diagnostics.js';

export class FilterError extends SourceError {
  constructor(message: string, span: Span, source: string) {
    super(message, span, 'filter', source);
    this.name = 'FilterError';
  }
}
