// The oracle suite for the whole language: every script in test/lang/oracle/scripts runs under
// bpfkit and is compared with its expected output; where bpftrace 0.17 can run the script, it
// runs live too and must still produce the recorded output (after the documented rewrites in
// oracle/differences.ts), so the expectations cannot rot.
//
// bpfkit not matching yet is a `todo` (with the reason), not a failure, unless the script is in
// oracle/locked.ts. A live bpftrace mismatch is always a failure: the expectation is wrong.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { needs } from '../support/environment.js';
import { comparable, fromBpftrace017 } from './oracle/differences.js';
import { LOCKED } from './oracle/locked.js';
import { bpfkitMain, firstDifference, listScripts, runBpfkit, runBpftrace, type OracleScript } from './oracle/run.js';

const scripts = listScripts();
const tally = { passing: 0, todo: 0, failed: 0 };
const todos: string[] = [];

function bpfkitVerdict(s: OracleScript, expected: string): string | undefined {
  if (!existsSync(bpfkitMain)) return 'bpfkit is not built (dist/bpfkit.cjs missing)';
  const r = runBpfkit(s);
  const status = s.sidecar.exitCode ?? 0;
  if (r.status !== status) {
    const why = r.stderr.trim().split('\n').slice(0, 2).join(' / ') || `signal ${r.signal}`;
    return `bpfkit exited ${r.status ?? r.signal} (want ${status}): ${why}`;
  }
  const ours = comparable(r.stdout);
  if (ours !== expected) return `bpfkit output differs: ${firstDifference(expected, ours)}`;
  return undefined;
}

describe('oracle: bpftrace language scripts', () => {
  test('the suite covers at least 80 scripts, each with an expected output', () => {
    assert.ok(scripts.length >= 80, `only ${scripts.length} scripts`);
    for (const s of scripts) {
      assert.ok(existsSync(s.expectedPath), `${s.name}: missing .out`);
      if (s.sidecar.live === false) assert.ok(s.sidecar.reason, `${s.name}: live:false needs a reason`);
    }
  });

  for (const s of scripts) {
    test(s.name, needs('bpftrace', 'gcc'), (t) => {
      const expected = comparable(readFileSync(s.expectedPath, 'utf8'));
      if (s.sidecar.live !== false) {
        const live = runBpftrace(s);
        assert.equal(live.status, s.sidecar.exitCode ?? 0, `bpftrace 0.17 failed: ${live.stderr}`);
        const theirs = comparable(fromBpftrace017(live.stdout, s.format));
        assert.equal(theirs, expected, `bpftrace 0.17 no longer matches ${s.name}.out: ${firstDifference(expected, theirs)}`);
      }
      const problem = bpfkitVerdict(s, expected);
      if (problem === undefined) {
        tally.passing++;
        return;
      }
      if (LOCKED.has(s.name)) {
        tally.failed++;
        assert.fail(`${s.name} is locked as passing: ${problem}`);
      }
      tally.todo++;
      todos.push(`${s.name}: ${problem}`);
      t.todo(problem);
    });
  }

  // Runs last (tests in a suite run in order): the one-line summary the lead reads in CI logs.
  test('summary', (t) => {
    const ran = tally.passing + tally.todo + tally.failed;
    const line = `oracle: ${scripts.length} scripts, ${tally.passing} passing, ${tally.todo} todo` +
      (tally.failed ? `, ${tally.failed} FAILED` : '') +
      (ran < scripts.length ? `, ${scripts.length - ran} not run (skipped)` : '');
    t.diagnostic(line);
    for (const todo of todos) t.diagnostic(`todo ${todo}`);
    process.stderr.write(line + '\n');
  });
});
