// Installs dependencies and compiles TypeScript when needed, so that `npm start` and `npm test`
// work on a fresh clone with no other step. `--force` always recompiles (tests must see the tree).
import { existsSync, statSync, readdirSync, rmSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd) => execSync(cmd, { cwd: root, stdio: 'inherit' });

if (['typescript', 'koffi', 'esbuild'].some((pkg) => !existsSync(join(root, 'node_modules', pkg)))) {
  run('npm install --no-audit --no-fund');
}

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
// The bundle is written last, so it is the marker of a complete build.
const marker = join(root, 'dist', 'bpfkit.cjs');
const stale = !existsSync(marker) ||
  ['src', 'test', 'bench', 'tools'].some((d) => existsSync(join(root, d)) && newest(join(root, d)) > statSync(marker).mtimeMs);
// A forced build starts from an empty dist/: compiled files whose source is gone (a deleted or
// renamed test) would otherwise still run.
if (process.argv.includes('--force')) rmSync(join(root, 'dist'), { recursive: true, force: true });
if (process.argv.includes('--force') || stale) run('npm run -s build');
