import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SOFTWARE_EVENTS, HARDWARE_EVENTS, findPerfEvent } from '../../src/probes/perf/event-names.js';

test('event configs agree with the uapi header', () => {
  const header = readFileSync('/usr/include/linux/perf_event.h', 'utf8');
  const value = (sym: string) => Number(new RegExp(`${sym}\\s*=\\s*(\\d+)`).exec(header)![1]);
  const sw: Record<string, string> = { 'cpu-clock': 'CPU_CLOCK', 'task-clock': 'TASK_CLOCK', 'page-faults': 'PAGE_FAULTS', 'context-switches': 'CONTEXT_SWITCHES', 'cpu-migrations': 'CPU_MIGRATIONS', 'minor-faults': 'PAGE_FAULTS_MIN', 'major-faults': 'PAGE_FAULTS_MAJ', 'alignment-faults': 'ALIGNMENT_FAULTS', 'emulation-faults': 'EMULATION_FAULTS', dummy: 'DUMMY', 'bpf-output': 'BPF_OUTPUT' };
  for (const e of SOFTWARE_EVENTS) assert.equal(e.config, value(`PERF_COUNT_SW_${sw[e.name]}`), e.name);
  const hw: Record<string, string> = { 'cpu-cycles': 'CPU_CYCLES', instructions: 'INSTRUCTIONS', 'cache-references': 'CACHE_REFERENCES', 'cache-misses': 'CACHE_MISSES', 'branch-instructions': 'BRANCH_INSTRUCTIONS', 'branch-misses': 'BRANCH_MISSES', 'bus-cycles': 'BUS_CYCLES', 'frontend-stalls': 'STALLED_CYCLES_FRONTEND', 'backend-stalls': 'STALLED_CYCLES_BACKEND', 'ref-cycles': 'REF_CPU_CYCLES' };
  for (const e of HARDWARE_EVENTS) assert.equal(e.config, value(`PERF_COUNT_HW_${hw[e.name]}`), e.name);
});

test('aliases resolve; every documented name is known', () => {
  assert.equal(findPerfEvent(SOFTWARE_EVENTS, 'cs')?.name, 'context-switches');
  assert.equal(findPerfEvent(HARDWARE_EVENTS, 'cycles')?.config, 0);
  assert.equal(findPerfEvent(SOFTWARE_EVENTS, 'nope'), undefined);
  const doc = readFileSync(new URL('../../../../shared/reference/bpftrace/language.md', import.meta.url), 'utf8');
  for (const section of ['software', 'hardware']) {
    const body = doc.split(`### ${section}\n`)[1].split('\n### ')[0].split('event names are:')[1];
    const names = [...body.matchAll(/^\* `([a-z-]+)`/gm)].map((m) => m[1]).filter((n) => !n.includes(':'));
    const list = section === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS;
    for (const n of names) assert.ok(findPerfEvent(list, n), `${section}:${n}`);
  }
});
