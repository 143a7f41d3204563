// Capture files: pcap (micro- and nanosecond, either byte order) and pcapng (section header,
// interface description, enhanced/simple/obsolete packet blocks) readers, and a pcap writer.
import { readFileSync } from 'node:fs';
import { UserError } from '../diagnostics.js';

export const LinkType = { NULL: 0, ETHERNET: 1, RAW: 101, LINUX_SLL: 113, LINUX_SLL2: 276, IPV4: 228, IPV6: 229 } as const;

export interface CapturedPacket {
  /** Timestamp in nanoseconds since the epoch. */
  timestampNs: bigint;
  /** The captured bytes (caplen = data.length). */
  data: Uint8Array;
  /** Length on the wire. */
  wireLength: number;
  linkType: number;
  /** pcapng interface index (0 for pcap). */
  interfaceId: number;
}

export interface Capture {
  format: 'pcap' | 'pcapng';
  linkType: number;
  snaplen: number;
  nanosecond: boolean;
  bigEndian: boolean;
  packets: CapturedPacket[];
  /** Set when the file ends in the middle of a record (the packets before it are kept). */
  truncated?: string;
}

export class CaptureFormatError extends UserError {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CaptureFormatError';
  }
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export function readCaptureFile(path: string): Capture {
  return parseCapture(readFileSync(path), path);
}

export function parseCapture(bytes: Uint8Array, name = 'capture'): Capture {
  if (bytes.length < 4) throw new CaptureFormatError(name, 'file is too short to be a capture');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, true);
  if (magic === PCAPNG_SHB) return parsePcapng(bytes, v, name);
  return parsePcap(bytes, v, name);
}

function parsePcap(bytes: Uint8Array, v: DataView, name: string): Capture {
  const m = v.getUint32(0, true);
  let le: boolean;
  let nanosecond: boolean;
  if (m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS) le = true;
  else if (v.getUint32(0, false) === PCAP_MAGIC_US || v.getUint32(0, false) === PCAP_MAGIC_NS) le = false;
  else throw new CaptureFormatError(name, `unknown file format (magic 0x${v.getUint32(0, false).toString(16)})`);
  nanosecond = v.getUint32(0, le) === PCAP_MAGIC_NS;
  if (bytes.length < 24) throw new CaptureFormatError(name, 'truncated pcap file header');
  const snaplen = v.getUint32(16, le);
  // The top bits of the link-type field carry FCS information; the link type is the low 28 bits.
  const linkType = v.getUint32(20, le) & 0x0fffffff;
  const packets: CapturedPacket[] = [];
  let off = 24;
  let truncated: string | undefined;
  const unit = nanosecond ? 1n : 1000n;
  while (off < bytes.length) {
    if (off + 16 > bytes.length) { truncated = 'truncated dump file; tried to read 16 header bytes'; break; }
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const caplen = v.getUint32(off + 8, le);
    const wire = v.getUint32(off + 12, le);
    if (caplen > Math.max(snaplen, 262144)) throw new CaptureFormatError(name, `invalid packet capture length ${caplen}, bigger than snaplen of ${Math.max(snaplen, 262144)}`);
    if (off + 16 + caplen > bytes.length) { truncated = `truncated dump file; tried to read ${caplen} captured bytes, only got ${bytes.length - off - 16}`; break; }
    packets.push({
      timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * unit,
      data: bytes.subarray(off + 16, off + 16 + caplen),
      wireLength: wire,
      linkType,
      interfaceId: 0,
    });
    off += 16 + caplen;
  }
  return { format: 'pcap', linkType, snaplen, nanosecond, bigEndian: !le, packets, truncated };
}

