// Maintenance commands for the oracle suite (root needed). Without a flag this file does
// nothing (node --test may load every .js under dist/test/).
//
//   node dist/test/lang/oracle/record.js --record [NAME-PREFIX ...]
//     Re-record expected outputs from bpftrace 0.17. Only scripts whose sidecar does not say
//     "live": false are recorded; their stdout is rewritten into the current release's format
//     by differences.ts.
//   node dist/test/lang/oracle/record.js --lock
//     Run every script under bpfkit and rewrite locked.ts with the ones that pass (review the
//     diff before committing: a locked script that later fails is a regression).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparable, fromBpftrace017 } from './differences.js';
import { listScripts, oracleDir, runBpfkit, runBpftrace } from './run.js';

if (process.argv.includes('--lock')) {
  const passing: string[] = [];
  for (const s of listScripts()) {
    const r = runBpfkit(s);
    const ok = r.status === (s.sidecar.exitCode ?? 0) &&
      comparable(r.stdout) === comparable(readFileSync(s.expectedPath, 'utf8'));
    if (ok) passing.push(s.name);
    console.log(`${s.name}: ${ok ? 'pass' : 'not yet'}`);
  }
  const file = join(oracleDir, 'locked.ts');
  const text = readFileSync(file, 'utf8');
  const list = passing.map((n) => `  '${n}',`).join('\n');
  writeFileSync(file, text.replace(/new Set<string>\(\[[\s\S]*?\]\)/, `new Set<string>([\n${list}\n])`));
  console.log(`${passing.length} scripts locked in ${file}`);
}

if (process.argv.includes('--record')) {
  const wanted = process.argv.slice(2).filter((a) => a !== '--record');
  for (const s of listScripts()) {
    if (s.sidecar.live === false) continue;
    if (wanted.length && !wanted.some((w) => s.name.startsWith(w))) continue;
    const r = runBpftrace(s);
    const expectedStatus = s.sidecar.exitCode ?? 0;
    if (r.status !== expectedStatus) {
      console.error(`${s.name}: bpftrace exited ${r.status ?? r.signal}\n${r.stderr}`);
      continue;
    }
    writeFileSync(s.expectedPath, comparable(fromBpftrace017(r.stdout, s.format)));
    console.log(`${s.name}: recorded`);
  }
}
