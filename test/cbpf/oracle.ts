// tcpdump as the oracle: which packets of /work/shared/pcaps an expression accepts. All captures
// of one link type are merged into one temporary file so that tcpdump runs once per expression
// and link type; its verdicts are cached for the run (in memory, never in the repository).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapturedPacket, parseCapture, readCaptureFile, writePcap } from '../../src/cbpf/pcap.js';

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
