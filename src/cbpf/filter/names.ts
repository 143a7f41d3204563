// Name lookups the filter language needs, from the local files only (no DNS: a filter must
// compile the same way offline): /etc/hosts, /etc/services, /etc/protocols.
import { readFileSync } from 'node:fs';

const cache = new Map<string, string[][]>();
function table(path: string): string[][] {
  let rows = cache.get(path);
  if (!rows) {
    let text = '';
    try { text = readFileSync(path, 'utf8'); } catch { /* missing file: no names */ }
    rows = text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split(/\s+/));
    cache.set(path, rows);
  }
  return rows;
}

/** Addresses of a host name: IPv4 ones if any, else IPv6 (libpcap's order of preference). */
export function lookupHost(name: string): { v4: string[]; v6: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const [addr, ...names] of table('/etc/hosts')) {
    if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) continue;
    (addr!.includes(':') ? v6 : v4).push(addr!);
  }
  return { v4, v6 };
}

/** A service name: its port and the transport protocols it is listed for. */
export function lookupService(name: string): { port: number; protos: Set<string> } | undefined {
  let port: number | undefined;
  const protos = new Set<string>();
  for (const [svc, portProto, ...aliases] of table('/etc/services')) {
    if (svc !== name && !aliases.includes(name)) continue;
    const [p, proto] = portProto!.split('/');
    if (port === undefined) port = Number(p);
    if (Number(p) === port) protos.add(proto!);
  }
  return port === undefined ? undefined : { port, protos };
}

/** An IP protocol name (`tcp`, `gre`) to its number. */
export function lookupProtocol(name: string): number | undefined {
  for (const [proto, num, ...aliases] of table('/etc/protocols'))
    if (proto === name || aliases.includes(name)) return Number(num);
  return undefined;
}

/** Ethernet type names accepted by `ether proto \NAME`. */
export const ETHER_PROTO_NAMES: Record<string, number> = {
  ip: 0x0800, ip6: 0x86dd, arp: 0x0806, rarp: 0x8035, atalk: 0x809b, aarp: 0x80f3, decnet: 0x6003, sca: 0x6007,
  lat: 0x6004, mopdl: 0x6001, moprc: 0x6002, loopback: 0x9000, vlan: 0x8100, mpls: 0x8847, pppoed: 0x8863, pppoes: 0x8864,
};

/** An Ethernet address for a host name, from /etc/ethers (what ether_hostton reads). */
export function lookupEther(name: string): string | undefined {
  for (const [mac, host] of table('/etc/ethers')) if (host?.toLowerCase() === name.toLowerCase()) return mac;
  return undefined;
}