function parsePcapng(bytes: Uint8Array, v: DataView, name: string): Capture {
  const packets: CapturedPacket[] = [];
  let le = true;
  let interfaces: { linkType: number; snaplen: number; tsUnitNs: number; tsDivisor: bigint; tsMul: bigint }[] = [];
  let off = 0;
  let truncated: string | undefined;
  let snaplen = 0;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) { truncated = 'truncated pcapng block header'; break; }
    const type = v.getUint32(off, le);
    if (type === PCAPNG_SHB) {
      const bom = v.getUint32(off + 8, true);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (v.getUint32(off + 8, false) === BYTE_ORDER_MAGIC) le = false;
      else throw new CaptureFormatError(name, 'pcapng section header has a bad byte-order magic');
      interfaces = [];
    }
    const blockLen = v.getUint32(off + 4, le);
    if (blockLen < 12 || blockLen % 4 !== 0) throw new CaptureFormatError(name, `pcapng block at ${off} has bad length ${blockLen}`);
    if (off + blockLen > bytes.length) { truncated = `truncated pcapng block at ${off}`; break; }
    const body = off + 8;
    const bodyEnd = off + blockLen - 4;
    switch (type >>> 0) {
      case 1: { // Interface Description Block
        const linkType = v.getUint16(body, le);
        const snap = v.getUint32(body + 4, le);
        let tsMul = 1000n; // default resolution: microseconds -> ns multiplier
        let tsDivisor = 1n;
        for (let o = body + 8; o + 4 <= bodyEnd;) {
          const code = v.getUint16(o, le);
          const len = v.getUint16(o + 2, le);
          if (code === 0) break;
          if (code === 9 && len >= 1) { // if_tsresol
            const r = bytes[o + 4]!;
            const exp = r & 0x7f;
            // Units per second: 10^exp or 2^exp; convert ticks to ns.
            const perSec = r & 0x80 ? 2n ** BigInt(exp) : 10n ** BigInt(exp);
            if (perSec <= 1_000_000_000n && 1_000_000_000n % perSec === 0n) { tsMul = 1_000_000_000n / perSec; tsDivisor = 1n; }
            else { tsMul = 1_000_000_000n; tsDivisor = perSec; }
          }
          o += 4 + ((len + 3) & ~3);
        }
        interfaces.push({ linkType, snaplen: snap, tsUnitNs: 0, tsDivisor, tsMul });
        if (!snaplen) snaplen = snap;
        break;
      }
      case 6: { // Enhanced Packet Block
        const ifid = v.getUint32(body, le);
        const iface = interfaces[ifid];
        if (!iface) throw new CaptureFormatError(name, `packet refers to undeclared interface ${ifid}`);
        const ts = (BigInt(v.getUint32(body + 4, le)) << 32n) | BigInt(v.getUint32(body + 8, le));
        const caplen = v.getUint32(body + 12, le);
        const wire = v.getUint32(body + 16, le);
        if (body + 20 + caplen > bodyEnd) throw new CaptureFormatError(name, `packet at ${off} overruns its block`);
        packets.push({
          timestampNs: (ts * iface.tsMul) / iface.tsDivisor,
          data: bytes.subarray(body + 20, body + 20 + caplen),
          wireLength: wire,
          linkType: iface.linkType,
          interfaceId: ifid,
        });
        break;
      }
      case 3: { // Simple Packet Block: no timestamp, caplen = min(wire, snaplen)
        const iface = interfaces[0];
        if (!iface) throw new CaptureFormatError(name, 'simple packet block without an interface');
        const wire = v.getUint32(body, le);
        const caplen = Math.min(wire, iface.snaplen || wire, bodyEnd - body - 4);
        packets.push({ timestampNs: 0n, data: bytes.subarray(body + 4, body + 4 + caplen), wireLength: wire, linkType: iface.linkType, interfaceId: 0 });
        break;
      }
      case 2: { // obsolete Packet Block
        const ifid = v.getUint16(body, le);
        const iface = interfaces[ifid];
        if (!iface) throw new CaptureFormatError(name, `packet refers to undeclared interface ${ifid}`);
        const ts = (BigInt(v.getUint32(body + 4, le)) << 32n) | BigInt(v.getUint32(body + 8, le));
        const caplen = v.getUint32(body + 12, le);
        const wire = v.getUint32(body + 16, le);
        packets.push({ timestampNs: (ts * iface.tsMul) / iface.tsDivisor, data: bytes.subarray(body + 20, body + 20 + caplen), wireLength: wire, linkType: iface.linkType, interfaceId: ifid });
        break;
      }
      default:
        break; // name resolution, statistics, custom blocks: not needed for filtering
    }
    off += blockLen;
  }
  const linkType = interfaces[0]?.linkType ?? LinkType.ETHERNET;
  return { format: 'pcapng', linkType, snaplen: snaplen || 262144, nanosecond: true, bigEndian: !le, packets, truncated };
}

