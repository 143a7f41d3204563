// From a filter's syntax tree to a tree of conditions over packet loads, with libpcap's
// semantics: which header fields each primitive tests, at which offsets for each link type, and
// libpcap's stateful quirks (`vlan`, `mpls` and `pppoes` move every later offset, in the order the
// primitives are written, whatever the and/or structure).
import {
  type CbpfInstruction, CClass, CSize, CMode, COp, CJmp, CSrc, CMisc, SKF_AD_OFF, SkfAd, cinsn,
} from '../instruction.js';
import { LinkType } from '../pcap.js';
import type { Arith, FilterNode, IdValue, ProtoQual, Qualifiers, Where } from './ast.js';
import { FilterSyntaxError } from './lexer.js';
import { ETHER_PROTO_NAMES, lookupEther, lookupHost, lookupProtocol, lookupService } from './names.js';

/** A condition: an atom (statements that compute A, then one test) or a boolean combination. */
export type Cond =
  | { k: 'atom'; stmts: CbpfInstruction[]; test: CbpfInstruction }
  | { k: 'and' | 'or'; a: Cond; b: Cond }
  | { k: 'not'; a: Cond }
  | { k: 'const'; value: boolean };

export interface CodegenOptions {
  linkType: number;
  /** Live capture on a Linux socket: inbound/outbound/ifindex use ancillary loads. */
  live?: boolean;
}

const ETH_IP = 0x0800, ETH_IP6 = 0x86dd, ETH_ARP = 0x0806, ETH_RARP = 0x8035;
const IPPROTO: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, igrp: 9, ah: 51, esp: 50, icmp6: 58, pim: 103, vrrp: 112, sctp: 132 };
const IPPROTO_FRAGMENT = 44;
const SIZE: Record<1 | 2 | 4, number> = { 1: CSize.B, 2: CSize.H, 4: CSize.W };

const and = (a: Cond, b: Cond): Cond => ({ k: 'and', a, b });
const or = (a: Cond, b: Cond): Cond => ({ k: 'or', a, b });
const not = (a: Cond): Cond => ({ k: 'not', a });
const TRUE: Cond = { k: 'const', value: true };
const FALSE: Cond = { k: 'const', value: false };
const ldAbs = (off: number, size: 1 | 2 | 4): CbpfInstruction => cinsn(CClass.LD | SIZE[size] | CMode.ABS, off);
const ldInd = (off: number, size: 1 | 2 | 4): CbpfInstruction => cinsn(CClass.LD | SIZE[size] | CMode.IND, off);
const ldxMsh = (off: number): CbpfInstruction => cinsn(CClass.LDX | CSize.B | CMode.MSH, off);
const jmp = (op: number, k: number): CbpfInstruction => cinsn(CClass.JMP | op | CSrc.K, k);

/** Compare `size` bytes at `off` (masked) with `value`. */
function cmp(off: number, size: 1 | 2 | 4, value: number, op: number = CJmp.JEQ, mask?: number): Cond {
  const stmts = [ldAbs(off, size)];
  if (mask !== undefined) stmts.push(cinsn(CClass.ALU | COp.AND | CSrc.K, mask));
  return { k: 'atom', stmts, test: jmp(op, value >>> 0) };
}

