// `bpfkit filter` end to end: counts and written files agree with tcpdump, listings are tcpdump's
// format, user errors are one rendered message with exit code 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '../../src/cbpf/pcap.js';
import { needsPrograms } from '../support/environment.js';

const MAIN = fileURLToPath(new URL('../../bpfkit.cjs', import.meta.url));
const bpfkit = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'filter', ...args], { encoding: 'utf8' });
const SSH = '/work/shared/pcaps/ssh.pcap';

describe('bpfkit filter', needsPrograms('tcpdump'), () => {
  it('-c counts what tcpdump prints', () => {
    for (const e of ['tcp port 22', 'tcp[tcpflags] & tcp-syn != 0', 'greater 1000']) {
      const r = bpfkit('-c', '-r', SSH, e);
      assert.equal(r.status, 0, r.stderr);
      const td = spawnSync('tcpdump', ['-n', '-r', SSH, e], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).length;
      assert.equal(Number(r.stdout.trim()), td, e);
    }
  });
  it('prints one line per matching packet', () => {
    const r = bpfkit('-r', SSH, 'tcp[tcpflags] & tcp-syn != 0');
    assert.equal(r.status, 0);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^10:50:09\.891237 IP 202\.108\.87\.165\.62146 > 223\.132\.53\.222\.22: TCP, length 78$/);
  });
  it('-w writes the matching packets, readable by tcpdump', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-cli-'));
    try {
      const out = join(dir, 'm.pcap');
      assert.equal(bpfkit('-w', out, '-r', SSH, 'greater 500').status, 0);
      assert.equal(readCaptureFile(out).packets.length, Number(bpfkit('-c', '-r', SSH, 'greater 500').stdout));
      const td = spawnSync('tcpdump', ['-n', '-r', out], { encoding: 'utf8' });
      assert.equal(td.status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('-d on a tcpdump-optimal expression is tcpdump -d', () => {
    for (const e of ['tcp', 'arp', 'less 100', 'ip6 proto 6', 'icmp[icmptype] == icmp-echo'])
      assert.equal(bpfkit('-d', '-r', SSH, e).stdout, spawnSync('tcpdump', ['-r', SSH, '-d', e], { encoding: 'utf8' }).stdout);
  });
  it('--ebpf prints a kernel-style listing', () => {
    const r = bpfkit('--ebpf', 'ip');
    assert.match(r.stdout, /^0: \(ac\) w0 \^= w0$/m);
    assert.match(r.stdout, /r0 = \*\(u16 \*\)skb\[12\]/);
  });
  it('errors are rendered with a caret and exit 1', () => {
    const r = bpfkit('-r', SSH, 'tcp port 70000');
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'filter:1:10: error: port number out of range: 70000 > 65535\ntcp port 70000\n         ^~~~~\n');
    const s = bpfkit('-r', SSH, 'tcp and (');
    assert.equal(s.status, 1);
    assert.match(s.stderr, /^filter:1:10: error: syntax error\n/);
    assert.match(bpfkit('-r', SSH, 'host no-such-host-bpfkit').stderr, /unknown host 'no-such-host-bpfkit'/);
    assert.match(bpfkit('-r', '/work/shared/pcaps/tcp-handshake-nano.pcap', 'vlan').stderr, /no VLAN support for Linux cooked v1/);
  });
});
