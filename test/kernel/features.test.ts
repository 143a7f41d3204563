import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { needs } from '../support/environment.js';
import { haveHelper, haveKprobes, haveMapType, haveProgramType, probeFeatures, formatFeatures, vmlinuxFuncId, PROBED_MAP_TYPES, PROBED_PROGRAM_TYPES } from '../../src/kernel/features.js';
import { ProgramType } from '../../src/kernel/programs.js';
import { MapType } from '../../src/kernel/maps.js';
import { Helper } from '../../src/isa/helpers.js';

test('program and map type probes agree with bpftool feature probe', needs('bpftool'), () => {
  const oracle = JSON.parse(execFileSync('bpftool', ['-j', 'feature', 'probe', 'kernel'], { encoding: 'utf8' }));
  for (const t of PROBED_PROGRAM_TYPES) {
    const theirs = oracle.program_types[`have_${t.toLowerCase()}_prog_type`];
    if (theirs === undefined) continue; // newer than this bpftool
    assert.equal(haveProgramType(ProgramType[t]).available, theirs, `program type ${t}`);
  }
  for (const t of PROBED_MAP_TYPES) {
    const theirs = oracle.map_types[`have_${t.toLowerCase()}_map_type`];
    if (theirs === undefined) continue;
    assert.equal(haveMapType(MapType[t]).available, theirs, `map type ${t}`);
  }
});

test('helpers, kprobes and the cached report', needs(), () => {
  assert.equal(haveHelper(ProgramType.KPROBE, Helper.get_current_pid_tgid).available, true);
  assert.equal(haveHelper(ProgramType.KPROBE, 99999).available, false);
  assert.equal(haveHelper(ProgramType.SOCKET_FILTER, Helper.get_stackid).available, false);
  assert.equal(haveMapType(4242).available, false);
  assert.equal(haveKprobes().available, existsSync('/sys/bus/event_source/devices/kprobe'));
  assert.ok((vmlinuxFuncId('do_nanosleep') ?? 0) > 0);
  const a = probeFeatures();
  assert.equal(probeFeatures(), a, 'probed once');
  assert.match(formatFeatures(a), /^kernel \S+, BPF JIT/);
});
