// User-facing errors with a place in some source text. Every layer that reads text (assembler,
// bpftrace language, pcap filters, trace filters) throws a SourceError; the CLI renders it as
//   FILE:LINE:COL: error: message
//   <source line>
//   <caret and tildes under the span>
// and exits 1. The library just throws it.

export interface Span {
  /** 1-based line and column of the first character. */
  line: number;
  column: number;
  /** Length in characters on that line (>= 1); the caret is followed by length-1 tildes. */
  length?: number;
}

/** Base class of every error that is the user's input, not a bug: rendered without a stack. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
  /** The text the CLI prints. */
  render(): string {
    return `error: ${this.message}`;
  }
}

export class SourceError extends UserError {
  /** Lines printed after the quoted source as `note: ...` (what to do about it). */
  notes: string[] = [];

  constructor(
    message: string,
    readonly span: Span,
    /** File name as the user gave it ("stdin" for -e programs). */
    public file = 'stdin',
    /** The whole source text, to quote the line. */
    public source?: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }

  override render(): string {
    return renderDiagnostic(this.file, this.source, this.span, this.message) + this.notes.map((n) => `\nnote: ${n}`).join('');
  }
}

/**
 * A probe that names something absent here (a tracepoint, kernel or user function, binary, USDT
 * probe; a wildcard matching none) or that this kernel refuses to attach. Unlike the script's own
 * mistakes (bad probe syntax, type errors), these depend on the machine, so the script's config
 * `missing_probes` decides: "error" (the default), "warn" or "ignore" and skip the probe.
 */
export class MissingProbeError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'MissingProbeError';
  }
  override render(): string {
    return `error: ${this.message}\nnote: ${MISSING_PROBES_HINT}`;
  }
}

/**
 * A probe error's reason without the probe's name in front (`NAME: reason` -> `reason`): the
 * providers name the probe, and the diagnostics that quote them name it again or point at it.
 */
export function reasonFor(probe: string, message: string): string {
  return message.startsWith(`${probe}: `) ? message.slice(probe.length + 2) : message;
}

/** The values of config `missing_probes`. */
export type MissingProbes = 'error' | 'warn' | 'ignore';

/** What an error about a missing probe suggests (bpftrace says as much). */
export const MISSING_PROBES_HINT = 'if the probe may be absent, set config = { missing_probes = "warn" } (or "ignore") to skip it';

/** Render a diagnostic in the compiler style, quoting the line and underlining the span. */
export function renderDiagnostic(file: string, source: string | undefined, span: Span, message: string, kind = 'error'): string {
  const head = `${file}:${span.line}:${span.column}: ${kind}: ${message}`;
  if (source === undefined) return head;
  const text = source.split('\n')[span.line - 1];
  if (text === undefined) return head;
  const pad = text.slice(0, Math.max(0, span.column - 1)).replace(/[^\t]/g, ' ');
  const len = Math.max(1, Math.min(span.length ?? 1, Math.max(1, text.length - span.column + 1)));
  return `${head}\n${text}\n${pad}^${'~'.repeat(len - 1)}`;
}

/** Convert a 0-based character offset in `source` into a 1-based line/column span. */
export function spanAt(source: string, offset: number, length = 1): Span {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, length };
}
