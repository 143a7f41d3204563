// Without capabilities the kernel says EPERM; bpfkit must say what is missing, in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { needs } from '../support/environment.js';

const kernelDir = fileURLToPath(new URL('../../src/kernel/', import.meta.url));

test('without capabilities: PermissionError with a one-line explanation', needs('setpriv'), () => {
  const script = `
    const { BpfMap, mapSpecs } = await import(${JSON.stringify(kernelDir + 'maps.js')});
    const { PermissionError } = await import(${JSON.stringify(kernelDir + 'sys.js')});
    try {
      BpfMap.create(mapSpecs.hash('bpfkit_noperm', 4, 4, 4));
      console.log(JSON.stringify({ created: true }));
    } catch (e) {
      console.log(JSON.stringify({ name: e.name, isPermissionError: e instanceof PermissionError, rendered: e.render?.(), errno: e.errno }));
    }`;
  const out = execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: '/' });
  const r = JSON.parse(out.trim());
  assert.equal(r.isPermissionError, true, out);
  assert.equal(r.name, 'PermissionError');
  assert.equal(r.errno, 1);
  assert.equal(r.rendered.split('\n').length, 1);
  assert.match(r.rendered, /^error: BPF_MAP_CREATE .*was refused \(EPERM\): bpfkit needs CAP_BPF and CAP_PERFMON \(or CAP_SYS_ADMIN\)/);
});
