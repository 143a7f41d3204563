// Recursive-descent parser for the pcap filter language, following libpcap's grammar:
// `and` and `or` have the same precedence and associate to the left; `not` binds tighter; a bare
// id after `and`/`or` (or `not`, or inside parentheses after a qualifier) reuses the qualifiers
// of the primitive before it; arithmetic `%` and `^` have no precedence in libpcap's grammar,
// so bison's shift default makes everything to their right their right operand.
import type { AddrQual, Arith, DirQual, FilterNode, IdValue, ProtoQual, Qualifiers, RelOp, Where } from './ast.js';
import { FilterSyntaxError, type Token, tokenize } from './lexer.js';

const PROTO_NAMES: Record<string, ProtoQual> = {
  link: 'link', ether: 'link', ip: 'ip', ip6: 'ip6', arp: 'arp', rarp: 'rarp', tcp: 'tcp', udp: 'udp',
  sctp: 'sctp', icmp: 'icmp', icmp6: 'icmp6', igmp: 'igmp', pim: 'pim', vrrp: 'vrrp', ah: 'ah', esp: 'esp', igrp: 'igrp',
};
/** Protocol keywords libpcap knows and we do not generate code for. */
const UNSUPPORTED = new Set([
  'fddi', 'tr', 'wlan', 'ppp', 'slip', 'atalk', 'aarp', 'decnet', 'lat', 'sca', 'moprc', 'mopdl', 'iso', 'esis',
  'isis', 'clnp', 'stp', 'ipx', 'netbeui', 'carp', 'llc', 'protochain', 'geneve', 'pppoed', 'atm', 'radio',
  'l1', 'l2', 'iih', 'lsp', 'snp', 'csnp', 'psnp', 'vpi', 'vci', 'lane', 'oamf4', 'oamf4s', 'oamf4e', 'oam',
  'metac', 'bcc', 'sc', 'ilmic', 'connectmsg', 'metaconnect', 'type', 'subtype', 'dir', 'ra', 'ta', 'addr1',
  'addr2', 'addr3', 'addr4', 'fisu', 'lssu', 'msu', 'hfisu', 'hlssu', 'hmsu', 'sio', 'opc', 'dpc', 'sls',
  'hsio', 'hopc', 'hdpc', 'hsls', 'on', 'ifname', 'rnr', 'rulenum', 'reason', 'rset', 'ruleset', 'srnr',
  'subrulenum', 'action', 'vxlan',
]);
const KEYWORDS = new Set([
  ...Object.keys(PROTO_NAMES), ...UNSUPPORTED, 'src', 'dst', 'host', 'net', 'mask', 'port', 'portrange', 'proto',
  'gateway', 'less', 'greater', 'broadcast', 'multicast', 'and', 'or', 'not', 'len', 'inbound', 'outbound',
  'ifindex', 'vlan', 'mpls', 'pppoes', 'byte',
]);
const ADDR_QUALS = new Set<AddrQual>(['host', 'net', 'port', 'portrange', 'proto', 'gateway']);

