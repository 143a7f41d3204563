#!/usr/bin/env node
// The `bpfkit` executable. It runs the bundled CLI (dist/bpfkit.bundle.cjs, built by
// scripts/bundle-cli.mjs from src/cli/main.ts) through V8's code cache, which is how bpfkit starts
// in about a third of bpftrace's time (bench/startup.ts):
//   - one pre-linked file instead of ~90 ES modules that Node resolves, reads and links one by one;
//   - CommonJS, so it can be compiled by vm.Script, whose compiled code V8 can serialize: the first
//     run saves it next to the bundle, later runs load it instead of parsing 800 kB of JavaScript
//     (Node 22's module.enableCompileCache() does this; Node 20 has no such switch).
// The cache is an optimisation only: a missing, stale or unwritable cache just means a normal compile.
import { readFileSync, writeFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'bpfkit.bundle.cjs');
const cacheFile = `${bundle}.cache`;

// V8 checks a cache against the source's length, not its content: a rebuilt bundle of the same
// length would accept a stale cache. The bundle's size and mtime, written first, guard that.
const stat = statSync(bundle);
const stamp = `${stat.size}:${stat.mtimeMs}\n`;

function readCache(): Buffer | undefined {
  try {
    const data = readFileSync(cacheFile);
    return data.toString('latin1', 0, stamp.length) === stamp ? data.subarray(stamp.length) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(script: Script): void {
  const tmp = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]));
    renameSync(tmp, cacheFile); // atomic: a concurrent bpfkit reads the old cache or the new one
  } catch {
    try { unlinkSync(tmp); } catch { /* read-only install: run without a cache */ }
  }
}

let source = readFileSync(bundle, 'utf8');
if (source.startsWith('#!')) source = `//${source.slice(2)}`; // same length, so line numbers hold
const cachedData = readCache();
// The same wrapper Node puts around a CommonJS module, on the first line so stack lines match.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
// Saved at exit, not now: by then V8 has compiled the functions this run used, and they are
// in the cache too.
if (cachedData === undefined || script.cachedDataRejected) process.once('exit', () => writeCache(script));

const module_ = { exports: {} };
process.argv[1] = bundle;
script.runInThisContext()(module_.exports, createRequire(bundle), module_, bundle, __dirname);
