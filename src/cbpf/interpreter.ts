// The classic BPF interpreter: libpcap's bpf_filter semantics (a load past the captured bytes
// rejects the packet, division by a zero X rejects it, BPF_LEN is the length on the wire), plus
// the Linux extensions a socket filter can use: ancillary loads (SKF_AD_*) answered from packet
// metadata, and SKF_NET_OFF / SKF_LL_OFF relative loads.
import {
  type CbpfInstruction, CClass, CSize, CMode, COp, CJmp, CSrc, CMisc, SKF_AD_OFF, SKF_NET_OFF, SKF_LL_OFF, SkfAd,
  BPF_MEMWORDS, cClass, cSize, cMode, cOp, cSrc,
} from './instruction.js';

/** What the kernel knows about a packet besides its bytes (struct sk_buff fields). */
export interface PacketMeta {
  /** skb->protocol, host order (0x0800 for IPv4). */
  protocol?: number;
  /** PACKET_HOST 0, BROADCAST 1, MULTICAST 2, OTHERHOST 3, OUTGOING 4. */
  pkttype?: number;
  ifindex?: number;
  mark?: number;
  queue?: number;
  /** ARPHRD_* of the device (1 = Ethernet). */
  hatype?: number;
  rxhash?: number;
  cpu?: number;
  /** VLAN tag stripped by the NIC: TCI and TPID; present when vlanTci is defined. */
  vlanTci?: number;
  vlanTpid?: number;
  /** Offset of the network header in the packet (for SKF_NET_OFF loads). */
  networkOffset?: number;
  /** Offset of the transport payload (SKF_AD_PAY_OFFSET). */
  payloadOffset?: number;
  random?: () => number;
}

/** Packet bytes at absolute offset, big endian; -1 when outside the captured bytes. */
function loadAt(packet: Uint8Array, off: number, size: number): number {
  if (off < 0 || off + size > packet.length) return -1;
  if (size === 1) return packet[off]!;
  if (size === 2) return (packet[off]! << 8) | packet[off + 1]!;
  return ((packet[off]! << 24) | (packet[off + 1]! << 16) | (packet[off + 2]! << 8) | packet[off + 3]!) >>> 0;
}

