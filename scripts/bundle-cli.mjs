// Builds the `bpfkit` executable from the compiled CLI (see src/cli/launcher.cts for why):
//   dist/bpfkit.bundle.cjs  dist/src/cli/main.js and everything it imports, one CommonJS file
//   dist/bpfkit.cjs         the launcher, which runs the bundle through V8's code cache
// The library API (dist/src/index.js) stays unbundled ES modules. koffi stays external: it is a
// native addon.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url).pathname;
const src = new URL('../src/', import.meta.url).pathname;

rmSync(`${dist}bpfkit.bundle.cjs.cache`, { force: true });
await build({
  entryPoints: [`${dist}src/cli/main.js`],
  outfile: `${dist}bpfkit.bundle.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi'],
  // ES modules are strict and have import.meta.url; the CommonJS bundle must keep both.
  banner: { js: '"use strict";const __bpfkitModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__bpfkitModuleUrl' },
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Written last: ensure-built.mjs takes it as the marker of a complete build.
await build({
  entryPoints: [`${src}cli/launcher.cts`],
  outfile: `${dist}bpfkit.cjs`,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
});