export interface PcapWriterOptions {
  linkType: number;
  snaplen?: number;
  nanosecond?: boolean;
  bigEndian?: boolean;
}

/** Serialise packets as a classic pcap file. */
export function writePcap(packets: Iterable<Pick<CapturedPacket, 'timestampNs' | 'data' | 'wireLength'>>, options: PcapWriterOptions): Uint8Array {
  const list = [...packets];
  const total = 24 + list.reduce((s, p) => s + 16 + p.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  const le = !options.bigEndian;
  const ns = options.nanosecond ?? false;
  v.setUint32(0, ns ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, options.snaplen ?? 262144, le);
  v.setUint32(20, options.linkType, le);
  let off = 24;
  for (const p of list) {
    const sec = p.timestampNs / 1_000_000_000n;
    const sub = p.timestampNs % 1_000_000_000n;
    v.setUint32(off, Number(BigInt.asUintN(32, sec)), le);
    v.setUint32(off + 4, Number(ns ? sub : sub / 1000n), le);
    v.setUint32(off + 8, p.data.length, le);
    v.setUint32(off + 12, p.wireLength, le);
    out.set(p.data, off + 16);
    off += 16 + p.data.length;
  }
  return out;
}

/** Serialise packets as pcapng (one section, one interface); used by tests of the reader. */
export function writePcapng(packets: Iterable<Pick<CapturedPacket, 'timestampNs' | 'data' | 'wireLength'>>, options: PcapWriterOptions): Uint8Array {
  const le = !options.bigEndian;
  const chunks: Uint8Array[] = [];
  const block = (type: number, body: Uint8Array): void => {
    const len = 12 + ((body.length + 3) & ~3);
    const b = new Uint8Array(len);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, le);
    v.setUint32(4, len, le);
    b.set(body, 8);
    v.setUint32(len - 4, len, le);
    chunks.push(b);
  };
  const shb = new Uint8Array(16);
  const sv = new DataView(shb.buffer);
  sv.setUint32(0, BYTE_ORDER_MAGIC, le);
  sv.setUint16(4, 1, le);
  sv.setBigInt64(8, -1n, le);
  block(PCAPNG_SHB, shb);
  // IDB with if_tsresol = 9 (nanoseconds) when asked, else default microseconds.
  const ns = options.nanosecond ?? false;
  const idb = new Uint8Array(ns ? 20 : 8);
  const iv = new DataView(idb.buffer);
  iv.setUint16(0, options.linkType, le);
  iv.setUint32(4, options.snaplen ?? 262144, le);
  if (ns) { iv.setUint16(8, 9, le); iv.setUint16(10, 1, le); idb[12] = 9; }
  block(1, idb);
  for (const p of packets) {
    const body = new Uint8Array(20 + p.data.length);
    const bv = new DataView(body.buffer);
    const ts = ns ? p.timestampNs : p.timestampNs / 1000n;
    bv.setUint32(4, Number(ts >> 32n), le);
    bv.setUint32(8, Number(ts & 0xffffffffn), le);
    bv.setUint32(12, p.data.length, le);
    bv.setUint32(16, p.wireLength, le);
    body.set(p.data, 20);
    block(6, body);
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
