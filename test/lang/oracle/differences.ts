// THE one place that records how bpftrace 0.17 (the oracle installed here) differs from the
// current release (0.26, which bpfkit follows), and how the oracle suite bridges the gap.
//
// Expected outputs (.out) are in the CURRENT release's format. When they are recorded from
// bpftrace 0.17, `fromBpftrace017` rewrites 0.17's stdout into the current format; when the
// suite compares live, bpftrace 0.17's stdout goes through the same rewrite. Both sides then go
// through `comparable`, which only drops lines that carry no script output.
//
// Each entry says what differs, why, and how it is handled. Keep this list honest: a rewrite
// here hides a difference from every test.

export interface Difference {
  readonly id: string;
  readonly what: string;
  readonly handling: 'rewrite-0.17-output' | 'rewrite-0.17-source' | 'dropped-both' | 'avoided-in-scripts' | 'hand-written';
}

export const DIFFERENCES: readonly Difference[] = [
  {
    id: 'attach-line',
    what: '0.17 prints "Attaching N probes..."; the current release prints "Attached N probes" (text) '
      + 'and {"type": "attached_probes", "count": N, ...} (json). Informational, and the wording is '
      + 'owned by the CLI, so the line is dropped on both sides.',
    handling: 'dropped-both',
  },
  {
    id: 'hist-header-space',
    what: '0.17 prints a histogram map header as "@h: " (trailing space); the current release prints '
      + '"@h:" (src/output/text.cpp: `out << "]:" << std::endl`).',
    handling: 'rewrite-0.17-output',
  },
  {
    id: 'lhist-single-value',
    what: 'The current release prints a bucket holding one integer as "[3]" whenever its bounds are '
      + 'adjacent plain numbers (lhist with step 1); 0.17 prints "[3, 4)". 0.17 already collapses '
      + 'the log2 [0] and [1] buckets, and no other log2 bucket has adjacent bounds, so rewriting '
      + '"[n, n+1)" to "[n]" is exact.',
    handling: 'rewrite-0.17-output',
  },
  {
    id: 'json-exit-blank-lines',
    what: '0.17 prints two empty lines before the exit map dump even with -f json (not valid NDJSON); '
      + 'the current release prints nothing there in json mode (JsonOutput::end is empty).',
    handling: 'rewrite-0.17-output',
  },
  {
    id: 'json-hist-array-spacing',
    what: '0.17 separates histogram buckets with ", " in json; the current release uses "," '
      + '(arrays unspaced, objects spaced: src/output/json.cpp).',
    handling: 'rewrite-0.17-output',
  },
  {
    id: 'tracepoint-args-syntax',
    what: 'The current release makes tracepoint `args` a struct (`args.field`, since 0.19); 0.17 only '
      + 'accepts `args->field`. Scripts use the current syntax; the live 0.17 run gets `args.` '
      + 'rewritten to `args->`.',
    handling: 'rewrite-0.17-source',
  },
  {
    id: 'hist-64bit-truncation',
    what: '0.17 truncates hist() input to 32 bits (fixed in 0.20, "silent truncation of 64-bit '
      + 'values in hist()"): scripts keep hist values below 2^32.',
    handling: 'avoided-in-scripts',
  },
  {
    id: 'minmax-negative',
    what: '0.17 min()/max() start from 0 instead of "unset" (fixed in 0.22), so max of negatives '
      + 'differs: scripts use non-negative min/max inputs, or are hand-written.',
    handling: 'avoided-in-scripts',
  },
  {
    id: 'equal-value-order',
    what: 'bpftrace sorts map entries by value with an unstable sort, so entries with equal values '
      + 'come out in hash-table order: scripts give distinct values to entries of one map.',
    handling: 'avoided-in-scripts',
  },
  {
    id: 'trailing-blank-lines',
    what: '0.17 prints an empty line at exit for each map that was cleared (empty), the current '
      + 'release prints nothing for it; both print blank lines after histograms and stats maps. '
      + 'Empty lines at the very end of the output are dropped on both sides (blank lines between '
      + 'outputs are still compared).',
    handling: 'dropped-both',
  },
  {
    id: 'zeroed-map-exit',
    what: '0.17 prints cleared/zeroed scalar maps at exit with extra blank lines; the current '
      + 'release prints nothing for empty maps. Live-compared scripts do not leave cleared maps.',
    handling: 'avoided-in-scripts',
  },
  {
    id: 'stack-map-key-indent',
    what: '0.17 indents the frames of a stack used as a map key by 4 spaces (8 in printf/print); '
      + 'the current release formats every stack with the same 8-space indent (types_format.cpp '
      + 'passes 8 to get_stack for keys and values). No oracle script uses a stack as a key.',
    handling: 'avoided-in-scripts',
  },
  {
    id: 'printf-percent',
    what: '0.17 does not treat %% as an escape (prints the text after the last conversion raw and '
      + 'counts %%d as a conversion); printf() follows C printf(3). 057 is hand-written.',
    handling: 'hand-written',
  },
  {
    id: 'str-length',
    what: 'str(p, n): 0.17 copies n bytes, the current release n-1 bytes and a NUL (stdlib.md: '
      + 'str). 120 is hand-written.',
    handling: 'hand-written',
  },
  {
    id: 'unsorted-non-integer-maps',
    what: '0.17 prints maps whose values are not integers (strings, tuples) in hash-table order; '
      + 'the current release sorts them by key (integers signed, strings bytewise). 027 and 123 '
      + 'are hand-written.',
    handling: 'hand-written',
  },
  {
    id: 'new-language-features',
    what: 'Features newer than 0.17 (for loops, let, macros, has_key, len(@m), config blocks, '
      + 'hist(n, k), tuple map keys, print(@m[k]), exit(code), lowercase begin/end, %i/%+d/%#x in '
      + 'printf, more than 7 printf arguments): expected output written by hand from the current '
      + 'docs (stdlib.md, language.md) and marked `"live": false` with the reason in the sidecar.',
    handling: 'hand-written',
  },
  {
    id: 'missing-probes',
    what: '0.17 silently skips a uprobe whose function the binary lacks (and says "No probes to '
      + 'attach" when none is left) and has no config missing_probes; the current release fails on '
      + 'any probe it cannot attach unless missing_probes is "warn" or "ignore" (language.md, '
      + 'migration_guide.md). test/runtime/missing-probes.test.ts is hand-written.',
    handling: 'hand-written',
  },
];