function ancillary(which: number, meta: PacketMeta, A: number, X: number): number {
  switch (which) {
    case SkfAd.PROTOCOL: return meta.protocol ?? 0;
    case SkfAd.PKTTYPE: return meta.pkttype ?? 0;
    case SkfAd.IFINDEX: return meta.ifindex ?? 0;
    case SkfAd.MARK: return meta.mark ?? 0;
    case SkfAd.QUEUE: return meta.queue ?? 0;
    case SkfAd.HATYPE: return meta.hatype ?? 1;
    case SkfAd.RXHASH: return meta.rxhash ?? 0;
    case SkfAd.CPU: return meta.cpu ?? 0;
    case SkfAd.ALU_XOR_X: return (A ^ X) >>> 0;
    case SkfAd.VLAN_TAG: return meta.vlanTci ?? 0;
    case SkfAd.VLAN_TAG_PRESENT: return meta.vlanTci === undefined ? 0 : 1;
    case SkfAd.VLAN_TPID: return meta.vlanTpid ?? 0;
    case SkfAd.PAY_OFFSET: return meta.payloadOffset ?? 0;
    case SkfAd.RANDOM: return (meta.random?.() ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    case SkfAd.NLATTR: case SkfAd.NLATTR_NEST: return 0;
    default: return -1;
  }
}

/** Loads at negative offsets address metadata or header-relative bytes (kernel only); -1: fails. */
function special(packet: Uint8Array, k: number, size: number, meta: PacketMeta, A: number, X: number): number {
  if (k >= SKF_AD_OFF) return ancillary(k - SKF_AD_OFF, meta, A, X);
  if (k >= SKF_NET_OFF) return meta.networkOffset === undefined ? -1 : loadAt(packet, meta.networkOffset + (k - SKF_NET_OFF), size);
  if (k >= SKF_LL_OFF) return loadAt(packet, k - SKF_LL_OFF, size);
  return -1;
}

const NO_META: PacketMeta = {};
// Scratch memory, reused across runs (a run never yields, so one buffer serves every call).
const mem = new Uint32Array(BPF_MEMWORDS);

/** Run a program over one packet; returns the number of bytes to accept (0 = drop). */
export function runCbpf(
  program: readonly CbpfInstruction[],
  packet: Uint8Array,
  wireLength: number = packet.length,
  meta: PacketMeta = NO_META,
): number {
  const len = packet.length;
  mem.fill(0);
  let A = 0;
  let X = 0;
  let pc = 0;
  const n = program.length;

  while (pc < n) {
    const p = program[pc++]!;
    // The hot opcodes of generated filters first, then the general decoder.
    switch (p.code) {
      case 0x28: { // ldh [k]
        const k = p.k;
        if (k + 2 > len) { if ((k | 0) >= 0) return 0; const v = special(packet, k | 0, 2, meta, A, X); if (v < 0) return 0; A = v; continue; }
        A = (packet[k]! << 8) | packet[k + 1]!;
        continue;
      }
      case 0x30: { // ldb [k]
        const k = p.k;
        if (k >= len) { if ((k | 0) >= 0) return 0; const v = special(packet, k | 0, 1, meta, A, X); if (v < 0) return 0; A = v; continue; }
        A = packet[k]!;
        continue;
      }
      case 0x15: pc += A === p.k ? p.jt : p.jf; continue; // jeq #k
      case 0x45: pc += (A & p.k) !== 0 ? p.jt : p.jf; continue; // jset #k
      case 0x25: pc += A > p.k ? p.jt : p.jf; continue; // jgt #k
      case 0x35: pc += A >= p.k ? p.jt : p.jf; continue; // jge #k
      case 0x06: return p.k >>> 0; // ret #k
      case 0xb1: { // ldxb 4*([k]&0xf)
        const k = p.k;
        if (k >= len) return 0;
        X = (packet[k]! & 0xf) << 2;
        continue;
      }
      case 0x48: { // ldh [x + k]
        const off = (X + p.k) | 0;
        if (off >= 0 && off + 2 <= len) { A = (packet[off]! << 8) | packet[off + 1]!; continue; }
        break;
      }
      case 0x54: A = (A & p.k) >>> 0; continue; // and #k
    }
    const k = p.k >>> 0;
    switch (cClass(p.code)) {
      case CClass.RET:
        return ((p.code & 0x18) === CSrc.A ? A : k) >>> 0;
      case CClass.LD:
      case CClass.LDX: {
        const isX = cClass(p.code) === CClass.LDX;
        const size = cSize(p.code) === CSize.B ? 1 : cSize(p.code) === CSize.H ? 2 : 4;
        let v: number;
        switch (cMode(p.code)) {
          case CMode.IMM: v = k; break;
          case CMode.LEN: v = wireLength >>> 0; break;
          case CMode.MEM: v = mem[k & 15]!; break;
          case CMode.ABS: v = (k | 0) < 0 ? special(packet, k | 0, size, meta, A, X) : loadAt(packet, k, size); break;
          case CMode.IND: {
            // The kernel computes X + k as a signed 32-bit offset; negative ones are special.
            const off = (X + k) | 0;
            v = off < 0 ? special(packet, off, size, meta, A, X) : loadAt(packet, off, size);
            break;
          }
          case CMode.MSH: {
            const b = loadAt(packet, k, 1);
            v = b < 0 ? -1 : (b & 0xf) << 2;
            break;
          }
          default: return 0;
        }
        if (v < 0) return 0;
        if (isX) X = v >>> 0;
        else A = v >>> 0;
        break;
      }
      case CClass.ST: mem[k & 15] = A; break;
      case CClass.STX: mem[k & 15] = X; break;
      case CClass.ALU: {
        const op = cOp(p.code);
        if (op === COp.NEG) { A = (-A) >>> 0; break; }
        const v = cSrc(p.code) === CSrc.X ? X : k;
        switch (op) {
          case COp.ADD: A = (A + v) >>> 0; break;
          case COp.SUB: A = (A - v) >>> 0; break;
          case COp.MUL: A = Math.imul(A, v) >>> 0; break;
          case COp.DIV: if (v === 0) return 0; A = Math.floor(A / v) >>> 0; break;
          case COp.MOD: if (v === 0) return 0; A = (A % v) >>> 0; break;
          case COp.AND: A = (A & v) >>> 0; break;
          case COp.OR: A = (A | v) >>> 0; break;
          case COp.XOR: A = (A ^ v) >>> 0; break;
          // Shifts of 32 or more give 0, as on the kernel's interpreter for cBPF (u32 << u32).
          case COp.LSH: A = v >= 32 ? 0 : (A << v) >>> 0; break;
          case COp.RSH: A = v >= 32 ? 0 : A >>> v; break;
          default: return 0;
        }
        break;
      }
      case CClass.JMP: {
        const op = cOp(p.code);
        if (op === CJmp.JA) { pc += k; break; }
        const v = cSrc(p.code) === CSrc.X ? X : k;
        let taken: boolean;
        switch (op) {
          case CJmp.JEQ: taken = A === v; break;
          case CJmp.JGT: taken = A > v; break;
          case CJmp.JGE: taken = A >= v; break;
          case CJmp.JSET: taken = (A & v) !== 0; break;
          default: return 0;
        }
        pc += taken ? p.jt : p.jf;
        break;
      }
      case CClass.MISC:
        if ((p.code & 0xf8) === CMisc.TAX) X = A;
        else A = X;
        break;
    }
  }
  return 0;
}
