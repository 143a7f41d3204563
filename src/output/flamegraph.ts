// A self-contained flame graph: one HTML file with the frame tree embedded as JSON and a small
// script that draws it as SVG, with click-to-zoom, reset, and search highlighting. No network,
// no external scripts or fonts, so it opens anywhere the file is copied.
import { FoldedStacks } from './folded.js';

interface FrameNode {
  n: string;
  v: number;
  c: FrameNode[];
}

/** Build the frame tree (root = "all") from folded stacks. */
export function frameTree(folded: FoldedStacks): FrameNode {
  const root: FrameNode = { n: 'all', v: 0, c: [] };
  for (const [stack, count] of folded) {
    root.v += count;
    let node = root;
    for (const frame of stack.split(';')) {
      let child = node.c.find((c) => c.n === frame);
      if (!child) node.c.push((child = { n: frame, v: 0, c: [] }));
      child.v += count;
      node = child;
    }
  }
  const sort = (n: FrameNode): void => { n.c.sort((a, b) => (a.n < b.n ? -1 : 1)); n.c.forEach(sort); };
  sort(root);
  return root;
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The HTML document. `title` is shown at the top. */
export function flameGraphHtml(folded: FoldedStacks, title = 'Flame Graph'): string {
  // JSON inside <script>: escape '<' so a frame name cannot close the script element.
  const data = JSON.stringify(frameTree(folded)).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{margin:0;font:12px Verdana,sans-serif;background:#fff}
#bar{padding:6px 10px;display:flex;gap:12px;align-items:center}
#bar h1{font-size:15px;margin:0 auto 0 0}
#info{padding:2px 10px;height:16px;color:#333;white-space:nowrap;overflow:hidden}
svg text{pointer-events:none;font:11px Verdana,sans-serif}
rect{stroke:#fff;stroke-width:.5;cursor:pointer}
rect.hit{fill:#e040e0 !important}
</style></head><body>
<div id="bar"><h1>${escapeHtml(title)}</h1>
<input id="q" placeholder="search (regex)" size="24"> <button id="reset">Reset zoom</button> <span id="matched"></span></div>
<div id="info">&nbsp;</div>
<svg id="fg" width="100%"></svg>
<script>
const root = ${data};
const svg = document.getElementById('fg'), info = document.getElementById('info');
const H = 17; let zoomed = root, query = null;
function depth(n){ return 1 + Math.max(0, ...n.c.map(depth)); }
function color(name){ let h = 0; for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return 'rgb(' + (205 + h % 50) + ',' + (80 + (h >> 8) % 130) + ',' + (40 + (h >> 16) % 40) + ')'; }
function pathTo(target){ const p = []; (function walk(n){ if (n === target) { p.push(n); return true; }
  for (const c of n.c) if (walk(c)) { p.push(n); return true; } return false; })(root); return p.reverse(); }
function draw(){
  const W = svg.clientWidth || 1200, levels = depth(root);
  svg.setAttribute('height', String(levels * H + 4)); svg.innerHTML = '';
  const ns = 'http://www.w3.org/2000/svg'; let matched = 0;
  const anc = pathTo(zoomed);
  anc.forEach((n, d) => box(n, 0, W, d, true));
  function box(n, x, w, d, ancestor){
    const r = document.createElementNS(ns, 'rect'); const y = (levels - 1 - d) * H;
    r.setAttribute('x', x); r.setAttribute('y', y); r.setAttribute('width', Math.max(0, w - .5)); r.setAttribute('height', H - 1);
    r.setAttribute('fill', ancestor && n !== zoomed ? '#ddd' : color(n.n));
    const hit = query && query.test(n.n); if (hit) { r.classList.add('hit'); matched += n.v; }
    const label = n.n + ' (' + n.v + ' samples, ' + (100 * n.v / root.v).toFixed(2) + '%)';
    r.onmouseover = () => { info.textContent = label; };
    r.onclick = () => { zoomed = n; draw(); };
    const t = document.createElementNS(ns, 'title'); t.textContent = label; r.appendChild(t); svg.appendChild(r);
    if (w > 30) { const tx = document.createElementNS(ns, 'text'); tx.setAttribute('x', x + 3); tx.setAttribute('y', y + 12);
      const fit = Math.floor((w - 6) / 7); tx.textContent = n.n.length > fit ? n.n.slice(0, Math.max(0, fit - 2)) + '..' : n.n; svg.appendChild(tx); }
    if (ancestor && n !== zoomed) return;
    let cx = x; for (const c of n.c) { const cw = w * c.v / n.v; if (cw >= .3) box(c, cx, cw, d + 1, false); cx += cw; }
  }
  document.getElementById('matched').textContent = query ? 'matched: ' + (100 * matched / root.v).toFixed(1) + '%' : '';
}
document.getElementById('q').oninput = (e) => { try { query = e.target.value ? new RegExp(e.target.value) : null; } catch { query = null; } draw(); };
document.getElementById('reset').onclick = () => { zoomed = root; draw(); };
window.onresize = draw; draw();
</script></body></html>
`;
}
