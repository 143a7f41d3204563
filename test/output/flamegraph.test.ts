import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addStack, formatFolded, parseFolded } from '../../src/output/folded.js';
import { frameTree, flameGraphHtml } from '../../src/output/flamegraph.js';

test('stacks fold root-first and count repeats', () => {
  const f = new Map<string, number>();
  addStack(f, ['leaf', 'mid', 'main']);
  addStack(f, ['leaf', 'mid', 'main'], 2);
  addStack(f, ['other', 'main']);
  assert.equal(formatFolded(f), 'main;mid;leaf 3\nmain;other 1\n');
  assert.deepEqual(parseFolded(formatFolded(f)), f);
});

test('frame tree sums children into parents', () => {
  const t = frameTree(parseFolded('main;a 3\nmain;b 1\nidle 6\n'));
  assert.equal(t.v, 10);
  assert.deepEqual(t.c.map((c) => [c.n, c.v]), [['idle', 6], ['main', 4]]);
});

test('the HTML is self-contained and cannot be broken out of by a frame name', () => {
  const html = flameGraphHtml(parseFolded('main;</script><b>x 1\n'), 'T <1>');
  // The SVG namespace URI is an identifier, never fetched; anything else with a scheme would be.
  assert.ok(!/src=|href=|https?:/.test(html.replaceAll('http://www.w3.org/2000/svg', '')), 'no external resources');
  assert.equal(html.split('</script>').length, 2, 'only the closing tag of our own script');
  assert.match(html, /<title>T &lt;1&gt;<\/title>/);
});
