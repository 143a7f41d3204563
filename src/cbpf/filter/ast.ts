// The syntax tree of a pcap filter expression. Qualifiers are resolved by the parser (libpcap
// carries them over to bare ids: `host a and b` means `host a and host b`), so a primitive
// always holds its complete qualifier set.

export type ProtoQual =
  | 'link' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'igmp' | 'pim'
  | 'vrrp' | 'ah' | 'esp' | 'igrp';
export type DirQual = 'src' | 'dst' | 'src or dst' | 'src and dst';
export type AddrQual = 'host' | 'net' | 'port' | 'portrange' | 'proto' | 'gateway';

export interface Qualifiers {
  proto?: ProtoQual;
  dir?: DirQual;
  addr?: AddrQual;
}

export interface Where {
  /** 0-based offset and length in the filter text, for error messages. */
  offset: number;
  length: number;
}

export type IdValue =
  | { kind: 'num'; value: number; text: string }
  | { kind: 'v4'; text: string; prefix?: number; mask?: string }
  | { kind: 'v6'; text: string; prefix?: number }
  | { kind: 'mac'; text: string }
  | { kind: 'name'; text: string }
  /** `portrange 1024-2047` */
  | { kind: 'range'; lo: number; hi: number; text: string };

export type Arith =
  | { k: 'num'; value: number }
  | { k: 'len' }
  | { k: 'load'; proto: ProtoQual; index: Arith; size: 1 | 2 | 4; where: Where }
  | { k: 'bin'; op: '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | '<<' | '>>'; a: Arith; b: Arith }
  | { k: 'neg'; a: Arith };

export type RelOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export type FilterNode =
  | { k: 'and' | 'or'; a: FilterNode; b: FilterNode }
  | { k: 'not'; a: FilterNode }
  /** A protocol name alone: `tcp`, `ip6`. */
  | { k: 'proto'; proto: ProtoQual; where: Where }
  /** Qualifiers and an id: `src host 10.0.0.1`, `port 80`, `ip proto 17`. */
  | { k: 'prim'; q: Qualifiers; id: IdValue; where: Where }
  | { k: 'rel'; op: RelOp; a: Arith; b: Arith; where: Where }
  | { k: 'len'; op: 'less' | 'greater'; value: number }
  | { k: 'broadcast' | 'multicast'; proto?: ProtoQual; where: Where }
  | { k: 'inbound' | 'outbound'; where: Where }
  | { k: 'ifindex'; value: number; where: Where }
  | { k: 'vlan' | 'mpls' | 'pppoes'; value?: number; where: Where };
