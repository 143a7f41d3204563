// ns per emitted event for an in-process tracepoint: no filter attached, the same filter on the
// interpreter, on the WebAssembly JIT (record copied into wasm memory), on the JavaScript JIT
// (the default: reads the event in place), and the predicate hand-written in TypeScript: called
// bare, and attached to a tracepoint in place of the filter (attachPredicate), which is the
// like-for-like baseline: the same emit() around a different filter.
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
const wasm = tracepoint<Http>('bench:wasm', { status: 'u32', path: 'string', latency_us: 'u64' });
wasm.attachFilter(FILTER, { engine: 'wasm' });
const jit = tracepoint<Http>('bench:jit', { status: 'u32', path: 'string', latency_us: 'u64' });
const engine = jit.attachFilter(FILTER, { engine: 'jit' }).engine;
const hand = tracepoint<Http>('bench:hand', { status: 'u32', path: 'string', latency_us: 'u64' });
hand.attachPredicate(handWritten);

const rows = [
  measure('no filter attached', (e) => noFilter.emit(e)),
  measure('filter, interpreter', (e) => interp.emit(e)),
  measure('filter, WebAssembly JIT', (e) => wasm.emit(e)),
  measure(`filter, JIT (default: ${engine})`, (e) => jit.emit(e)),
  measure('hand-written, bare', handWritten),
  measure('hand-written, as the filter', (e) => hand.emit(e)),
];
console.log(`bench:ust  filter: ${FILTER}  events: ${total}`);
for (const r of rows) console.log(`  ${r.name.padEnd(26)} ${r.ns.toFixed(1).padStart(8)} ns/event   (${r.matched} matched)`);
const x = (a: number, b: number): string => `${(rows[a].ns / rows[b].ns).toFixed(2)}x`;
console.log(`  JIT / hand-written as the filter: ${x(3, 5)} (target <= 1.5x); JIT / bare hand-written: ${x(3, 4)}`);
console.log(`  WebAssembly JIT / hand-written as the filter: ${x(2, 5)}; interpreter / JIT: ${x(1, 3)}`);
