// Folded stacks ("root;caller;callee COUNT"), the interchange format of flame graph tools.
// Frames are given leaf-first (as stack walkers return them) and folded root-first.

export type FoldedStacks = Map<string, number>;

/** Add one sample (or `count` samples) of a leaf-first stack. */
export function addStack(folded: FoldedStacks, leafFirst: readonly string[], count = 1): void {
  if (leafFirst.length === 0) return;
  // ';' separates frames: a frame name containing one (rare: some JIT names) would split in two.
  const key = [...leafFirst].reverse().map((f) => f.replace(/;/g, ':')).join(';');
  folded.set(key, (folded.get(key) ?? 0) + count);
}

/** Render as text, one stack per line, sorted for stable output. */
export function formatFolded(folded: FoldedStacks): string {
  return [...folded.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k, n]) => `${k} ${n}\n`).join('');
}

/** Parse folded text back (tools exchange it; tests use it). */
export function parseFolded(text: string): FoldedStacks {
  const out: FoldedStacks = new Map();
  for (const line of text.split('\n')) {
    const m = /^(.*) (\d+)$/.exec(line);
    if (m) out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  }
  return out;
}
