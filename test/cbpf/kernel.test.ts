// The kernel as the judge of our classic programs: every program the compiler generates for the
// oracle expressions is accepted by SO_ATTACH_FILTER, programs our checker refuses are refused by
// the kernel too, and a live capture in a network namespace this test creates receives exactly
// the packets our interpreter says the filter accepts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { compileFilter } from '../../src/cbpf/filter/compile.js';
import { checkCbpf, CbpfCheckError } from '../../src/cbpf/checker.js';
import { runCbpf } from '../../src/cbpf/interpreter.js';
import { cinsn, CClass, CMode, COp, CJmp, CSrc, CSize, SKF_AD_OFF, type CbpfInstruction } from '../../src/cbpf/instruction.js';
import { readCaptureFile, LinkType } from '../../src/cbpf/pcap.js';
import { FilterSocket, inNetworkNamespace, SocketError } from '../../src/kernel/socket.js';
import { needs } from '../support/environment.js';
import { ORACLE_EXPRESSIONS } from './expressions.js';
import { PCAP_DIR } from './oracle.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

describe('kernel checks our classic programs', needs(), () => {
  it('SO_ATTACH_FILTER accepts every generated program', () => {
    const sock = FilterSocket.udp();
    let attached = 0;
    try {
      for (const linkType of [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.RAW]) {
        for (const e of ORACLE_EXPRESSIONS) {
          let program: CbpfInstruction[];
          try { program = compileFilter(e, { linkType, snaplen: 262144 }); } catch { continue; }
          sock.attachFilter(program);
          attached++;
        }
      }
      for (const e of ['inbound', 'outbound', 'ifindex 1']) { sock.attachFilter(compileFilter(e, { live: true })); attached++; }
    } finally {
      sock.close();
    }
    console.log(`# ${attached} programs attached`);
    assert.ok(attached > 300);
  });

  it('the kernel refuses what our checker refuses, and accepts what it accepts', () => {
    const ret = cinsn(CClass.RET | CSrc.K, 1);
    const cases: CbpfInstruction[][] = [
      [cinsn(CClass.ALU | COp.DIV | CSrc.K, 0), ret],
      [{ ...cinsn(CClass.JMP | CJmp.JEQ | CSrc.K, 1), jt: 1 }, ret],
      [cinsn(CClass.LD | CMode.MEM, 3), ret],
      [cinsn(CClass.ST, 16), ret],
      [cinsn(0xff), ret],
      [cinsn(CClass.LD | CSize.W | CMode.ABS, SKF_AD_OFF + 1000), ret],
      [cinsn(CClass.LD | CMode.IMM, 1)],
      [cinsn(CClass.ST, 2), cinsn(CClass.LD | CMode.MEM, 2), ret],
      [cinsn(CClass.LD | CSize.W | CMode.ABS, SKF_AD_OFF + 44), ret],
      [cinsn(CClass.ALU | COp.LSH | CSrc.K, 32), ret],
      [cinsn(CClass.ALU | COp.LSH | CSrc.K, 31), ret],
    ];
    const sock = FilterSocket.udp();
    try {
      for (const prog of cases) {
        let ours = true;
        try { checkCbpf(prog); } catch (e) { assert.ok(e instanceof CbpfCheckError); ours = false; }
        let kernel = true;
        try { sock.attachFilter(prog); } catch (e) { assert.ok(e instanceof SocketError); kernel = false; }
        assert.equal(ours, kernel, JSON.stringify(prog));
      }
    } finally {
      sock.close();
    }
  });
});

describe('live capture in a network namespace', needs('ip'), () => {
  const ns = `bpfkit-filter-${process.pid}`;
  const sh = (...args: string[]): string => execFileSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  before(() => {
    sh('ip', 'netns', 'add', ns);
    // No IPv6 autoconfiguration chatter: the only frames on the link are the ones we send.
    sh('ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1');
    sh('ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1');
    sh('ip', '-n', ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    sh('ip', '-n', ns, 'link', 'set', 'va', 'up');
    sh('ip', '-n', ns, 'link', 'set', 'vb', 'up');
  });
  after(() => { try { sh('ip', 'netns', 'del', ns); } catch { /* already gone */ } });

  for (const expression of ['tcp', 'udp port 53 or icmp', 'ip6', 'arp or tcp[tcpflags] & tcp-syn != 0', 'not ip']) {
    it(`receives exactly the accepted frames: ${expression}`, async () => {
      // The mix: untagged Ethernet frames from the corpus (the kernel moves VLAN tags out of the
      // frame on receive, so tagged frames would not reach the filter as captured).
      const frames: Uint8Array[] = [];
      for (const name of readdirSync(PCAP_DIR).filter((f) => f.endsWith('.pcap')).sort()) {
        let cap;
        try { cap = readCaptureFile(join(PCAP_DIR, name)); } catch { continue; }
        if (cap.linkType !== LinkType.ETHERNET) continue;
        for (const p of cap.packets.slice(0, 4)) {
          const type = p.data.length >= 14 ? (p.data[12]! << 8) | p.data[13]! : 0;
          if (p.data.length === p.wireLength && p.data.length >= 60 && p.data.length <= 1514 && type > 1500 && type !== 0x8100 && type !== 0x88a8 && type !== 0x9100) frames.push(p.data);
        }
      }
      const program = compileFilter(expression, { snaplen: 262144 });
      const expected = frames.filter((f) => runCbpf(program, f, f.length) !== 0).map((f) => Buffer.from(f).toString('hex'));
      const [tx, rx] = inNetworkNamespace(ns, () => [FilterSocket.packet('va'), FilterSocket.packet('vb')]);
      try {
        rx.attachFilter(program);
        while (rx.receive()) { /* drain anything queued before the filter was attached */ }
        for (const f of frames) tx.send(f);
        const got: string[] = [];
        for (;;) {
          const p = await rx.receiveWait(300);
          if (!p) break;
          got.push(Buffer.from(p.data).toString('hex'));
        }
        console.log(`# ${expression}: sent ${frames.length}, expected ${expected.length}, received ${got.length}`);
        assert.ok(expected.length > 0 && expected.length < frames.length, 'the mix has frames on both sides');
        assert.deepEqual(got.sort(), expected.sort());
      } finally {
        tx.close();
        rx.close();
      }
    });
  }
});
