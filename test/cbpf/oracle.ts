// tcpdump as the oracle: which packets of /work/shared/pcaps an expression accepts. All captures
// of one link type are merged into one temporary file so that tcpdump runs once per expression
// and link type; its verdicts are cached for the run (in memory, never in the repository).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapturedPacket, LinkType, parseCapture, readCaptureFile, writePcap } from '../../src/cbpf/pcap.js';

export const PCAP_DIR = process.env.BPFKIT_PCAPS ?? '/work/shared/pcaps';

export interface PacketRef { file: string; index: number; packet: CapturedPacket }
export interface LinkGroup { linkType: number; path: string; packets: PacketRef[] }
export interface Corpus { groups: LinkGroup[]; skipped: { file: string; error: string }[]; dir: string; close(): void }

/** Read every capture, check tcpdump can read it, merge per link type. */
export function loadCorpus(): Corpus {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-oracle-'));
  const skipped: { file: string; error: string }[] = [];
  const byLink = new Map<number, PacketRef[]>();
  for (const name of readdirSync(PCAP_DIR).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).sort()) {
    const file = join(PCAP_DIR, name);
    const td = spawnSync('tcpdump', ['-n', '-r', file, '-w', '/dev/null'], { encoding: 'utf8' });
    if (td.status !== 0) {
      const error = td.stderr.split('\n').filter((l) => !l.startsWith('reading from')).join(' ').trim();
      skipped.push({ file: name, error });
      continue;
    }
    const cap = readCaptureFile(file);
    const refs = byLink.get(cap.linkType) ?? [];
    cap.packets.forEach((packet, index) => refs.push({ file: name, index, packet }));
    byLink.set(cap.linkType, refs);
  }
  // No raw-IP or Linux cooked v2 captures in the corpus: derive them from the Ethernet frames
  // (tcpdump reads both link types, so it still judges), varying the cooked packet type so
  // that inbound/outbound have both answers.
  const ether = byLink.get(LinkType.ETHERNET) ?? [];
  const raw: PacketRef[] = [];
  const sll2: PacketRef[] = [];
  for (const ref of ether) {
    const d = ref.packet.data;
    if (d.length < 14) continue;
    const type = (d[12]! << 8) | d[13]!;
    if (type === 0x0800 || type === 0x86dd)
      raw.push({ ...ref, packet: { ...ref.packet, data: d.subarray(14), wireLength: ref.packet.wireLength - 14, linkType: LinkType.RAW } });
    if (type > 1500) {
      const h = new Uint8Array(20 + d.length - 14);
      h[0] = d[12]!; h[1] = d[13]!;
      new DataView(h.buffer).setUint32(4, 1 + (sll2.length % 3));
      h[9] = 1; // ARPHRD_ETHER
      h[10] = sll2.length % 5 === 0 ? 4 : 0; // some outgoing
      h[11] = 6;
      h.set(d.subarray(6, 12), 12);
      h.set(d.subarray(14), 20);
      sll2.push({ ...ref, packet: { ...ref.packet, data: h, wireLength: ref.packet.wireLength + 6, linkType: LinkType.LINUX_SLL2 } });
    }
  }
  byLink.set(LinkType.RAW, raw);
  byLink.set(LinkType.LINUX_SLL2, sll2);
  const groups: LinkGroup[] = [];
  for (const [linkType, packets] of byLink) {
    const path = join(dir, `merged-${linkType}.pcap`);
    writeFileSync(path, writePcap(packets.map((r) => r.packet), { linkType, snaplen: 262144 }));
    groups.push({ linkType, path, packets });
  }
  return { groups, skipped, dir, close: () => rmSync(dir, { recursive: true, force: true }) };
}

export type Verdict = { ok: true; accepted: Set<number> } | { ok: false; error: string };

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Indices (into group.packets) of the packets tcpdump accepts, or tcpdump's error. */
export function tcpdumpVerdict(group: LinkGroup, expression: string): Verdict {
  const r = spawnSync('tcpdump', ['-n', '-r', group.path, '-w', '-', '--', expression], { maxBuffer: 1 << 30 });
  if (r.status !== 0) return { ok: false, error: r.stderr.toString().split('\n').filter((l) => !l.startsWith('reading from')).join(' ').trim() };
  const out = parseCapture(new Uint8Array(r.stdout), 'tcpdump output');
  const accepted = new Set<number>();
  let i = 0;
  for (const p of out.packets) {
    while (i < group.packets.length && !(group.packets[i]!.packet.wireLength === p.wireLength && sameBytes(group.packets[i]!.packet.data, p.data))) i++;
    if (i === group.packets.length) throw new Error(`tcpdump output packet not found in the input for ${expression}`);
    accepted.add(i++);
  }
  return { ok: true, accepted };
}

/** `tcpdump -d` instruction count for an expression on a capture of the group's link type. */
export function tcpdumpProgramLength(group: LinkGroup, expression: string): number | undefined {
  const r = spawnSync('tcpdump', ['-r', group.path, '-d', '--', expression], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().split('\n').length;
}
