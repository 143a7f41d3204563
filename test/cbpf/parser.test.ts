// The filter parser: libpcap's precedence and qualifier carry-over, and its error messages with
// a column and caret (SourceError).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilter } from '../../src/cbpf/filter/parser.js';
import { compileFilter } from '../../src/cbpf/filter/compile.js';
import { FilterSyntaxError } from '../../src/cbpf/filter/lexer.js';
import { SourceError } from '../../src/diagnostics.js';
import type { FilterNode } from '../../src/cbpf/filter/ast.js';

/** A compact rendering of the tree: and/or/not with primitives as `addr:value`. */
function show(n: FilterNode | undefined): string {
  if (!n) return '';
  switch (n.k) {
    case 'and': case 'or': return `(${show(n.a)} ${n.k} ${show(n.b)})`;
    case 'not': return `not ${show(n.a)}`;
    case 'prim': return `${[n.q.proto, n.q.dir, n.q.addr].filter(Boolean).join(' ')}:${'text' in n.id ? n.id.text : ''}`;
    case 'proto': return n.proto;
    default: return n.k;
  }
}

describe('filter parser', () => {
  it('and/or have equal precedence, left to right', () => {
    assert.equal(show(parseFilter('tcp or udp and icmp')), '((tcp or udp) and icmp)');
    assert.equal(show(parseFilter('not tcp and udp')), '(not tcp and udp)');
  });
  it('carries qualifiers over to bare ids', () => {
    assert.equal(show(parseFilter('host a and b or c')), '((host:a and host:b) or host:c)');
    assert.equal(show(parseFilter('tcp dst port 80 or 443')), '(tcp dst port:80 or tcp dst port:443)');
    assert.equal(show(parseFilter('host a and not b')), '(host:a and not host:b)');
    assert.equal(show(parseFilter('src host a and (b or c)')), '(src host:a and (src host:b or src host:c))');
    assert.equal(show(parseFilter('not host a and b')), '(not host:a and host:b)');
  });
  it('src or dst is one qualifier', () => {
    assert.equal(show(parseFilter('src or dst port 53')), 'src or dst port:53');
  });
  it('% and ^ take everything to their right (no precedence in libpcap)', () => {
    const p = compileFilter('ip[1] % 3 ^ 1 << 2 >> 1 | 5 = 0');
    // 3 ^ (((1 << 2) >> 1) | 5) = 4: the program computes ip[1] % 4.
    assert.ok(p.some((i) => i.code === 0x94 && i.k === 4), JSON.stringify(p));
  });
  const errors: [string, string, number][] = [
    ['tcp and', 'syntax error', 8],
    ['port 70000', 'port number out of range: 70000 > 65535', 6],
    ['host 1.2.3.4 and (', 'syntax error', 19],
    ['tcp and 80', 'syntax error in filter expression', 9],
    ['ip6 host 1.2.3.4', "'ip6' modifier applied to ip host", 10],
    ['ip[1:3] = 1', 'data size must be 1, 2, or 4', 6],
    ['host nosuchhost.invalid', "unknown host 'nosuchhost.invalid'", 6],
    ['net 10.1.2.3/8', 'non-network bits set in "10.1.2.3/8"', 5],
    ['vlan 5000', 'VLAN tag 5000 greater than maximum 4095', 1],
    ['mpls and vlan', 'no VLAN match after MPLS', 10],
    ['ip and arp and tcp[0] = 1 and tcp', 'expression rejects all packets', 1],
    ['tcp # 5', "illegal character '#'", 5],
    ['gateway 1.2.3.4', "'gateway' requires a name", 9],
  ];
  for (const [expr, message, column] of errors) {
    it(`error: ${expr}`, () => {
      assert.throws(() => compileFilter(expr), (e: unknown) => {
        assert.ok(e instanceof FilterSyntaxError && e instanceof SourceError);
        assert.equal(e.message, message);
        assert.equal(e.span.column, column, e.render());
        assert.match(e.render(), /\n\s*\^~*$/);
        return true;
      });
    });
  }
});
