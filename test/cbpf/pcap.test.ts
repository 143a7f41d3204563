// Capture readers: every capture in the corpus, nanosecond and big-endian pcap, pcapng, checked
// against tcpdump reading the same bytes (packet count and timestamps).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseCapture, readCaptureFile, writePcap, writePcapng } from '../../src/cbpf/pcap.js';
import { needsPrograms } from '../support/environment.js';
import { PCAP_DIR } from './oracle.js';

/** Timestamps (ns, as text) of the packets tcpdump reads from a file: it rewrites them in its own
 * nanosecond pcap, which our reader then parses (an independent reader wrote those bytes). */
const tcpdumpTimes = (file: string): bigint[] | undefined => {
  const r = spawnSync('tcpdump', ['--nano', '-r', file, '-w', '-'], { maxBuffer: 1 << 28 });
  if (r.status !== 0) return undefined;
  const out = new Uint8Array(r.stdout);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  assert.equal(v.getUint32(0, true), 0xa1b23c4d, 'tcpdump --nano writes nanosecond pcap');
  const times: bigint[] = [];
  for (let off = 24; off + 16 <= out.length; off += 16 + v.getUint32(off + 8, true))
    times.push(BigInt(v.getUint32(off, true)) * 1_000_000_000n + BigInt(v.getUint32(off + 4, true)));
  return times;
};

describe('capture readers', needsPrograms('tcpdump'), () => {
  it('reads every capture with the packet count and timestamps tcpdump reports', () => {
    let files = 0;
    for (const name of readdirSync(PCAP_DIR).filter((f) => f.endsWith('.pcap'))) {
      const file = join(PCAP_DIR, name);
      const times = tcpdumpTimes(file);
      if (!times) { console.log(`# skipped ${name}: tcpdump cannot read it`); continue; }
      const cap = readCaptureFile(file);
      assert.equal(cap.packets.length, times.length, name);
      // A fraction field out of range (timestamp_invalid_*) is wrapped differently by libpcap.
      if (!name.includes('invalid')) cap.packets.forEach((p, i) => { assert.equal(p.timestampNs, times[i], `${name}#${i + 1}`); });
      files++;
    }
    assert.ok(files > 150);
  });

  it('round-trips through our writers: nanosecond, big endian, pcapng; tcpdump agrees', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-pcap-'));
    try {
      const src = readCaptureFile(join(PCAP_DIR, 'tcp-handshake-nano.pcap'));
      assert.ok(src.nanosecond);
      const variants = {
        'be.pcap': writePcap(src.packets, { linkType: src.linkType, nanosecond: true, bigEndian: true }),
        'le-us.pcap': writePcap(src.packets, { linkType: src.linkType }),
        'ng.pcapng': writePcapng(src.packets, { linkType: src.linkType, nanosecond: true }),
        'ng-be.pcapng': writePcapng(src.packets, { linkType: src.linkType, nanosecond: true, bigEndian: true }),
      };
      for (const [name, bytes] of Object.entries(variants)) {
        const back = parseCapture(bytes, name);
        assert.equal(back.packets.length, src.packets.length, name);
        back.packets.forEach((p, i) => {
          assert.deepEqual(Buffer.from(p.data), Buffer.from(src.packets[i]!.data));
          const want = name === 'le-us.pcap' ? (src.packets[i]!.timestampNs / 1000n) * 1000n : src.packets[i]!.timestampNs;
          assert.equal(p.timestampNs, want, name);
        });
        writeFileSync(join(dir, name), bytes);
        const times = tcpdumpTimes(join(dir, name));
        assert.deepEqual(times, back.packets.map((p) => p.timestampNs), `tcpdump on ${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
