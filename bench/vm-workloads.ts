// Five workloads for comparing the userspace engines with the kernel's JIT: each is an XDP
// program (so the kernel can run it with BPF_PROG_TEST_RUN) over a packet that is its input,
// and the same instructions run on the interpreter and the WebAssembly JIT with an XDP context.
//   arith loop    1000 iterations of multiply/xor/shift mixing (pure ALU, one backward jump)
//   packet parse  Ethernet -> IPv4 -> TCP header walk with bounds checks, port verdict
//   map heavy     8 array-map lookups with an atomic add into each value
//   helper heavy  12 helper calls (ktime, cpu id, prandom)
//   trace filter  `pid == 4242 && size > 100 && comm =~ "ba*"` over an event record, compiled as
//                 a trace-filter compiler emits it (field loads, compares, a glob prefix loop)
import { Instruction } from '../src/isa/instruction.js';
import { ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 } from '../src/isa/builder.js';
import { Helper } from '../src/isa/helpers.js';

export interface Workload {
  name: string;
  program: Instruction[];
  packet: Uint8Array;
  /** Kernel array maps the program refers to by name (created by the kernel runner). */
  maps?: { name: string; valueSize: number; entries: number }[];
}

/** r9 = data, r8 = data_end (from the XDP context in r1). */
const xdpPrologue = (b: ProgramBuilder): ProgramBuilder => b.ldx('w', R9, R1, 0).ldx('w', R8, R1, 4);

function arithLoop(): Workload {
  const b = new ProgramBuilder();
  b.mov64(R0, 0).lddw(R2, 0x123456789abcdefn).mov64(R3, 1000);
  b.label('loop')
    .add64(R0, R2).alu64('mul', R2, 0x9e3779b1 | 0).mov64(R4, R0).alu64('rsh', R4, 7).alu64('xor', R2, R4)
    .alu32('add', R0, 0x7f4a7c15).alu64('lsh', R4, 3).alu64('or', R0, R4)
    .alu64('sub', R3, 1).jmp('jne', R3, 0, 'loop');
  b.mov64(R1, R0).alu64('rsh', R1, 32).alu64('xor', R0, R1).exit();
  return { name: 'arith loop', program: b.build(), packet: new Uint8Array(64) };
}

function tcpPacket(): Uint8Array {
  const p = new Uint8Array(64);
  const v = new DataView(p.buffer);
  v.setUint16(12, 0x0800); // IPv4
  p[14] = 0x45; // version 4, IHL 5
  v.setUint16(16, 50);
  p[22] = 64; // TTL
  p[23] = 6; // TCP
  v.setUint32(26, 0x0a000001);
  v.setUint32(30, 0x0a000002);
  v.setUint16(34, 43210); // source port
  v.setUint16(36, 443); // destination port
  p[46] = 0x50; // data offset 5
  p[47] = 0x18; // PSH|ACK
  return p;
}

function packetParse(): Workload {
  const b = xdpPrologue(new ProgramBuilder());
  const pass = 'pass';
  b.mov64(R2, R9).add64(R2, 34).jmp('jgt', R2, R8, pass); // Ethernet + minimal IPv4 header
  b.ldx('h', R3, R9, 12).endian('be', R3, 16).jmp('jne', R3, 0x0800, pass);
  b.ldx('b', R4, R9, 14).alu64('and', R4, 0x0f).alu64('lsh', R4, 2).jmp('jlt', R4, 20, pass); // IHL * 4
  b.ldx('b', R5, R9, 23).jmp('jne', R5, 6, pass); // TCP
  b.ldx('h', R5, R9, 20).endian('be', R5, 16).alu64('and', R5, 0x1fff).jmp('jne', R5, 0, pass); // not a fragment
  // The TCP header at data + 14 + IHL*4 (a variable offset: needs its own bounds check).
  b.mov64(R6, R9).add64(R6, R4).add64(R6, 14).mov64(R7, R6).add64(R7, 20).jmp('jgt', R7, R8, pass);
  b.ldx('h', R3, R6, 2).endian('be', R3, 16); // destination port
  b.ldx('b', R5, R6, 13).alu64('and', R5, 0x02).jmp('jne', R5, 0, pass); // SYN: pass
  b.jmp('jeq', R3, 22, 'drop').jmp('jeq', R3, 23, 'drop');
  b.jmp('jlt', R3, 1024, pass).jmp('jgt', R3, 49151, pass);
  b.label('drop').mov64(R0, 1).exit();
  b.label(pass).mov64(R0, 2).exit();
  return { name: 'packet parse', program: b.build(), packet: tcpPacket() };
}

function mapHeavy(): Workload {
  const b = new ProgramBuilder();
  b.mov64(R6, 0).mov64(R7, 0);
  for (let i = 0; i < 8; i++) {
    const skip = b.newLabel('miss');
    b.st('w', R10, -4, i).ldMap(R1, 'counts').mov64(R2, R10).add64(R2, -4).call(Helper.map_lookup_elem);
    b.jmp('jeq', R0, 0, skip).mov64(R1, 1).atomic('dw', 'add', R0, 0, R1).ldx('dw', R1, R0, 0).add64(R7, R1);
    b.label(skip);
  }
  b.mov64(R0, R7).exit();
  return { name: 'map heavy', program: b.build(), packet: new Uint8Array(64), maps: [{ name: 'counts', valueSize: 8, entries: 8 }] };
}

function helperHeavy(): Workload {
  const b = new ProgramBuilder();
  b.mov64(R6, 0);
  for (let i = 0; i < 4; i++) {
    b.call(Helper.ktime_get_ns).alu64('xor', R6, R0);
    b.call(Helper.get_smp_processor_id).add64(R6, R0);
    b.call(Helper.get_prandom_u32).alu64('and', R0, 0).add64(R6, R0);
  }
  b.mov64(R0, R6).alu64('and', R0, 0).add64(R0, 1).exit(); // deterministic result
  return { name: 'helper heavy', program: b.build(), packet: new Uint8Array(64) };
}

/** An event record: u32 pid @0, u32 tid @4, u64 size @8, char comm[16] @16. */
function eventRecord(): Uint8Array {
  const p = new Uint8Array(64);
  const v = new DataView(p.buffer);
  v.setUint32(0, 4242, true);
  v.setUint32(4, 4243, true);
  v.setBigUint64(8, 4096n, true);
  p.set(new TextEncoder().encode('bash'), 16);
  return p;
}

function traceFilter(): Workload {
  // What a filter compiler emits for  pid == 4242 && size > 100 && comm =~ "ba*": one bounds
  // check for the whole record, then each comparison short-circuits to "reject".
  const b = xdpPrologue(new ProgramBuilder());
  const reject = 'reject';
  b.mov64(R2, R9).add64(R2, 32).jmp('jgt', R2, R8, reject);
  b.ldx('w', R3, R9, 0).jmp('jne', R3, 4242, reject);
  b.ldx('dw', R3, R9, 8).jmp('jle', R3, 100, reject);
  // Glob "ba*": literal prefix "ba" byte by byte, then anything.
  const pattern = [0x62, 0x61];
  pattern.forEach((ch, i) => { b.ldx('b', R3, R9, 16 + i).jmp('jne', R3, ch, reject); });
  b.mov64(R0, 1).exit();
  b.label(reject).mov64(R0, 0).exit();
  return { name: 'trace filter', program: b.build(), packet: eventRecord() };
}

export function workloads(): Workload[] {
  return [arithLoop(), packetParse(), mapHeavy(), helperHeavy(), traceFilter()];
}
