// Our -d/-dd/-ddd listings of tcpdump's own programs are byte-identical to tcpdump's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { formatC, formatDecimal, formatListing, parseDump } from '../../src/cbpf/listing.js';
import { checkCbpf, CbpfCheckError } from '../../src/cbpf/checker.js';
import { runCbpf } from '../../src/cbpf/interpreter.js';
import { cinsn, CClass, CMode, CSize, CJmp, CSrc, COp, SKF_AD_OFF, SkfAd } from '../../src/cbpf/instruction.js';
import { needsPrograms } from '../support/environment.js';
import { ORACLE_EXPRESSIONS } from './expressions.js';

const CAPTURES = ['/work/shared/pcaps/ssh.pcap', '/work/shared/pcaps/tcp-handshake-nano.pcap'];
const tcpdump = (args: string[]): string | undefined => {
  const r = spawnSync('tcpdump', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
};

describe('listings identical to tcpdump', needsPrograms('tcpdump'), () => {
  it('-d, -dd and -ddd of tcpdump programs', () => {
    let compared = 0;
    for (const file of CAPTURES) {
      for (const e of [...ORACLE_EXPRESSIONS, 'ip[1] % 3 ^ 1 << 2 >> 1 | 5 = -ip[2]', 'ip[0] * 3 / 2 + 1 - len = ip[1] | 4']) {
        const dd = tcpdump(['-r', file, '-dd', '--', e]);
        if (dd === undefined) continue;
        const program = parseDump(dd);
        assert.equal(formatC(program), dd, e);
        assert.equal(formatListing(program), tcpdump(['-r', file, '-d', '--', e]), e);
        assert.equal(formatDecimal(program), tcpdump(['-r', file, '-ddd', '--', e]), e);
        checkCbpf(program);
        compared++;
      }
    }
    assert.ok(compared > 150);
  });
});

describe('classic BPF checker (kernel rules)', () => {
  const ret = cinsn(CClass.RET | CSrc.K, 1);
  const bad: [string, ReturnType<typeof cinsn>[]][] = [
    ['empty', []],
    ['no final return', [cinsn(CClass.LD | CMode.IMM, 1)]],
    ['division by zero', [cinsn(CClass.ALU | COp.DIV | CSrc.K, 0), ret]],
    ['jump past the end', [{ ...cinsn(CClass.JMP | CJmp.JEQ | CSrc.K, 1), jt: 1, jf: 0 }, ret]],
    ['memory read before write', [cinsn(CClass.LD | CMode.MEM, 3), ret]],
    ['memory slot 16', [cinsn(CClass.ST, 16), ret]],
    ['unknown opcode', [cinsn(0xff), ret]],
    ['unknown ancillary', [cinsn(CClass.LD | CSize.W | CMode.ABS, SKF_AD_OFF + 1000), ret]],
    ['shift by 32', [cinsn(CClass.ALU | COp.LSH | CSrc.K, 32), ret]],
  ];
  for (const [name, prog] of bad) it(`refuses: ${name}`, () => assert.throws(() => checkCbpf(prog), CbpfCheckError));
  it('accepts memory written on every path', () => {
    checkCbpf([cinsn(CClass.ST, 2), cinsn(CClass.LD | CMode.MEM, 2), ret]);
  });
});

describe('classic BPF interpreter', () => {
  it('ancillary loads read packet metadata', () => {
    const prog = [
      cinsn(CClass.LD | CSize.W | CMode.ABS, SKF_AD_OFF + SkfAd.VLAN_TAG), cinsn(CClass.MISC), // tax
      cinsn(CClass.LD | CSize.W | CMode.ABS, SKF_AD_OFF + SkfAd.IFINDEX), cinsn(CClass.ALU | COp.ADD | CSrc.X),
      cinsn(CClass.RET | 0x10),
    ];
    assert.equal(runCbpf(prog, new Uint8Array(10), 10, { vlanTci: 100, ifindex: 7 }), 107);
  });
  it('a load past the captured bytes rejects', () => {
    assert.equal(runCbpf([cinsn(CClass.LD | CSize.W | CMode.ABS, 8), cinsn(CClass.RET | CSrc.K, 1)], new Uint8Array(11)), 0);
    assert.equal(runCbpf([cinsn(CClass.LD | CSize.W | CMode.ABS, 7), cinsn(CClass.RET | CSrc.K, 1)], new Uint8Array(11)), 1);
  });
  it('len is the wire length', () => {
    assert.equal(runCbpf([cinsn(CClass.LD | CSize.W | CMode.LEN), cinsn(CClass.RET | 0x10)], new Uint8Array(4), 1500), 1500);
  });
});
