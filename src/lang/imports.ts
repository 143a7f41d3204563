// `import "path";`: bpftrace scripts (.bt) are parsed and their macros, map declarations and
// probes merged into the importing program (imports first, so an imported begin runs before the
// importer's). Paths are relative to the importing script's directory; a directory imports its
// .bt files (non-recursive); each path is imported once; world-writable directories are refused
// (anyone could plant code there). C headers and .bpf.c files need a C compiler: not supported.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type * as A from './ast.js';
import { parse } from './parser.js';

type ErrorFn = (message: string, node: { span: A.Span }) => never;

export interface ImportOptions {
  /** Directory relative imports are resolved against (default: the script's directory, or cwd for stdin). */
  baseDir?: string;
  readFile?: (path: string) => string;
}

export function expandImports(program: A.Program, error: ErrorFn, options: ImportOptions = {}): void {
  if (program.imports.length === 0) return;
  const read = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const seen = new Set<string>();
  const base = options.baseDir ?? (program.file === 'stdin' ? process.cwd() : dirname(resolve(program.file)));

  const filesOf = (imp: A.Import, dir: string): string[] => {
    const path = resolve(dir, imp.path);
    let st;
    try {
      st = statSync(path);
    } catch {
      return error(`Import not found: ${imp.path} (looked for ${path})`, imp);
    }
    const parent = st.isDirectory() ? path : dirname(path);
    if ((statSync(parent).mode & 0o002) !== 0) {
      error(`Refusing to import from world-writable directory ${parent}`, imp);
    }
    if (st.isDirectory()) {
      return readdirSync(path).filter((f) => /\.(bt|h|bpf\.c)$/.test(f)).sort().map((f) => join(path, f));
    }
    return [path];
  };

  const merge = (into: A.Program, imp: A.Import, file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.bt')) error(`Importing ${file.endsWith('.h') ? 'C headers' : 'BPF C files'} is not supported: ${imp.path}`, imp);
    const text = read(file);
    const sub = parse(text, { file });
    if (sub.config) error(`An imported script cannot contain a config block: ${imp.path}`, imp);
    for (const p of sub.probes) p.origin = { file, source: text };
    for (const i of [...sub.imports].reverse()) for (const f of filesOf(i, dirname(file)).reverse()) merge(sub, i, f);
    into.cDefinitions.unshift(...sub.cDefinitions);
    into.mapDecls.unshift(...sub.mapDecls);
    into.macros.unshift(...sub.macros);
    into.probes.unshift(...sub.probes);
  };

  // Merge in reverse so the first import's probes come first.
  const imports = [...program.imports].reverse();
  for (const imp of imports) {
    for (const f of filesOf(imp, base).reverse()) merge(program, imp, f);
  }
}
