// One line per packet, tcpdump-like: time, protocol, addresses and ports, length. Enough to see
// what a filter matched; not a protocol dissector.
import { LinkType } from './pcap.js';

const ip4 = (d: Uint8Array, o: number): string => `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
function ip6(d: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((d[o + i]! << 8) | d[o + i + 1]!).toString(16));
  // Compress the longest run of zero groups, as inet_ntop does.
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}
const mac = (d: Uint8Array, o: number): string => Array.from(d.subarray(o, o + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
const u16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;

export function formatTime(ns: bigint): string {
  const sec = Number(ns / 1_000_000_000n);
  const us = Number((ns % 1_000_000_000n) / 1000n);
  const t = new Date(sec * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}.${p(us, 6)}`;
}

const IPPROTO_NAMES: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'ICMP6', 89: 'OSPF', 103: 'PIM', 112: 'VRRP', 132: 'SCTP' };

function transport(d: Uint8Array, o: number, proto: number, src: string, dst: string, sep: string): string {
  const name = IPPROTO_NAMES[proto] ?? `proto ${proto}`;
  if ((proto === 6 || proto === 17 || proto === 132) && o + 4 <= d.length)
    return `${src}${sep}${u16(d, o)} > ${dst}${sep}${u16(d, o + 2)}: ${name}`;
  return `${src} > ${dst}: ${name}`;
}

export function summarize(data: Uint8Array, wireLength: number, linkType: number): string {
  let o: number;
  let type: number;
  let link = '';
  switch (linkType) {
    case LinkType.ETHERNET:
      if (data.length < 14) return `[|ether] length ${wireLength}`;
      link = `${mac(data, 6)} > ${mac(data, 0)}`;
      type = u16(data, 12); o = 14;
      break;
    case LinkType.LINUX_SLL:
      if (data.length < 16) return `[|sll] length ${wireLength}`;
      type = u16(data, 14); o = 16;
      break;
    case LinkType.LINUX_SLL2:
      if (data.length < 20) return `[|sll2] length ${wireLength}`;
      type = u16(data, 0); o = 20;
      break;
    case LinkType.RAW: case 12: case 14:
      type = data.length && data[0]! >> 4 === 6 ? 0x86dd : 0x0800; o = 0;
      break;
    default:
      return `link type ${linkType}, length ${wireLength}`;
  }
  let prefix = '';
  while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && o + 4 <= data.length) {
    prefix += `vlan ${u16(data, o) & 0xfff}, `;
    type = u16(data, o + 2); o += 4;
  }
  if (type === 0x0800 && o + 20 <= data.length) {
    const ihl = (data[o]! & 0xf) * 4;
    const frag = u16(data, o + 6) & 0x1fff;
    const body = frag ? `${ip4(data, o + 12)} > ${ip4(data, o + 16)}: ${IPPROTO_NAMES[data[o + 9]!] ?? `proto ${data[o + 9]}`} (fragment)` : transport(data, o + ihl, data[o + 9]!, ip4(data, o + 12), ip4(data, o + 16), '.');
    return `${prefix}IP ${body}, length ${wireLength}`;
  }
  if (type === 0x86dd && o + 40 <= data.length)
    return `${prefix}IP6 ${transport(data, o + 40, data[o + 6]!, ip6(data, o + 8), ip6(data, o + 24), '.')}, length ${wireLength}`;
  if ((type === 0x0806 || type === 0x8035) && o + 28 <= data.length) {
    const op = u16(data, o + 6);
    const what = op === 1 ? `Request who-has ${ip4(data, o + 24)} tell ${ip4(data, o + 14)}` : op === 2 ? `Reply ${ip4(data, o + 14)} is-at ${mac(data, o + 8)}` : `op ${op}`;
    return `${prefix}${type === 0x0806 ? 'ARP' : 'RARP'}, ${what}, length ${wireLength}`;
  }
  const ethertype = type > 1500 ? `ethertype 0x${type.toString(16).padStart(4, '0')}` : `802.3 length ${type}`;
  return `${prefix}${link ? link + ', ' : ''}${ethertype}, length ${wireLength}`;
}
