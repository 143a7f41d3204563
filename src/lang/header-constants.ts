// Integer constants from `#include`d system headers (AF_INET from <sys/socket.h>, O_RDONLY from
// <fcntl.h>, ...), which bpftrace gets by running clang's preprocessor. We do not preprocess C:
// we read object-like `#define NAME VALUE` lines from the header and the headers it includes,
// and keep those whose value is an integer expression of literals and other such constants.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { arch } from 'node:os';

const MAX_FILES = 200;

function includeDirs(): string[] {
  const triple = arch() === 'arm64' ? 'aarch64-linux-gnu' : arch() === 'x64' ? 'x86_64-linux-gnu' : `${arch()}-linux-gnu`;
  return ['/usr/include', `/usr/include/${triple}`, '/usr/local/include'];
}

/** Raw `#define` bodies from `headers` and their includes (first definition wins). */
export function headerDefines(headers: { path: string; system: boolean }[], from = process.cwd()): Map<string, string> {
  const defs = new Map<string, string>();
  const seen = new Set<string>();
  const dirs = includeDirs();
  const find = (path: string, system: boolean, cur: string): string | undefined => {
    const cands = [...(system ? [] : [join(cur, path)]), ...dirs.map((d) => join(d, path))];
    return cands.find((c) => existsSync(c));
  };
  const visit = (file: string): void => {
    if (seen.has(file) || seen.size >= MAX_FILES) return;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    text = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\\\n/g, ' ');
    for (const line of text.split('\n')) {
      let m = /^\s*#\s*define\s+([A-Za-z_]\w*)(?!\()\s+(.+?)\s*(?:\/\/.*)?$/.exec(line);
      if (m) {
        if (!defs.has(m[1])) defs.set(m[1], m[2]);
        continue;
      }
      m = /^\s*#\s*include\s*([<"])([^>"]+)[>"]/.exec(line);
      if (m) {
        const f = find(m[2], m[1] === '<', dirname(file));
        if (f) visit(f);
      }
    }
  };
  for (const h of headers) {
    const f = find(h.path, h.system, from);
    if (f) visit(f);
  }
  return defs;
}

/**
 * Resolve `name` to an integer using the defines, or undefined when it is not an integer
 * constant. `evaluate` folds a C integer expression whose names are already replaced.
 */
export function resolveConstant(name: string, defs: Map<string, string>, evaluate: (expr: string) => bigint | undefined, depth = 0): bigint | undefined {
  const body = defs.get(name);
  if (body === undefined || depth > 16) return undefined;
  let failed = false;
  const substituted = body
    .replace(/\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]+\b/g, '$1')
    .replace(/\b[A-Za-z_]\w*\b/g, (n) => {
      const v = resolveConstant(n, defs, evaluate, depth + 1);
      if (v === undefined) failed = true;
      return v === undefined ? n : `(${v})`;
    });
  if (failed) return undefined;
  return evaluate(substituted);
}
