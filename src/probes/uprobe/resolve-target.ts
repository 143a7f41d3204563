// Where a uprobe's target file is: `uprobe:/bin/bash:readline` names it; `uprobe:bash:readline`
// and `uprobe:libc:malloc` do not, and bpftrace resolves them the way a user expects:
//   1. with -p PID, a file mapped by that process whose name matches (what the process really runs);
//   2. a shared library by its soname stem through ld.so's cache (`libc` -> libc.so.6);
//   3. an executable through $PATH.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { MissingProbeError, UserError } from '../../diagnostics.js';

/** The target file is not there: a missing probe (config missing_probes), as a missing function is. */
export class UprobeTargetError extends MissingProbeError {
  constructor(message: string) { super(message); this.name = 'UprobeTargetError'; }
}

export interface LdCacheEntry {
  /** The soname, e.g. "libc.so.6". */
  name: string;
  /** The file, e.g. "/lib/x86_64-linux-gnu/libc.so.6". */
  path: string;
  /** ld.so's flags: bits 0-7 type (1 = ELF libc6), bits 8-11 arch (0x0300 = x86-64). */
  flags: number;
}

const MAGIC_NEW = 'glibc-ld.so.cache1.1';
const NEW_HEADER = 48;
const NEW_ENTRY = 24;

/**
 * Parse /etc/ld.so.cache in the "new" format (glibc >= 2.32 writes only that one, older glibc
 * appends it after the old format). String offsets in the new format are from the file start.
 */
export function parseLdCache(bytes: Uint8Array): LdCacheEntry[] {
  const text = new TextDecoder('latin1');
  let at = 0;
  if (text.decode(bytes.subarray(0, 11)) === 'ld.so-1.7.0') {
    // Old format first: header(12) + n * 12-byte entries, then the new format, 8-aligned.
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    at = (16 + n * 12 + 7) & ~7;
  }
  if (text.decode(bytes.subarray(at, at + MAGIC_NEW.length)) !== MAGIC_NEW) return [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = v.getUint32(at + 20, true);
  const str = (off: number): string => {
    let end = off;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return text.decode(bytes.subarray(off, end));
  };
  const out: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const e = at + NEW_HEADER + i * NEW_ENTRY;
    if (e + NEW_ENTRY > bytes.length) break;
    out.push({ flags: v.getInt32(e, true), name: str(v.getUint32(e + 4, true)), path: str(v.getUint32(e + 8, true)) });
  }
  return out;
}

/** Does a library file name match what the user wrote ("c", "libc", "libc.so", "libc.so.6")? */
export function libraryMatches(fileName: string, wanted: string): boolean {
  const stem = wanted.startsWith('lib') ? wanted : `lib${wanted}`;
  return fileName === wanted || fileName === stem || fileName.startsWith(`${stem}.so`) || fileName.startsWith(`${stem}-`) && fileName.includes('.so');
}

/** Files mapped executable by process `pid` (from /proc/PID/maps). */
export function mappedFiles(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    // -p names the wrong process: the command line's mistake, whatever missing_probes says.
    throw new UserError(`process ${pid} does not exist or its maps cannot be read`);
  }
  const files = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(/\s+/);
    if (f.length >= 6 && f[1].includes('x') && f[5].startsWith('/')) files.add(f.slice(5).join(' ').replace(/ \(deleted\)$/, ''));
  }
  return [...files];
}

const isExecutableFile = (p: string): boolean => {
  try {
    const s = statSync(p);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
};

let ldCache: LdCacheEntry[] | undefined;

/** Resolve the target part of a uprobe/usdt probe to an absolute, real file path. */
export function resolveUprobeTarget(target: string, opts: { pid?: number; ldCachePath?: string; path?: string } = {}): string {
  if (target.includes('/')) {
    if (!existsSync(target)) throw new UprobeTargetError(`uprobe target '${target}' does not exist`);
    return realpathSync(target);
  }
  if (opts.pid !== undefined) {
    const hit = mappedFiles(opts.pid).find((f) => basename(f) === target || libraryMatches(basename(f), target));
    if (hit) return hit.startsWith('/') ? `/proc/${opts.pid}/root${hit}` : hit;
  }
  const cachePath = opts.ldCachePath ?? '/etc/ld.so.cache';
  if (!ldCache || opts.ldCachePath) ldCache = existsSync(cachePath) ? parseLdCache(new Uint8Array(readFileSync(cachePath))) : [];
  // Prefer the native architecture's entry (x86-64 flag 0x0300) when several match.
  const libs = ldCache.filter((e) => libraryMatches(e.name, target)).sort((a, b) => ((b.flags & 0x0f00) === 0x0300 ? 1 : 0) - ((a.flags & 0x0f00) === 0x0300 ? 1 : 0));
  if (libs.length > 0 && existsSync(libs[0].path)) return realpathSync(libs[0].path);
  for (const dir of (opts.path ?? process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, target);
    if (dir && isExecutableFile(p)) return realpathSync(p);
  }
  throw new UprobeTargetError(`cannot find '${target}': not a path, not a library in ld.so's cache, not a program on PATH${opts.pid !== undefined ? `, not mapped by process ${opts.pid}` : ''}`);
}