/** Named constants usable in arithmetic (pcap-filter(7)). */
export const NAMED_CONSTANTS: Record<string, number> = {
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5,
  'icmp-echo': 8, 'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12,
  'icmp-tstamp': 13, 'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17,
  'icmp-maskreply': 18, icmp6type: 0, icmp6code: 1, 'icmp6-destinationunreach': 1, 'icmp6-packettoobig': 2,
  'icmp6-timeexceeded': 3, 'icmp6-parameterproblem': 4, 'icmp6-echo': 128, 'icmp6-echoreply': 129,
  'icmp6-multicastlistenerquery': 130, 'icmp6-multicastlistenerreportv1': 131, 'icmp6-multicastlistenerdone': 132,
  'icmp6-routersolicit': 133, 'icmp6-routeradvert': 134, 'icmp6-neighborsolicit': 135, 'icmp6-neighboradvert': 136,
  'icmp6-redirect': 137, tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08,
  'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};

/** Binding power of left-associative arithmetic operators (higher binds tighter). */
const ARITH_PREC: Record<string, number> = { '|': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5 };
const RELOPS: Record<string, RelOp> = { '>': '>', '>=': '>=', '<': '<', '<=': '<=', '=': '==', '==': '==', '!=': '!=' };

/** Qualifier set that makes a following bare id an error (after `tcp`, `len > 5`, `( ... )`). */
const QERR: Qualifiers = Object.freeze({ addr: 'gateway', proto: 'link', dir: 'src and dst', err: true } as Qualifiers);

class Parser {
  private pos = 0;
  constructor(private readonly source: string, private readonly tokens: Token[]) {}

  private peek(n = 0): Token { return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)]!; }
  private next(): Token { return this.tokens[this.pos++]!; }
  private isWord(t: Token, ...words: string[]): boolean { return t.kind === 'id' && !t.escaped && words.includes(t.text); }
  private isOp(t: Token, ...ops: string[]): boolean { return t.kind === 'op' && ops.includes(t.text); }
  private error(t: Token, message = 'syntax error'): never {
    throw new FilterSyntaxError(message, this.source, t.offset, t.kind === 'eof' ? 1 : t.length);
  }
  private where(from: Token, to: Token = this.tokens[this.pos - 1] ?? from): Where {
    return { offset: from.offset, length: Math.max(1, to.offset + to.length - from.offset) };
  }
  private isAnd(t: Token): boolean { return this.isWord(t, 'and') || this.isOp(t, '&&'); }
  private isOr(t: Token): boolean { return this.isWord(t, 'or') || this.isOp(t, '||'); }
  private isNot(t: Token): boolean { return this.isWord(t, 'not') || this.isOp(t, '!'); }

  parse(): FilterNode | undefined {
    if (this.peek().kind === 'eof') return undefined;
    const { node } = this.expr();
    if (this.peek().kind !== 'eof') this.error(this.peek());
    return node;
  }

  /** expr := term (('and'|'or') (term | id))*   -- and/or: equal precedence, left associative. */
  private expr(): { node: FilterNode; q: Qualifiers } {
    let { node, q } = this.term();
    for (;;) {
      const t = this.peek();
      const kind = this.isAnd(t) ? 'and' : this.isOr(t) ? 'or' : undefined;
      if (!kind) return { node, q };
      this.next();
      if (this.startsBareId()) {
        const right = this.bareId(q);
        node = { k: kind, a: node, b: right };
      } else {
        const right = this.term();
        node = { k: kind, a: node, b: right.node };
        q = right.q;
      }
    }
  }

  /** Does a qualifier-less id start here (`b` in `host a and b`, `not b`, `(b or c)`)? */
  private startsBareId(at = 0): boolean {
    const t = this.peek(at);
    if (t.kind === 'v4' || t.kind === 'v6' || t.kind === 'mac') return true;
    if (t.kind === 'num') {
      const after = this.peek(at + 1);
      return !(after.kind === 'op' && (after.text in RELOPS || after.text in ARITH_PREC || ['%', '^'].includes(after.text)));
    }
    if (t.kind === 'id') return t.escaped === true || !(KEYWORDS.has(t.text) || t.text in NAMED_CONSTANTS) || this.isNot(t) && this.startsBareId(at + 1);
    if (this.isNot(t)) return this.startsBareId(at + 1);
    if (this.isOp(t, '(')) return this.startsBareId(at + 1);
    return false;
  }

  /** id := nid | 'not' id | '(' id (('and'|'or') id)* ')' with inherited qualifiers. */
  private bareId(q: Qualifiers): FilterNode {
    const t = this.peek();
    if ((q as { err?: boolean }).err) this.error(t, 'syntax error in filter expression');
    if (this.isNot(t)) { this.next(); return { k: 'not', a: this.bareId(q) }; }
    if (this.isOp(t, '(')) {
      this.next();
      let node = this.bareId(q);
      for (;;) {
        const op = this.peek();
        const kind = this.isAnd(op) ? 'and' : this.isOr(op) ? 'or' : undefined;
        if (!kind) break;
        this.next();
        node = { k: kind, a: node, b: this.bareId(q) };
      }
      if (!this.isOp(this.peek(), ')')) this.error(this.peek());
      this.next();
      return node;
    }
    const start = this.peek();
    const id = this.idValue();
    return { k: 'prim', q, id, where: this.where(start) };
  }

  private idValue(): IdValue {
    const t = this.next();
    switch (t.kind) {
      case 'num':
        if (this.isOp(this.peek(), '-') && this.peek(1).kind === 'num') {
          this.next();
          const hi = this.next();
          return { kind: 'range', lo: t.value!, hi: hi.value!, text: `${t.text}-${hi.text}` };
        }
        return { kind: 'num', value: t.value!, text: t.text };
      case 'v6': {
        if (this.isOp(this.peek(), '/')) { this.next(); return { kind: 'v6', text: t.text, prefix: this.number() }; }
        return { kind: 'v6', text: t.text };
      }
      case 'v4': {
        if (this.isOp(this.peek(), '/')) { this.next(); return { kind: 'v4', text: t.text, prefix: this.number() }; }
        if (this.isWord(this.peek(), 'mask')) {
          this.next();
          const m = this.next();
          if (m.kind !== 'v4') this.error(m);
          return { kind: 'v4', text: t.text, mask: m.text };
        }
        return { kind: 'v4', text: t.text };
      }
      case 'mac': return { kind: 'mac', text: t.text };
      case 'id':
        if (!t.escaped && KEYWORDS.has(t.text)) this.error(t);
        return { kind: 'name', text: t.text };
      default: this.error(t);
    }
  }

  private number(): number {
    const t = this.next();
    if (t.kind !== 'num') this.error(t);
    return t.value!;
  }

  /** term := 'not' term | rterm */
  private term(): { node: FilterNode; q: Qualifiers } {
    const t = this.peek();
    if (this.isNot(t)) {
      this.next();
      const inner = this.term();
      return { node: { k: 'not', a: inner.node }, q: inner.q };
    }
    return this.rterm();
  }

  private rterm(): { node: FilterNode; q: Qualifiers } {
    const t = this.peek();
    if (this.isOp(t, '(')) {
      // Either a parenthesised boolean expression or the start of an arithmetic comparison.
      const save = this.pos;
      try {
        const rel = this.relation();
        return { node: rel, q: QERR };
      } catch (e) {
        if (!(e instanceof FilterSyntaxError)) throw e;
        this.pos = save;
      }
      this.next();
      const inner = this.expr();
      if (!this.isOp(this.peek(), ')')) this.error(this.peek());
      this.next();
      return { node: inner.node, q: QERR };
    }
    if (t.kind === 'num' || this.isOp(t, '-') || this.isWord(t, 'len') || (t.kind === 'id' && !t.escaped && t.text in NAMED_CONSTANTS))
      return { node: this.relation(), q: QERR };
    if (t.kind === 'id' && !t.escaped) {
      if (UNSUPPORTED.has(t.text)) this.error(t, `'${t.text}' is not supported by bpfkit's filter compiler`);
      switch (t.text) {
        case 'less': case 'greater': {
          this.next();
          const n = this.number();
          return { node: { k: 'len', op: t.text, value: n }, q: QERR };
        }
        case 'inbound': case 'outbound':
          this.next();
          return { node: { k: t.text, where: this.where(t) }, q: QERR };
        case 'ifindex': {
          this.next();
          return { node: { k: 'ifindex', value: this.number(), where: this.where(t) }, q: QERR };
        }
        case 'vlan': case 'mpls': case 'pppoes': {
          this.next();
          const value = this.peek().kind === 'num' && !this.isArithFollow(1) ? this.number() : undefined;
          return { node: { k: t.text, value, where: this.where(t) }, q: QERR };
        }
        case 'broadcast': case 'multicast':
          this.next();
          return { node: { k: t.text, where: this.where(t) }, q: QERR };
      }
      const proto = PROTO_NAMES[t.text];
      if (proto) {
        const after = this.peek(1);
        if (this.isOp(after, '[')) return { node: this.relation(), q: QERR };
        if (this.isWord(after, 'broadcast', 'multicast')) {
          this.next();
          this.next();
          return { node: { k: after.text as 'broadcast' | 'multicast', proto, where: this.where(t) }, q: QERR };
        }
        if (this.isWord(after, 'src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'gateway')) return this.headId();
        this.next();
        return { node: { k: 'proto', proto, where: this.where(t) }, q: QERR };
      }
      if (this.isWord(t, 'src', 'dst', 'host', 'net', 'port', 'portrange', 'proto', 'gateway')) return this.headId();
    }
    this.error(t);
  }

  private isArithFollow(at: number): boolean {
    const t = this.peek(at);
    return t.kind === 'op' && (t.text in RELOPS || t.text in ARITH_PREC || ['%', '^'].includes(t.text));
  }

  /** head id := [proto] [dir] [addr] id */
  private headId(): { node: FilterNode; q: Qualifiers } {
    const start = this.peek();
    const q: Qualifiers = {};
    if (start.kind === 'id' && PROTO_NAMES[start.text] && !start.escaped) { q.proto = PROTO_NAMES[start.text]; this.next(); }
    const d = this.peek();
    if (this.isWord(d, 'src', 'dst')) {
      this.next();
      const conj = this.peek();
      const other = this.peek(1);
      if ((this.isWord(conj, 'or') || this.isWord(conj, 'and')) && this.isWord(other, d.text === 'src' ? 'dst' : 'src')) {
        this.next();
        this.next();
        q.dir = conj.text === 'or' ? 'src or dst' : 'src and dst';
      } else {
        q.dir = d.text as DirQual;
      }
    }
    const a = this.peek();
    if (a.kind === 'id' && !a.escaped && ADDR_QUALS.has(a.text as AddrQual)) { q.addr = a.text as AddrQual; this.next(); }
    const idStart = this.peek();
    if (idStart.kind === 'eof' || (idStart.kind === 'id' && !idStart.escaped && KEYWORDS.has(idStart.text) && !this.isNot(idStart)) || this.isOp(idStart, ')'))
      this.error(idStart);
    const node = this.bareId(q);
    return { node, q };
  }

  /** arth relop arth */
  private relation(): FilterNode {
    const start = this.peek();
    const a = this.arith(0);
    const t = this.next();
    const op = t.kind === 'op' ? RELOPS[t.text] : undefined;
    if (!op) this.error(t);
    const b = this.arith(0);
    return { k: 'rel', op, a, b, where: this.where(start) };
  }

  private arith(minPrec: number): Arith {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op') return left;
      if (t.text === '%' || t.text === '^') {
        // No declared precedence: bison shifts, so the rest of the expression is the right operand.
        this.next();
        const right = this.arith(0);
        left = { k: 'bin', op: t.text, a: left, b: right };
        continue;
      }
      const prec = ARITH_PREC[t.text];
      if (prec === undefined || prec < minPrec) return left;
      this.next();
      const right = this.arith(prec + 1);
      left = { k: 'bin', op: t.text as '+', a: left, b: right };
    }
  }

  private unary(): Arith {
    const t = this.next();
    if (this.isOp(t, '-')) return { k: 'neg', a: this.unary() };
    if (this.isOp(t, '(')) {
      const inner = this.arith(0);
      if (!this.isOp(this.peek(), ')')) this.error(this.peek());
      this.next();
      return inner;
    }
    if (t.kind === 'num') return { k: 'num', value: t.value! };
    if (t.kind === 'id' && !t.escaped) {
      if (t.text === 'len') return { k: 'len' };
      if (t.text in NAMED_CONSTANTS) return { k: 'num', value: NAMED_CONSTANTS[t.text]! };
      const proto = PROTO_NAMES[t.text];
      if (proto && this.isOp(this.peek(), '[')) {
        this.next();
        const index = this.arith(0);
        let size: 1 | 2 | 4 = 1;
        if (this.isOp(this.peek(), ':')) {
          this.next();
          const st = this.peek();
          const n = this.number();
          if (n !== 1 && n !== 2 && n !== 4) this.error(st, 'data size must be 1, 2, or 4');
          size = n;
        }
        if (!this.isOp(this.peek(), ']')) this.error(this.peek());
        this.next();
        return { k: 'load', proto, index, size, where: this.where(t) };
      }
    }
    this.error(t);
  }
}

export function parseFilter(source: string): FilterNode | undefined {
  return new Parser(source, tokenize(source)).parse();
}
