// ns per emitted event for an in-process tracepoint: no filter attached, the same filter on the
// interpreter and on the WebAssembly JIT, and the predicate hand-written in TypeScript.
// Prints figures only (no assertions on time). Usage: node dist/bench/ust.js [--events N]
import { parseArgs } from 'node:util';
import { tracepoint } from '../src/ust/index.js';

type Http = { status: number; path: string; latency_us: bigint };
const FILTER = 'status >= 500 && path == "/api/*"';
const handWritten = (e: Http): boolean => e.status >= 500 && e.path.startsWith('/api/');

const { values } = parseArgs({ options: { events: { type: 'string', default: '2000000' } } });
const total = Number(values.events);

const paths = ['/api/users', '/index.html', '/api/orders/17', '/static/app.js', '/api/', '/health'];
const statuses = [200, 200, 200, 404, 500, 503, 302, 200];
const pool: Http[] = [];
for (let i = 0; i < 1024; i++) pool.push({ status: statuses[i % statuses.length], path: paths[(i * 7) % paths.length], latency_us: BigInt(i * 13) });

function measure(name: string, run: (e: Http) => boolean): { name: string; ns: number; matched: number } {
  let matched = 0;
  // Warm up (JIT tiers, inline caches), then time.
  for (let i = 0; i < 200_000; i++) if (run(pool[i & 1023])) matched++;
  matched = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i++) if (run(pool[i & 1023])) matched++;
  const ns = Number(process.hrtime.bigint() - t0) / total;
  return { name, ns, matched };
}

const noFilter = tracepoint<Http>('bench:nofilter', { status: 'u32', path: 'string', latency_us: 'u64' });
const interp = tracepoint<Http>('bench:interp', { status: 'u32', path: 'string', latency_us: 'u64' });
interp.attachFilter(FILTER, { engine: 'interpreter' });
const jit = tracepoint<Http>('bench:jit', { status: 'u32', path: 'string', latency_us: 'u64' });
jit.attachFilter(FILTER, { engine: 'jit' });

const rows = [
  measure('no filter attached', (e) => noFilter.emit(e)),
  measure('filter, interpreter', (e) => interp.emit(e)),
  measure('filter, JIT', (e) => jit.emit(e)),
  measure('hand-written TypeScript', handWritten),
];
console.log(`bench:ust  filter: ${FILTER}  events: ${total}`);
for (const r of rows) console.log(`  ${r.name.padEnd(26)} ${r.ns.toFixed(1).padStart(8)} ns/event   (${r.matched} matched)`);
const ratio = rows[2].ns / rows[3].ns;
console.log(`  JIT / hand-written: ${ratio.toFixed(2)}x (target <= 1.5x)`);
