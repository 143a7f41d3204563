// npm run bench:filter -- packets/s filtering a large capture (the Ethernet captures of
// /work/shared/pcaps repeated) with: the classic BPF interpreter, the eBPF translation on the
// userspace VM (interpreter and WebAssembly JIT), and tcpdump reading the same file
// (`tcpdump -r BIG -w /dev/null EXPR`, whole process, so it includes file reading). Prints figures only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFilter } from '../src/cbpf/filter/compile.js';
import { runCbpf } from '../src/cbpf/interpreter.js';
import { type CapturedPacket, LinkType, readCaptureFile, writePcap } from '../src/cbpf/pcap.js';
import { cbpfToEbpf } from '../src/cbpf/to-ebpf.js';
import { Interpreter } from '../src/vm/interpreter.js';
import { JitProgram } from '../src/vm/jit/jit.js';

const PCAPS = process.env.BPFKIT_PCAPS ?? '/work/shared/pcaps';
const TARGET = Number(process.env.BENCH_PACKETS ?? 200_000);
const EXPRESSIONS = ['tcp', 'tcp port 22 and tcp[13] & 2 != 0', 'host 192.168.1.11 and (port 53 or port 123)', 'ip6 or arp', 'ip[2:2] - ((ip[0]&0xf)<<2) > 100'];

const base: CapturedPacket[] = [];
for (const f of readdirSync(PCAPS).filter((n) => n.endsWith('.pcap')).sort()) {
  try {
    const cap = readCaptureFile(join(PCAPS, f));
    if (cap.linkType === LinkType.ETHERNET) base.push(...cap.packets);
  } catch { /* unreadable capture: not part of the benchmark */ }
}
const packets: CapturedPacket[] = [];
while (packets.length < TARGET) packets.push(...base.slice(0, TARGET - packets.length));
const bytes = packets.reduce((s, p) => s + p.data.length, 0);
const dir = mkdtempSync(join(tmpdir(), 'bpfkit-bench-'));
const big = join(dir, 'big.pcap');
writeFileSync(big, writePcap(packets, { linkType: LinkType.ETHERNET, snaplen: 262144 }));
console.log(`capture: ${packets.length} packets, ${(bytes / 1e6).toFixed(1)} MB (Ethernet captures of ${PCAPS} repeated)`);

const rate = (n: number, ms: number): string => `${(n / ms / 1000).toFixed(2)} Mpkt/s`.padStart(14);
/** Best of three timed passes after one warm-up pass (JIT tiers, caches; the machine is noisy). */
function time(fn: () => number): { ms: number; matched: number } {
  let matched = fn();
  let ms = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    matched = fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, matched };
}

console.log(`${'expression'.padEnd(46)} ${'cbpf interp'.padStart(14)} ${'ebpf interp'.padStart(14)} ${'ebpf JIT'.padStart(14)} ${'tcpdump'.padStart(14)}  matched`);
try {
  for (const e of EXPRESSIONS) {
    const program = compileFilter(e, { linkType: LinkType.ETHERNET, snaplen: 262144 });
    const cb = time(() => { let m = 0; for (const p of packets) if (runCbpf(program, p.data, p.wireLength)) m++; return m; });

    const ebpf = cbpfToEbpf(program);
    const vm = new Interpreter(ebpf);
    // The VM interpreter passes r2 = the region size, i.e. the captured length (see test/cbpf/runners.ts).
    const vmRegion = vm.memory.map(262144, 'ctx', true, 'packet');
    const ei = time(() => {
      let m = 0;
      for (const p of packets) {
        vm.memory.bytes.set(p.data, vmRegion.start);
        if (vm.run({ ...vmRegion, size: p.data.length })) m++;
      }
      return m;
    });
    vm.memory.unmap(vmRegion);
    vm.dispose();

    const jit = new JitProgram(ebpf);
    const region = jit.memory.map(262144, 'ctx', true, 'packet');
    const ej = time(() => {
      let m = 0;
      for (const p of packets) {
        jit.memory.bytes.set(p.data, region.start);
        if (jit.runWith(region.start, p.wireLength, [{ start: region.start, size: p.data.length, writable: true }], { ...region, size: p.data.length })) m++;
      }
      return m;
    });
    jit.memory.unmap(region);
    jit.dispose();

    let tdMs = Infinity;
    let tdStatus: number | null = null;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      tdStatus = spawnSync('tcpdump', ['-r', big, '-w', '/dev/null', '--', e]).status;
      tdMs = Math.min(tdMs, performance.now() - t0);
    }
    const tdCol = tdStatus === 0 ? rate(packets.length, tdMs) : 'n/a'.padStart(14);

    console.log(`${e.padEnd(46)} ${rate(packets.length, cb.ms)} ${rate(packets.length, ei.ms)} ${rate(packets.length, ej.ms)} ${tdCol}  ${cb.matched}${cb.matched !== ej.matched ? ` (JIT: ${ej.matched}!)` : ''}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log('tcpdump column: whole process (start, read file, filter in libpcap, write to /dev/null); ours: filtering packets already in memory.');