function ipv4(text: string): number {
  const parts = text.split('.').map(Number);
  return parts.reduce((acc, p) => ((acc << 8) | p) >>> 0, 0) << (8 * (4 - parts.length)) >>> 0;
}
function ipv6Words(text: string): number[] {
  // Expand :: and an embedded dotted quad, then read 8 groups.
  let t = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (dotted) {
    const v = ipv4(dotted[1]!);
    t = t.slice(0, dotted.index) + `${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head, tail] = t.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...new Array(8 - h.length - tl.length).fill('0'), ...tl] : h;
  const g = groups.map((x) => parseInt(x, 16));
  return [0, 1, 2, 3].map((i) => ((g[2 * i]! << 16) | g[2 * i + 1]!) >>> 0);
}

export class FilterCodegen {
  private offLinktype: number;
  private offLinkpl: number;
  /** What the link-type field means now: Ethernet types, PPP protocols (after pppoes), or MPLS payload. */
  private mode: 'ether' | 'ppp' | 'mpls' | 'raw' = 'ether';
  private mplsDepth = 0;
  private readonly kind: 'ether' | 'sll' | 'sll2' | 'raw';

  constructor(private readonly source: string, private readonly options: CodegenOptions) {
    switch (options.linkType) {
      case LinkType.ETHERNET: this.kind = 'ether'; this.offLinktype = 12; this.offLinkpl = 14; break;
      case LinkType.LINUX_SLL: this.kind = 'sll'; this.offLinktype = 14; this.offLinkpl = 16; break;
      case LinkType.LINUX_SLL2: this.kind = 'sll2'; this.offLinktype = 0; this.offLinkpl = 20; break;
      case LinkType.RAW: case 12: case 14: case LinkType.IPV4: case LinkType.IPV6:
        this.kind = 'raw'; this.mode = 'raw'; this.offLinktype = -1; this.offLinkpl = 0; break;
      default:
        throw new FilterSyntaxError(`link type ${options.linkType} is not supported by the filter compiler`, source, 0, source.length);
    }
  }

  private fail(where: Where | undefined, message: string): never {
    throw new FilterSyntaxError(message, this.source, where?.offset ?? 0, where?.length ?? Math.max(1, this.source.length));
  }

  private get linkName(): string {
    return { ether: 'Ethernet', sll: 'Linux cooked v1', sll2: 'Linux cooked v2', raw: 'raw IP' }[this.kind];
  }

  /** Is the link-layer payload of protocol `proto` (an Ethernet type)? */
  linktype(proto: number, where?: Where): Cond {
    switch (this.mode) {
      case 'raw':
        if (proto === ETH_IP) return cmp(0, 1, 0x40, CJmp.JEQ, 0xf0);
        if (proto === ETH_IP6) return cmp(0, 1, 0x60, CJmp.JEQ, 0xf0);
        return FALSE;
      case 'mpls': {
        // After MPLS labels: the last label must be bottom of stack, then the IP version nibble.
        const bos = cmp(this.offLinkpl - 2, 1, 1, CJmp.JEQ, 1);
        if (proto === ETH_IP) return and(bos, cmp(this.offLinkpl, 1, 0x40, CJmp.JEQ, 0xf0));
        if (proto === ETH_IP6) return and(bos, cmp(this.offLinkpl, 1, 0x60, CJmp.JEQ, 0xf0));
        return this.fail(where, `no support for protocol 0x${proto.toString(16)} inside MPLS`);
      }
      case 'ppp':
        if (proto === ETH_IP) return cmp(this.offLinktype, 2, 0x21);
        if (proto === ETH_IP6) return cmp(this.offLinktype, 2, 0x57);
        return cmp(this.offLinktype, 2, proto);
      case 'ether':
        if (proto <= 1500) {
          // An 802.3 length field, not a type: libpcap then tests the LLC DSAP.
          return and(not(cmp(this.offLinktype, 2, 1500, CJmp.JGT)), cmp(this.offLinkpl, 1, proto));
        }
        return cmp(this.offLinktype, 2, proto);
    }
  }

  private ipProto4(p: number): Cond {
    return and(this.linktype(ETH_IP), cmp(this.offLinkpl + 9, 1, p));
  }
  /** IPv6 next header p, directly or after one fragment header (libpcap looks no further). */
  private ipProto6(p: number): Cond {
    const nh = cmp(this.offLinkpl + 6, 1, p);
    if (p === IPPROTO_FRAGMENT) return and(this.linktype(ETH_IP6), nh);
    return and(this.linktype(ETH_IP6), or(nh, and(cmp(this.offLinkpl + 6, 1, IPPROTO_FRAGMENT), cmp(this.offLinkpl + 40, 1, p))));
  }
  private notFragment(): Cond {
    return not({ k: 'atom', stmts: [ldAbs(this.offLinkpl + 6, 2)], test: jmp(CJmp.JSET, 0x1fff) });
  }

  /** A protocol name used alone: `tcp`, `ip6`, `arp`. */
  protoAbbrev(proto: ProtoQual, where?: Where): Cond {
    switch (proto) {
      case 'ip': return this.linktype(ETH_IP, where);
      case 'ip6': return this.linktype(ETH_IP6, where);
      case 'arp': return this.linktype(ETH_ARP, where);
      case 'rarp': return this.linktype(ETH_RARP, where);
      case 'tcp': case 'udp': case 'sctp': case 'pim': case 'ah': case 'esp':
        return or(this.ipProto4(IPPROTO[proto]!), this.ipProto6(IPPROTO[proto]!));
      case 'icmp': case 'igmp': case 'vrrp': case 'igrp':
        return this.ipProto4(IPPROTO[proto]!);
      case 'icmp6':
        return this.ipProto6(58);
      case 'link':
        return this.fail(where, "'link' and 'ether' need a qualifier or an index");
    }
  }

  gen(node: FilterNode): Cond {
    switch (node.k) {
      case 'and': { const a = this.gen(node.a); return and(a, this.gen(node.b)); }
      case 'or': { const a = this.gen(node.a); return or(a, this.gen(node.b)); }
      case 'not': return not(this.gen(node.a));
      case 'proto': return this.protoAbbrev(node.proto, node.where);
      case 'prim': return this.primitive(node.q, node.id, node.where);
      case 'rel': return this.relation(node);
      case 'len': {
        const atom: Cond = { k: 'atom', stmts: [cinsn(CClass.LD | CSize.W | CMode.LEN)], test: jmp(node.op === 'less' ? CJmp.JGT : CJmp.JGE, node.value) };
        return node.op === 'less' ? not(atom) : atom;
      }
      case 'broadcast': case 'multicast': return this.castFilter(node.k, node.proto, node.where);
      case 'inbound': case 'outbound': {
        let outgoing: Cond;
        if (this.kind === 'sll') outgoing = cmp(0, 2, 4);
        else if (this.kind === 'sll2') outgoing = cmp(10, 1, 4);
        else if (this.options.live) outgoing = cmp(SKF_AD_OFF + SkfAd.PKTTYPE, 2, 4);
        else return this.fail(node.where, `'${node.k}' is not supported on ${this.linkName} captures`);
        return node.k === 'outbound' ? outgoing : not(outgoing);
      }
      case 'ifindex':
        if (this.kind === 'sll2') return cmp(4, 4, node.value);
        if (this.options.live) return cmp(SKF_AD_OFF + SkfAd.IFINDEX, 4, node.value);
        return this.fail(node.where, `'ifindex' is not supported on ${this.linkName} captures`);
      case 'vlan': return this.vlan(node.value, node.where);
      case 'mpls': return this.mpls(node.value, node.where);
      case 'pppoes': return this.pppoes(node.value, node.where);
    }
  }

  private vlan(id: number | undefined, where: Where): Cond {
    if (this.kind !== 'ether') return this.fail(where, `no VLAN support for ${this.linkName}`);
    if (this.mplsDepth > 0) return this.fail(where, 'no VLAN match after MPLS');
    if (id !== undefined && id > 4095) return this.fail(where, `VLAN tag ${id} greater than maximum 4095`);
    const tpid = or(or(cmp(this.offLinktype, 2, 0x8100), cmp(this.offLinktype, 2, 0x88a8)), cmp(this.offLinktype, 2, 0x9100));
    const c = id === undefined ? tpid : and(tpid, cmp(this.offLinktype + 2, 2, id, CJmp.JEQ, 0x0fff));
    this.offLinktype += 4;
    this.offLinkpl += 4;
    return c;
  }

  private mpls(label: number | undefined, where: Where): Cond {
    if (this.kind !== 'ether') return this.fail(where, `no MPLS support for ${this.linkName}`);
    if (label !== undefined && label > 0xfffff) return this.fail(where, `MPLS label ${label} greater than maximum 1048575`);
    // The first label follows an MPLS Ethernet type; each further one needs the previous label
    // not to be the bottom of the stack.
    const base = this.mplsDepth === 0
      ? this.linktype(0x8847, where)
      : not({ k: 'atom', stmts: [ldAbs(this.offLinkpl - 2, 1)], test: jmp(CJmp.JSET, 1) });
    const c = label === undefined ? base : and(base, cmp(this.offLinkpl, 4, label << 12, CJmp.JEQ, 0xfffff000));
    this.offLinkpl += 4;
    this.mplsDepth++;
    this.mode = 'mpls';
    return c;
  }

  private pppoes(session: number | undefined, where: Where): Cond {
    if (this.kind === 'raw') return this.fail(where, `no PPPoE support for ${this.linkName}`);
    if (session !== undefined && session > 0xffff) return this.fail(where, `PPPoE session number ${session} greater than maximum 65535`);
    const base = this.linktype(0x8864, where);
    const c = session === undefined ? base : and(base, cmp(this.offLinkpl, 4, session, CJmp.JEQ, 0xffff));
    // The PPP protocol field follows the 6-byte PPPoE header; the payload follows it.
    this.offLinktype = this.offLinkpl + 6;
    this.offLinkpl += 8;
    this.mode = 'ppp';
    return c;
  }

  private castFilter(what: 'broadcast' | 'multicast', proto: ProtoQual | undefined, where: Where): Cond {
    if (proto === undefined || proto === 'link') {
      if (this.kind !== 'ether')
        return this.fail(where, what === 'broadcast' ? 'not a broadcast link' : 'link-layer multicast filters supported only on ethernet');
      if (what === 'broadcast') return and(cmp(2, 4, 0xffffffff), cmp(0, 2, 0xffff));
      return { k: 'atom', stmts: [ldAbs(0, 1)], test: jmp(CJmp.JSET, 1) };
    }
    if (proto === 'ip') {
      // Without a netmask (reading a file), libpcap takes the all-zeros and all-ones addresses.
      if (what === 'broadcast') return and(this.linktype(ETH_IP), or(cmp(this.offLinkpl + 16, 4, 0), cmp(this.offLinkpl + 16, 4, 0xffffffff)));
      return and(this.linktype(ETH_IP), cmp(this.offLinkpl + 16, 1, 224, CJmp.JGE));
    }
    if (proto === 'ip6' && what === 'multicast') return and(this.linktype(ETH_IP6), cmp(this.offLinkpl + 24, 1, 0xff));
    return this.fail(where, `only link-layer/IP ${what} filters supported`);
  }

  // ---- qualifier + id primitives ------------------------------------------------------------

  private primitive(q: Qualifiers, id: IdValue, where: Where): Cond {
    const addr = q.addr ?? (id.kind === 'num' && (q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'sctp') ? 'port' : 'host');
    switch (addr) {
      case 'host': case 'net': return this.hostOrNet(addr, q, id, where);
      case 'port': return this.port(q, id, where);
      case 'portrange': return this.portrange(q, id, where);
      case 'proto': return this.protoQual(q, id, where);
      case 'gateway': return this.gateway(q, id, where);
    }
  }

  /** `gateway NAME`: the frame is to or from NAME's Ethernet address, the IP packet is not
   * to or from NAME's IP address (it is being routed through NAME). */
  private gateway(q: Qualifiers, id: IdValue, where: Where): Cond {
    if (id.kind !== 'name') return this.fail(where, "'gateway' requires a name");
    if (q.proto !== undefined && q.proto !== 'ip' && q.proto !== 'arp' && q.proto !== 'rarp') return this.fail(where, `illegal modifier of 'gateway'`);
    if (q.dir !== undefined) return this.fail(where, `'gateway' does not take a direction`);
    if (this.kind !== 'ether') return this.fail(where, "'gateway' supported only on ethernet");
    const mac = lookupEther(id.text);
    if (!mac) return this.fail(where, `unknown ether host '${id.text}'`);
    const { v4 } = lookupHost(id.text);
    if (!v4.length) return this.fail(where, `unknown host '${id.text}'`);
    const ips = v4.map((a) => this.host4({ proto: q.proto }, ipv4(a), 0xffffffff, where)).reduce((x, y) => or(x, y));
    return and(this.etherHost({}, mac, where), not(ips));
  }

  private dirOp(dir: Qualifiers['dir'], src: () => Cond, dst: () => Cond): Cond {
    switch (dir) {
      case 'src': return src();
      case 'dst': return dst();
      case 'src and dst': return and(src(), dst());
      default: return or(src(), dst());
    }
  }

  private hostOrNet(addr: 'host' | 'net', q: Qualifiers, id: IdValue, where: Where): Cond {
    if (id.kind === 'mac') {
      if (q.proto !== undefined && q.proto !== 'link') return this.fail(where, `'${q.proto}' modifier applied to an Ethernet address`);
      return this.etherHost(q, id.text, where);
    }
    if (q.proto === 'link') {
      if (id.kind === 'name') return this.fail(where, `unknown ether host '${id.text}'`);
      return this.fail(where, `illegal Ethernet address '${'text' in id ? id.text : ''}'`);
    }
    if (id.kind === 'v6') {
      if (q.proto !== undefined && q.proto !== 'ip6') return this.fail(where, `'${q.proto}' modifier applied to ip6 host`);
      const prefix = id.prefix ?? 128;
      if (prefix > 128) return this.fail(where, `mask length must be <= 128`);
      if (addr === 'host' && id.prefix !== undefined) return this.fail(where, `mask syntax for networks only`);
      return this.host6(q, ipv6Words(id.text), prefix);
    }
    let value: number;
    let mask: number;
    if (id.kind === 'v4' || id.kind === 'num') {
      const parts = id.kind === 'v4' ? id.text.split('.') : [String(id.value)];
      if (parts.some((p) => Number(p) > 255) && id.kind === 'v4') return this.fail(where, `invalid IPv4 address '${id.text}'`);
      if (id.kind === 'num') {
        value = addr === 'net' ? (id.value << (id.value < 256 ? 24 : id.value < 65536 ? 16 : id.value < 1 << 24 ? 8 : 0)) >>> 0 : id.value >>> 0;
        mask = addr === 'net' ? (id.value < 256 ? 0xff000000 : id.value < 65536 ? 0xffff0000 : id.value < 1 << 24 ? 0xffffff00 : 0xffffffff) : 0xffffffff;
      } else {
        value = ipv4(id.text);
        mask = (0xffffffff << (32 - 8 * parts.length)) >>> 0;
        if (parts.length === 4 && addr === 'net' && id.prefix === undefined && id.mask === undefined) mask = 0xffffffff;
        if (addr === 'host' && parts.length !== 4) mask = 0xffffffff;
      }
      if (id.kind === 'v4' && id.prefix !== undefined) {
        if (addr === 'host') return this.fail(where, 'mask syntax for networks only');
        if (id.prefix > 32) return this.fail(where, `mask length must be <= 32`);
        mask = id.prefix === 0 ? 0 : (0xffffffff << (32 - id.prefix)) >>> 0;
      }
      if (id.kind === 'v4' && id.mask !== undefined) {
        if (addr === 'host') return this.fail(where, 'mask syntax for networks only');
        mask = ipv4(id.mask);
      }
      if ((value & ~mask) !== 0) return this.fail(where, `non-network bits set in "${id.kind === 'v4' ? id.text : id.value}${id.kind === 'v4' && id.prefix !== undefined ? '/' + id.prefix : ''}"`);
      return this.host4(q, value, mask, where);
    }
    if (id.kind === 'name') {
      if (addr === 'net') return this.fail(where, `unknown network '${id.text}'`);
      const { v4, v6 } = lookupHost(id.text);
      if (v4.length && q.proto !== 'ip6') {
        return v4.map((a) => this.host4(q, ipv4(a), 0xffffffff, where)).reduce((x, y) => or(x, y));
      }
      if (v6.length && (q.proto === undefined || q.proto === 'ip6')) return v6.map((a) => this.host6(q, ipv6Words(a), 128)).reduce((x, y) => or(x, y));
      return this.fail(where, `unknown host '${id.text}'`);
    }
    return this.fail(where, 'syntax error');
  }

  private host4(q: Qualifiers, value: number, mask: number, where: Where): Cond {
    const m = mask === 0xffffffff ? undefined : mask;
    const op = (srcOff: number, dstOff: number): Cond =>
      this.dirOp(q.dir, () => cmp(this.offLinkpl + srcOff, 4, value, CJmp.JEQ, m), () => cmp(this.offLinkpl + dstOff, 4, value, CJmp.JEQ, m));
    const ip = (): Cond => and(this.linktype(ETH_IP), op(12, 16));
    const arp = (t: number): Cond => and(this.linktype(t), op(14, 24));
    switch (q.proto) {
      case undefined: return or(or(ip(), arp(ETH_ARP)), arp(ETH_RARP));
      case 'ip': return ip();
      case 'arp': return arp(ETH_ARP);
      case 'rarp': return arp(ETH_RARP);
      case 'ip6': return this.fail(where, `'ip6' modifier applied to ip host`);
      default: return this.fail(where, `'${q.proto}' modifier applied to host`);
    }
  }

  private host6(q: Qualifiers, words: number[], prefix: number): Cond {
    const at = (base: number): Cond => {
      let c: Cond | undefined;
      for (let i = 0; i < 4; i++) {
        const bits = Math.max(0, Math.min(32, prefix - 32 * i));
        if (bits === 0) break;
        const mask = bits === 32 ? undefined : (0xffffffff << (32 - bits)) >>> 0;
        const w = cmp(this.offLinkpl + base + 4 * i, 4, (words[i]! & (mask ?? 0xffffffff)) >>> 0, CJmp.JEQ, mask);
        c = c ? and(c, w) : w;
      }
      return c ?? TRUE;
    };
    return and(this.linktype(ETH_IP6), this.dirOp(q.dir, () => at(8), () => at(24)));
  }

  private etherHost(q: Qualifiers, text: string, where: Where): Cond {
    if (this.kind !== 'ether') return this.fail(where, 'ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel');
    const hex = text.replace(/[:.-]/g, (s) => s);
    const bytes = /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(text)
      ? text.split('.').flatMap((g) => [parseInt(g.slice(0, 2), 16), parseInt(g.slice(2), 16)])
      : hex.split(/[:.-]/).map((b) => parseInt(b, 16));
    const hi = (bytes[0]! << 8) | bytes[1]!;
    const lo = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
    const at = (off: number): Cond => and(cmp(off + 2, 4, lo), cmp(off, 2, hi));
    return this.dirOp(q.dir, () => at(6), () => at(0));
  }

  private portNumber(id: IdValue, where: Where): { port: number; protos?: Set<string> } {
    if (id.kind === 'num') {
      if (id.value > 65535) return this.fail(where, `port number out of range: ${id.value} > 65535`);
      return { port: id.value };
    }
    if (id.kind === 'name') {
      const svc = lookupService(id.text);
      if (!svc) return this.fail(where, `unknown port '${id.text}'`);
      return { port: svc.port, protos: svc.protos };
    }
    return this.fail(where, 'illegal port: must be a number or a service name');
  }

  /** The transport protocols a port primitive looks at, given its qualifier and the service. */
  private portProtos(q: Qualifiers, protos: Set<string> | undefined, where: Where): { list: number[]; v4: boolean; v6: boolean } {
    let list: number[];
    if (q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'sctp') list = [IPPROTO[q.proto]!];
    else if (q.proto === undefined || q.proto === 'ip' || q.proto === 'ip6') {
      list = [132, 6, 17];
      if (protos) {
        const only = [...protos].filter((p) => p === 'tcp' || p === 'udp' || p === 'sctp');
        if (only.length === 1) list = [IPPROTO[only[0]!]!];
        else if (only.length === 2 && !only.includes('sctp')) list = [6, 17];
      }
    } else return this.fail(where, `illegal qualifier of 'port'`);
    return { list, v4: q.proto !== 'ip6', v6: q.proto !== 'ip' };
  }

  private transportPorts(q: Qualifiers, where: Where, protos: Set<string> | undefined, test: (srcOrDst: 0 | 2, v6: boolean) => Cond): Cond {
    const { list, v4, v6 } = this.portProtos(q, protos, where);
    const protoIs = (base: number): Cond => list.map((p) => cmp(base, 1, p)).reduce((x, y) => or(x, y));
    // IPv6 first: the order libpcap's optimized programs test them in (the two are exclusive).
    let c: Cond | undefined;
    if (v6) c = and(this.linktype(ETH_IP6), and(protoIs(this.offLinkpl + 6), this.dirOp(q.dir, () => test(0, true), () => test(2, true))));
    if (v4) {
      const c4 = and(this.linktype(ETH_IP), and(protoIs(this.offLinkpl + 9), and(this.notFragment(),
        this.dirOp(q.dir, () => test(0, false), () => test(2, false)))));
      c = c ? or(c, c4) : c4;
    }
    return c!;
  }

  private portLoad(off: 0 | 2, v6: boolean): CbpfInstruction[] {
    return v6 ? [ldAbs(this.offLinkpl + 40 + off, 2)] : [ldxMsh(this.offLinkpl), ldInd(this.offLinkpl + off, 2)];
  }

  private port(q: Qualifiers, id: IdValue, where: Where): Cond {
    const { port, protos } = this.portNumber(id, where);
    return this.transportPorts(q, where, protos, (off, v6) => ({ k: 'atom', stmts: this.portLoad(off, v6), test: jmp(CJmp.JEQ, port) }));
  }

  private portrange(q: Qualifiers, id: IdValue, where: Where): Cond {
    let lo: number, hi: number;
    if (id.kind === 'range') { lo = id.lo; hi = id.hi; }
    else if (id.kind === 'num') { lo = hi = id.value; }
    else return this.fail(where, 'illegal port range');
    for (const p of [lo, hi]) if (p > 65535) return this.fail(where, `port number out of range: ${p} > 65535`);
    if (lo > hi) [lo, hi] = [hi, lo];
    return this.transportPorts(q, where, undefined, (off, v6) => {
      const stmts = this.portLoad(off, v6);
      if (lo === hi) return { k: 'atom', stmts, test: jmp(CJmp.JEQ, lo) };
      return and({ k: 'atom', stmts, test: jmp(CJmp.JGE, lo) }, not({ k: 'atom', stmts, test: jmp(CJmp.JGT, hi) }));
    });
  }

  private protoQual(q: Qualifiers, id: IdValue, where: Where): Cond {
    let n: number | undefined;
    if (id.kind === 'num') n = id.value;
    else if (id.kind === 'name') n = q.proto === 'link' ? ETHER_PROTO_NAMES[id.text] : lookupProtocol(id.text);
    if (n === undefined) return this.fail(where, `unknown ${q.proto === 'link' ? 'ether ' : ''}proto '${'text' in id ? id.text : ''}'`);
    switch (q.proto) {
      case undefined: return or(this.ipProto4(n), this.ipProto6(n));
      case 'ip': return this.ipProto4(n);
      case 'ip6': return this.ipProto6(n);
      case 'link': return this.linktype(n, where);
      default: return this.fail(where, `'${q.proto} proto' is not supported`);
    }
  }

  // ---- arithmetic ----------------------------------------------------------------------------

  private scratch = 0;
  private allocScratch(where: Where): number {
    if (this.scratch >= 16) this.fail(where, 'expression too complex: out of scratch memory');
    return this.scratch++;
  }

  /** Guards (protocol checks the loads depend on) and statements leaving the value in A. */
  private arith(e: Arith, guards: Cond[], where: Where): { stmts: CbpfInstruction[]; constant?: number } {
    switch (e.k) {
      case 'num': return { stmts: [cinsn(CClass.LD | CMode.IMM, e.value)], constant: e.value >>> 0 };
      case 'len': return { stmts: [cinsn(CClass.LD | CSize.W | CMode.LEN)] };
      case 'neg': {
        const a = this.arith(e.a, guards, where);
        if (a.constant !== undefined) { const v = (-a.constant) >>> 0; return { stmts: [cinsn(CClass.LD | CMode.IMM, v)], constant: v }; }
        return { stmts: [...a.stmts, cinsn(CClass.ALU | COp.NEG)] };
      }
      case 'load': return this.load(e, guards);
      case 'bin': {
        // libpcap's gen_arth keeps only the left operand's protocol guard (`ip[0] - tcp[12]` does
        // not check for TCP); tcpdump's verdicts depend on it, so we do the same.
        const a = this.arith(e.a, guards, where);
        const b = this.arith(e.b, [], where);
        const op = ({ '+': COp.ADD, '-': COp.SUB, '*': COp.MUL, '/': COp.DIV, '%': COp.MOD, '&': COp.AND, '|': COp.OR, '^': COp.XOR, '<<': COp.LSH, '>>': COp.RSH } as const)[e.op];
        if (b.constant !== undefined) {
          if ((op === COp.DIV || op === COp.MOD) && b.constant === 0) this.fail(where, op === COp.DIV ? 'division by zero' : 'modulus by zero');
          if ((op === COp.LSH || op === COp.RSH) && b.constant > 31) this.fail(where, 'shift by more than 31 bits');
          if (a.constant !== undefined) {
            const x = a.constant, y = b.constant;
            const v = {
              [COp.ADD]: x + y, [COp.SUB]: x - y, [COp.MUL]: Math.imul(x, y), [COp.DIV]: Math.floor(x / y), [COp.MOD]: x % y,
              [COp.AND]: x & y, [COp.OR]: x | y, [COp.XOR]: x ^ y, [COp.LSH]: x << y, [COp.RSH]: x >>> y,
            }[op] >>> 0;
            return { stmts: [cinsn(CClass.LD | CMode.IMM, v)], constant: v };
          }
          return { stmts: [...a.stmts, cinsn(CClass.ALU | op | CSrc.K, b.constant)] };
        }
        const t = this.allocScratch(where);
        return { stmts: [...b.stmts, cinsn(CClass.ST, t), ...a.stmts, cinsn(CClass.LDX | CMode.MEM, t), cinsn(CClass.ALU | op | CSrc.X)] };
      }
    }
  }

  private load(e: Extract<Arith, { k: 'load' }>, guards: Cond[]): { stmts: CbpfInstruction[] } {
    const size = e.size;
    let base: number;
    let viaIpHeader = false;
    switch (e.proto) {
      case 'link': base = 0; break;
      case 'ip': guards.push(this.linktype(ETH_IP, e.where)); base = this.offLinkpl; break;
      case 'ip6': guards.push(this.linktype(ETH_IP6, e.where)); base = this.offLinkpl; break;
      case 'arp': guards.push(this.linktype(ETH_ARP, e.where)); base = this.offLinkpl; break;
      case 'rarp': guards.push(this.linktype(ETH_RARP, e.where)); base = this.offLinkpl; break;
      case 'icmp6': guards.push(this.ipProto6(58)); base = this.offLinkpl + 40; break;
      case 'tcp': case 'udp': case 'sctp': case 'icmp': case 'igmp': case 'pim': case 'vrrp': case 'igrp':
        // libpcap: the transport header of an unfragmented IPv4 packet, after a variable IP header.
        guards.push(and(this.ipProto4(IPPROTO[e.proto]!), this.notFragment()));
        base = this.offLinkpl;
        viaIpHeader = true;
        break;
      default:
        return this.fail(e.where, `'${e.proto}[...]' not valid on this link type`);
    }
    const sub: Cond[] = [];
    const index = this.arith(e.index, sub, e.where);
    guards.push(...sub);
    if (index.constant !== undefined) {
      const off = base + index.constant;
      if (viaIpHeader) return { stmts: [ldxMsh(this.offLinkpl), ldInd(off, size)] };
      return { stmts: [ldAbs(off, size)] };
    }
    if (viaIpHeader) {
      const t = this.allocScratch(e.where);
      return { stmts: [...index.stmts, cinsn(CClass.ST, t), ldxMsh(this.offLinkpl), cinsn(CClass.LD | CMode.MEM, t),
        cinsn(CClass.ALU | COp.ADD | CSrc.X), cinsn(CClass.MISC | CMisc.TAX), ldInd(base, size)] };
    }
    return { stmts: [...index.stmts, cinsn(CClass.MISC | CMisc.TAX), ldInd(base, size)] };
  }

  private relation(node: Extract<FilterNode, { k: 'rel' }>): Cond {
    // Scratch slots are never reused inside one comparison (nested operands must not clobber
    // each other); each comparison's statements are self-contained, so the next one starts over.
    this.scratch = 0;
    const guards: Cond[] = [];
    const a = this.arith(node.a, guards, node.where);
    const b = this.arith(node.b, guards, node.where);
    const jop = { '>': CJmp.JGT, '<=': CJmp.JGT, '>=': CJmp.JGE, '<': CJmp.JGE, '==': CJmp.JEQ, '!=': CJmp.JEQ }[node.op];
    const negate = node.op === '<=' || node.op === '<' || node.op === '!=';
    let atom: Cond;
    if (a.constant !== undefined && b.constant !== undefined) {
      const x = a.constant, y = b.constant;
      const r = jop === CJmp.JGT ? x > y : jop === CJmp.JGE ? x >= y : x === y;
      atom = { k: 'const', value: r };
    } else if (b.constant !== undefined) {
      atom = { k: 'atom', stmts: a.stmts, test: jmp(jop, b.constant) };
    } else {
      const t = this.allocScratch(node.where);
      atom = { k: 'atom', stmts: [...b.stmts, cinsn(CClass.ST, t), ...a.stmts, cinsn(CClass.LDX | CMode.MEM, t)], test: cinsn(CClass.JMP | jop | CSrc.X) };
    }
    const test = negate ? not(atom) : atom;
    return guards.length ? and(guards.reduce((x, y) => and(x, y)), test) : test;
  }
}

