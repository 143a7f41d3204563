// Re-record expected outputs from bpftrace 0.17 (root needed):
//   node dist/test/lang/oracle/record.js --record [NAME-PREFIX ...]
// Only scripts whose sidecar does not say "live": false are recorded; their stdout is rewritten
// into the current release's format by differences.ts. Without --record this file does nothing
// (node --test may load every .js under dist/test/).
import { writeFileSync } from 'node:fs';
import { comparable, fromBpftrace017 } from './differences.js';
import { listScripts, runBpftrace } from './run.js';

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
