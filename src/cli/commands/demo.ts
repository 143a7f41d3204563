// bpfkit demo (what `npm start` runs): assemble a small eBPF program, show it in both listing
// forms, run it in the userspace interpreter on a real IPv4 header, and show what a fault looks
// like. Everything here is also reachable from the library API.
import { UserError } from '../../diagnostics.js';
import { assemble } from '../../isa/assembler.js';
import { disassembleKernel } from '../../isa/disassembler.js';
import { encode } from '../../isa/encoding.js';
import { Interpreter } from '../../vm/interpreter.js';
import { ExecutionEngine } from '../../vm/engine.js';
import { VmError } from '../../vm/errors.js';
import { JitProgram } from '../../vm/jit/jit.js';
import type { Command } from '../main.js';

const SOURCE = `# Internet checksum (RFC 1071) of the r2 bytes at r1
    mov %r0, 0              # running sum
    mov %r3, 0              # offset
loop:
    jge %r3, %r2, fold
    mov %r4, %r1
    add %r4, %r3
    ldxh %r5, [%r4]
    be16 %r5                # 16-bit words in network byte order
    add %r0, %r5
    add %r3, 2
    ja loop
fold:                       # fold the carries back into 16 bits
    mov %r5, %r0
    rsh %r5, 16
    and %r0, 0xffff
    add %r0, %r5
    jgt %r0, 0xffff, fold
    xor %r0, 0xffff         # one's complement
    exit
`;

// An IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199) whose checksum field (bytes 10-11) is b8 61.
const HEADER = Uint8Array.from([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]);

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
const indent = (text: string): string => text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');

const command: Command = {
  summary: 'assemble and run a small eBPF program in the userspace VM (what `npm start` shows)',
  async run(args) {
    if (args.length) throw new UserError('usage: bpfkit demo');
    const out: string[] = [];
    const program = assemble(SOURCE, { file: 'demo.s', locations: true });
    const bytes = encode(program);
    out.push('bpfkit demo: an eBPF program assembled and run in the userspace VM', '');
    out.push(`The program (${program.length} instructions, ${bytes.length} bytes of bytecode):`, indent(SOURCE), '');
    out.push('As the kernel verifier log would list it:', indent(disassembleKernel(program)), '');

    const vm = new Interpreter(program);
    try {
      const zeroed = HEADER.slice();
      zeroed[10] = zeroed[11] = 0;
      out.push(`Input (r1 -> ${HEADER.length} bytes, r2 = ${HEADER.length}): an IPv4 header with its checksum field zeroed`);
      out.push(`    ${hex(zeroed)}`);
      const sum = vm.run(zeroed);
      out.push(`r0 = 0x${sum.toString(16)}: the checksum (${sum === 0xb861n ? 'matches the b8 61 the real header carries' : 'UNEXPECTED: the header carries b8 61'})`);
      out.push(`    ${vm.executed} instructions executed`);
      const check = vm.run(HEADER);
      out.push(`With the checksum in place r0 = 0x${check.toString(16)}: ${check === 0n ? 'the header verifies' : 'UNEXPECTED: should be 0'}`, '');

      // The same program on each engine: same result, and how long a run takes.
      const runs = 200_000;
      const timeRuns = (engine: ExecutionEngine): number => {
        for (let i = 0; i < 2000; i++) engine.run(HEADER); // warm up
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < runs; i++) engine.run(HEADER);
        return Number(process.hrtime.bigint() - t0) / runs;
      };
      const perRun = vm.executed ?? 0;
      const interpNs = timeRuns(vm);
      out.push(`Speed over ${runs} runs (${perRun} instructions each):`);
      out.push(`    interpreter        ${interpNs.toFixed(0).padStart(6)} ns/run  ${(perRun / interpNs * 1e3).toFixed(0).padStart(5)} M instructions/s`);
      let jit: JitProgram | undefined;
      try {
        jit = new JitProgram(program, { memory: vm.memory });
        const same = jit.run(zeroed) === sum;
        const jitNs = timeRuns(jit);
        out.push(`    WebAssembly JIT    ${jitNs.toFixed(0).padStart(6)} ns/run  ${(perRun / jitNs * 1e3).toFixed(0).padStart(5)} M instructions/s  (${(interpNs / jitNs).toFixed(1)}x; ${same ? 'same result' : 'UNEXPECTED: a different result'})`);
      } catch (e) {
        out.push(`    WebAssembly JIT    not available: ${(e as Error).message}`);
      } finally {
        jit?.dispose();
      }
      out.push('');

      out.push('A fault, caught and explained: the same program told the 20-byte header is 64 bytes long');
      const region = vm.memory.map(HEADER.length, 'packet', false, 'packet');
      try {
        vm.memory.write(region, HEADER);
        vm.call([BigInt(region.start), 64n]);
        out.push('    UNEXPECTED: no fault');
      } catch (e) {
        if (!(e instanceof VmError)) throw e;
        out.push(`    ${e.kind}: ${e.message}`);
      } finally {
        vm.memory.unmap(region);
      }
    } finally {
      vm.dispose();
    }
    out.push('', 'Try: bpfkit asm prog.s -o prog.bin; bpfkit disasm prog.bin --format kernel; bpfkit run prog.s --mem "01 02 03"');
    process.stdout.write(out.join('\n') + '\n');
    return 0;
  },
};
export default command;