/** Drop lines that are not script output (see 'attach-line'). Applied to every side. */
export function comparable(stdout: string): string {
  const lines = stdout
    .split('\n')
    .filter((l) => !/^Attach(ing|ed) \d+ probes?(\.\.\.)?$/.test(l) && !/^\{"type": ?"attached_probes"/.test(l));
  // 'trailing-blank-lines'
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? lines.join('\n') + '\n' : '';
}

/** Rewrite a bpftrace 0.17 stdout into what the current release prints for the same run. */
export function fromBpftrace017(stdout: string, format: 'text' | 'json'): string {
  let lines = stdout.split('\n');
  // 'hist-header-space'
  lines = lines.map((l) => (/^@.*: $/.test(l) ? l.slice(0, -1) : l));
  // 'lhist-single-value': re-pad the row as bpftrace does (label in 16 columns, count in 8).
  lines = lines.map((l) => {
    const m = /^\[(-?\d+), (-?\d+)\) *?(\d+)( \|.*)$/.exec(l);
    if (!m || BigInt(m[1]!) + 1n !== BigInt(m[2]!)) return l;
    return `[${m[1]}]`.padEnd(16) + m[3]!.padStart(8) + m[4];
  });
  if (format === 'json') {
    // 'json-exit-blank-lines': all empty lines are 0.17 artefacts in NDJSON (the final
    // newline is kept by re-joining).
    lines = lines.filter((l, i) => l !== '' || i === lines.length - 1);
    // 'json-hist-array-spacing'
    lines = lines.map((l) => l.replace(/\}, \{"(min|max|count)"/g, '},{"$1"'));
  }
  return lines.join('\n');
}

/** Source rewrite for the live 0.17 run ('tracepoint-args-syntax'). */
export function toBpftrace017Source(source: string): string {
  return source.replace(/(?<![$@\w])args\.(?=[A-Za-z_])/g, 'args->');
}
