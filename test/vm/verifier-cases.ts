// Unsafe programs and the kernel verifier's message for each. Every case is checked twice: our
// verifier must reject it with this message, and (as root) the kernel's verifier must reject the
// same bytes with the same message (verifier.test.ts). Map handles: 1 = hash (key 4, value 16),
// 2 = ring buffer (4096 bytes), 3 = array (key 4, value 16, 1 entry); the context is XDP's.
import { ProgramBuilder, R0, R1, R2, R3, R4, R5, R6, R10 } from '../../src/isa/builder.js';
import { Instruction } from '../../src/isa/instruction.js';
import { Helper } from '../../src/isa/helpers.js';

export interface UnsafeCase {
  name: string;
  program: Instruction[];
  /** Text both verifiers' messages must contain. */
  message: string;
  /**
   * 'accepts' where the privileged kernel allows what our VM refuses: since 5.x root may read
   * uninitialised stack (allow_uninit_stack); the message is the one the kernel gives when that
   * is not allowed. We refuse so that runs are deterministic.
   */
  kernel?: 'accepts';
  /** Kernel program type (default XDP = 6). */
  progType?: number;
}

const asm = (f: (b: ProgramBuilder) => void): Instruction[] => {
  const b = new ProgramBuilder();
  f(b);
  return b.build();
};
const raw = (code: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ code, dst, src, off, imm });
const EXIT = raw(0x95);
const MOV0 = raw(0xb7, 0, 0, 0, 0);

/** r0 = lookup(map 1, key = 4 zero bytes at fp-4). */
const lookup = (b: ProgramBuilder, map = 1): ProgramBuilder =>
  b.st('w', R10, -4, 0).mov64(R2, R10).add64(R2, -4).emit({ code: 0x18, dst: 1, src: 1, off: 0, imm: map, imm64: BigInt(map) }).call(Helper.map_lookup_elem);
/** r0 = lookup and return 0 when null; continues with r0 = map value. */
const lookupChecked = (b: ProgramBuilder): ProgramBuilder => lookup(b).jmp('jne', R0, 0, 'ok').exit().label('ok');
const ldMap = (b: ProgramBuilder, dst: number, map: number): ProgramBuilder => b.emit({ code: 0x18, dst, src: 1, off: 0, imm: map, imm64: BigInt(map) });
/** r2 = data, r3 = data_end. */
const pkt = (b: ProgramBuilder): ProgramBuilder => b.ldx('w', R2, R1, 0).ldx('w', R3, R1, 4);
/** reserve 8 bytes from ring buffer 2 into r0. */
const reserve = (b: ProgramBuilder, size = 8): ProgramBuilder => ldMap(b, 1, 2).mov64(R2, size).mov64(R3, 0).call(Helper.ringbuf_reserve);

export const UNSAFE: UnsafeCase[] = [
  { name: 'read of a never-written register', message: 'R3 !read_ok', program: asm((b) => b.mov64(R0, R3).exit()) },
  { name: 'exit without setting r0', message: 'R0 !read_ok', program: [EXIT] },
  { name: 'uninitialised source of a store', message: 'R5 !read_ok', program: asm((b) => b.stx('dw', R10, -8, R5).mov64(R0, 0).exit()) },
  { name: 'uninitialised register in a comparison', message: 'R4 !read_ok', program: asm((b) => b.mov64(R0, 0).jmp('jeq', R4, 1, 'x').label('x').exit()) },
  { name: 'argument register read after a helper call clobbered it', message: 'R1 !read_ok', program: asm((b) => b.call(Helper.ktime_get_ns).mov64(R0, R1).exit()) },
  { name: 'stack write below the frame', message: 'invalid write to stack R10 off=-520 size=8', program: asm((b) => b.st('dw', R10, -520, 0).mov64(R0, 0).exit()) },
  { name: 'stack write above the frame pointer', message: 'invalid write to stack R10 off=0 size=8', program: asm((b) => b.st('dw', R10, 0, 0).mov64(R0, 0).exit()) },
  { name: 'stack read below the frame', message: 'invalid read from stack R10 off=-520 size=8', program: asm((b) => b.ldx('dw', R0, R10, -520).exit()) },
  { name: 'read of uninitialised stack', kernel: 'accepts', message: 'invalid read from stack off -8+0 size 8', program: asm((b) => b.ldx('dw', R0, R10, -8).exit()) },
  { name: 'read of partly initialised stack', kernel: 'accepts', message: 'invalid read from stack off -8+4 size 8', program: asm((b) => b.st('w', R10, -8, 1).ldx('dw', R0, R10, -8).exit()) },
  { name: 'misaligned stack store', message: 'misaligned stack access off 0+0+-7 size 8', program: asm((b) => b.st('dw', R10, -7, 0).mov64(R0, 0).exit()) },
  { name: 'dereference of a number', message: "R1 invalid mem access 'scalar'", program: asm((b) => b.mov64(R1, 0).ldx('dw', R0, R1, 0).exit()) },
  { name: 'store through a number', message: "R2 invalid mem access 'scalar'", program: asm((b) => b.mov64(R2, 4096).st('w', R2, 0, 1).mov64(R0, 0).exit()) },
  { name: 'map lookup result used without a null check', message: "R0 invalid mem access 'map_value_or_null'", program: asm((b) => lookup(b).ldx('dw', R0, R0, 0).exit()) },
  { name: 'null branch of the lookup dereferenced', message: "R0 invalid mem access 'scalar'", program: asm((b) => lookup(b).jmp('jeq', R0, 0, 'null').mov64(R0, 0).exit().label('null').ldx('dw', R0, R0, 0).exit()) },
  { name: 'map value read past its end', message: 'invalid access to map value, value_size=16 off=16 size=8', program: asm((b) => lookupChecked(b).ldx('dw', R0, R0, 16).exit()) },
  { name: 'map value read before its start', message: 'invalid access to map value, value_size=16 off=-8 size=8', program: asm((b) => lookupChecked(b).ldx('dw', R0, R0, -8).exit()) },
  { name: 'map value write straddling its end', message: 'invalid access to map value, value_size=16 off=12 size=8', program: asm((b) => lookupChecked(b).st('dw', R0, 12, 1).mov64(R0, 0).exit()) },
  { name: 'map value pointer moved past the end by a constant', message: 'invalid access to map value, value_size=16 off=20 size=4', program: asm((b) => lookupChecked(b).add64(R0, 20).ldx('w', R0, R0, 0).exit()) },
  { name: 'map value index not bounded', message: 'R0 unbounded memory access, make sure to bounds check any such access', program: asm((b) => lookupChecked(b).ldx('w', R1, R0, 0).add64(R0, R1).ldx('b', R0, R0, 0).exit()) },
  { name: 'map value index bounded too loosely', message: 'R0 max value is outside of the allowed memory range', program: asm((b) => lookupChecked(b).ldx('w', R1, R0, 0).alu64('and', R1, 0xff).add64(R0, R1).ldx('dw', R0, R0, 0).exit()) },
  { name: 'map value index checked against the wrong bound', message: 'R0 max value is outside of the allowed memory range', program: asm((b) => lookupChecked(b).ldx('w', R1, R0, 0).jmp('jgt', R1, 16, 'out').add64(R0, R1).ldx('w', R0, R0, 0).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'map value index may be negative', message: 'R0 min value is negative, either use unsigned index or do a if (index >=0) check.', program: asm((b) => lookupChecked(b).ldxs('b', R1, R0, 0).add64(R0, R1).ldx('b', R0, R0, 0).exit()) },
  { name: 'packet read without a bounds check', message: 'invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)', program: asm((b) => pkt(b).ldx('b', R0, R2, 0).exit()) },
  { name: 'packet read past the checked range', message: 'invalid access to packet, off=4 size=1, R2(id=0,off=4,r=4)', program: asm((b) => pkt(b).mov64(R4, R2).add64(R4, 4).jmp('jgt', R4, R3, 'out').ldx('b', R0, R2, 4).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'packet read on the failing side of the check', message: 'invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)', program: asm((b) => pkt(b).mov64(R4, R2).add64(R4, 4).jmp('jle', R4, R3, 'out').ldx('w', R0, R2, 0).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'packet read before its start', message: 'invalid access to packet, off=-1 size=1, R2(id=0,off=-1,r=4)', program: asm((b) => pkt(b).mov64(R4, R2).add64(R4, 4).jmp('jgt', R4, R3, 'out').ldx('b', R0, R2, -1).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'packet read straddling the checked range', message: 'invalid access to packet, off=2 size=4, R2(id=0,off=2,r=4)', program: asm((b) => pkt(b).mov64(R4, R2).add64(R4, 4).jmp('jgt', R4, R3, 'out').ldx('w', R0, R2, 2).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'packet pointer with a variable offset not rechecked', message: 'invalid access to packet, off=0 size=1, R2(id=', program: asm((b) => pkt(b).mov64(R4, R2).add64(R4, 8).jmp('jgt', R4, R3, 'out').ldx('b', R5, R2, 0).add64(R2, R5).ldx('b', R0, R2, 0).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'arithmetic on pkt_end', message: 'R3 pointer arithmetic on pkt_end prohibited', program: asm((b) => pkt(b).add64(R3, 1).mov64(R0, 0).exit()) },
  { name: 'read through pkt_end', message: "R3 invalid mem access 'pkt_end'", program: asm((b) => pkt(b).ldx('b', R0, R3, 0).exit()) },
  { name: 'arithmetic on a maybe-null pointer', message: 'R0 pointer arithmetic on map_value_or_null prohibited, null-check it first', program: asm((b) => lookup(b).add64(R0, 8).mov64(R0, 0).exit()) },
  { name: 'pointer plus pointer', message: 'R1 pointer += pointer prohibited', program: asm((b) => b.add64(R1, R10).mov64(R0, 0).exit()) },
  { name: 'bitwise and on a pointer', message: 'R1 bitwise operator &= on pointer prohibited', program: asm((b) => b.alu64('and', R1, 0xff).mov64(R0, 0).exit()) },
  { name: 'bitwise or on a pointer', message: 'R1 bitwise operator |= on pointer prohibited', program: asm((b) => b.alu64('or', R1, 1).mov64(R0, 0).exit()) },
  { name: 'xor on a stack pointer', message: 'R2 bitwise operator ^= on pointer prohibited', program: asm((b) => b.mov64(R2, R10).alu64('xor', R2, 1).mov64(R0, 0).exit()) },
  { name: 'multiplying a pointer', message: 'R1 pointer arithmetic with *= operator prohibited', program: asm((b) => b.alu64('mul', R1, 2).mov64(R0, 0).exit()) },
  { name: 'shifting a pointer', message: 'R1 pointer arithmetic with <<= operator prohibited', program: asm((b) => b.alu64('lsh', R1, 2).mov64(R0, 0).exit()) },
  { name: '32-bit arithmetic on a pointer', message: 'R1 32-bit pointer arithmetic prohibited', program: asm((b) => b.alu32('add', R1, 1).mov64(R0, 0).exit()) },
  { name: 'subtracting a pointer from a number', message: 'R0 tried to subtract pointer from scalar', program: asm((b) => b.mov64(R0, 1).alu64('sub', R0, R10).exit()) },
  { name: 'stack pointer plus an unbounded number', message: 'math between fp pointer and register with unbounded min value is not allowed', program: asm((b) => b.call(Helper.ktime_get_ns).mov64(R1, R10).add64(R1, R0).mov64(R0, 0).exit()) },
  { name: 'writing the frame pointer', message: 'frame pointer is read only', program: asm((b) => b.mov64(R10, 0).mov64(R0, 0).exit()) },
  { name: 'loading into the frame pointer', message: 'frame pointer is read only', program: asm((b) => b.st('dw', R10, -8, 0).ldx('dw', R10, R10, -8).mov64(R0, 0).exit()) },
  { name: 'division by constant zero', message: 'div by zero', program: asm((b) => b.mov64(R0, 1).alu64('div', R0, 0).exit()) },
  { name: 'modulo by constant zero', message: 'div by zero', program: asm((b) => b.mov64(R0, 1).alu32('mod', R0, 0).exit()) },
  { name: 'shift by 64', message: 'invalid shift 64', program: asm((b) => b.mov64(R0, 1).alu64('lsh', R0, 64).exit()) },
  { name: '32-bit shift by 32', message: 'invalid shift 32', program: asm((b) => b.mov64(R0, 1).alu32('rsh', R0, 32).exit()) },
  { name: 'jump past the end', message: 'jump out of range from insn 0 to 6', program: [raw(0x05, 0, 0, 5), MOV0, EXIT] },
  { name: 'jump before the start', message: 'jump out of range from insn 1 to -1', program: [MOV0, raw(0x15, 0, 0, -3, 0), EXIT] },
  { name: 'jump into the middle of lddw', message: 'jump into the middle of ldimm64 insn 2', program: [MOV0, raw(0x15, 0, 0, 1, 0), { code: 0x18, dst: 0, src: 0, off: 0, imm: 0, imm64: 0n }, EXIT] },
  { name: 'unreachable instruction', message: 'unreachable insn 2', program: [MOV0, EXIT, MOV0, EXIT] },
  { name: 'falling off the end', message: 'last insn is not an exit or jmp', program: [MOV0] },
  { name: 'jump to itself', message: 'infinite loop detected at insn 1', program: asm((b) => b.mov64(R0, 0).label('l').ja('l')) },
  { name: 'loop that never changes its state', message: 'infinite loop detected at insn 1', program: asm((b) => b.mov64(R0, 0).label('l').alu32('add', R0, 0).jmp('jlt', R0, 10, 'l').exit()) },
  { name: 'loop too long to explore', message: 'BPF program is too large. Processed 1000001 insn', program: asm((b) => b.mov64(R0, 0).label('l').add64(R0, 1).jmp('jlt', R0, 10_000_000, 'l').exit()) },
  { name: 'call of an unknown helper', message: 'invalid func unknown#10000', program: asm((b) => b.call(10000).exit()) },
  { name: 'map lookup with a number as map', message: 'R1 type=scalar expected=map_ptr', program: asm((b) => b.mov64(R1, 0).mov64(R2, R10).add64(R2, -8).call(Helper.map_lookup_elem).mov64(R0, 0).exit()) },
  { name: 'map lookup with an uninitialised key', kernel: 'accepts', message: 'invalid indirect read from stack R2 off -8+0 size 4', program: asm((b) => ldMap(b, 1, 1).mov64(R2, R10).add64(R2, -8).call(Helper.map_lookup_elem).mov64(R0, 0).exit()) },
  { name: 'map lookup with a number as key', message: 'R2 type=scalar expected=', program: asm((b) => ldMap(b, 1, 1).mov64(R2, 0).call(Helper.map_lookup_elem).mov64(R0, 0).exit()) },
  { name: 'map update with a short value', kernel: 'accepts', message: 'invalid indirect read from stack R3 off -24+8 size 16', program: asm((b) => b.st('w', R10, -4, 0).st('dw', R10, -24, 0).mov64(R2, R10).add64(R2, -4).mov64(R3, R10).add64(R3, -24).mov64(R4, 0).emit({ code: 0x18, dst: 1, src: 1, off: 0, imm: 1, imm64: 1n }).call(Helper.map_update_elem).mov64(R0, 0).exit()) },
  { name: 'map key pointer past the stack', message: 'invalid read from stack R2 off=-2 size=4', program: asm((b) => b.st('h', R10, -2, 0).mov64(R2, R10).add64(R2, -2).emit({ code: 0x18, dst: 1, src: 1, off: 0, imm: 1, imm64: 1n }).call(Helper.map_lookup_elem).mov64(R0, 0).exit()) },
  { name: 'context read past its end', message: 'invalid bpf_context access off=24 size=4', program: asm((b) => b.ldx('w', R0, R1, 24).exit()) },
  { name: 'context write', message: 'invalid bpf_context access off=12 size=4', program: asm((b) => b.st('w', R1, 12, 0).mov64(R0, 0).exit()) },
  { name: 'dereference of a moved context pointer', message: 'dereference of modified ctx ptr R1 off=4 disallowed', program: asm((b) => b.add64(R1, 4).ldx('w', R0, R1, 0).exit()) },
  { name: 'half of a packet pointer field', message: 'invalid bpf_context access off=0 size=2', program: asm((b) => b.ldx('h', R0, R1, 0).exit()) },
  { name: 'returning a pointer', message: 'At program exit the register R0 is not a known value (fp)', program: asm((b) => b.mov64(R0, R10).exit()), progType: 8 },
  { name: 'ring buffer reservation never released', message: 'Unreleased reference id=', program: asm((b) => reserve(b).mov64(R0, 0).exit()) },
  { name: 'ring buffer reservation used without a null check', message: "R0 invalid mem access 'ringbuf_mem_or_null'", program: asm((b) => reserve(b).st('dw', R0, 0, 1).mov64(R0, 0).exit()) },
  { name: 'ring buffer record written past its size', message: 'invalid access to memory, mem_size=8 off=8 size=8', program: asm((b) => reserve(b).jmp('jne', R0, 0, 'ok').exit().label('ok').st('dw', R0, 8, 1).mov64(R1, R0).mov64(R2, 0).call(Helper.ringbuf_submit).mov64(R0, 0).exit()) },
  { name: 'ring buffer submit of a number', message: 'R1 type=scalar expected=ringbuf_mem', program: asm((b) => b.mov64(R1, 0).mov64(R2, 0).call(Helper.ringbuf_submit).mov64(R0, 0).exit()) },
  { name: 'trace_printk with size zero', message: 'R2 invalid zero-sized read', program: asm((b) => b.st('dw', R10, -8, 0).mov64(R1, R10).add64(R1, -8).mov64(R2, 0).call(Helper.trace_printk).mov64(R0, 0).exit()) },
  { name: 'trace_printk with an unbounded size', message: "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'", program: asm((b) => b.call(Helper.get_prandom_u32).st('dw', R10, -8, 0).mov64(R1, R10).add64(R1, -8).mov64(R2, R0).alu64('lsh', R2, 32).alu64('rsh', R2, 1).alu64('or', R2, 1).call(Helper.trace_printk).mov64(R0, 0).exit()) },
  { name: 'trace_printk buffer shorter than its size', message: 'invalid read from stack R1 off=-8 size=16', program: asm((b) => b.st('dw', R10, -8, 0).mov64(R1, R10).add64(R1, -8).mov64(R2, 16).call(Helper.trace_printk).mov64(R0, 0).exit()) },
  { name: 'trace_printk of uninitialised stack', kernel: 'accepts', message: 'invalid indirect read from stack R1 off -16+0 size 16', program: asm((b) => b.st('dw', R10, -8, 0).mov64(R1, R10).add64(R1, -16).mov64(R2, 16).call(Helper.trace_printk).mov64(R0, 0).exit()) },
  { name: 'map pointer dereferenced', message: 'only read from bpf_htab is supported', program: asm((b) => ldMap(b, 1, 1).st('dw', R1, 0, 0).mov64(R0, 0).exit()) },
  { name: 'map pointer arithmetic', message: 'R1 pointer arithmetic on map_ptr prohibited', program: asm((b) => ldMap(b, 1, 1).add64(R1, 8).mov64(R0, 0).exit()) },
  { name: 'lddw of a handle that is no map', message: 'fd 999 is not pointing to valid bpf_map', program: asm((b) => ldMap(b, 1, 999).mov64(R0, 0).exit()) },
  { name: 'spilled pointer restored and misused', message: 'R6 bitwise operator &= on pointer prohibited', program: asm((b) => b.stx('dw', R10, -8, R1).ldx('dw', R6, R10, -8).alu64('and', R6, 1).mov64(R0, 0).exit()) },
  { name: 'branch-dependent uninitialised register', message: 'R6 !read_ok', program: asm((b) => b.ldx('w', R2, R1, 16).jmp('jeq', R2, 0, 'skip').mov64(R6, 1).label('skip').mov64(R0, R6).exit()) },
  { name: 'map value stored to stack and dereferenced when null', message: "R0 invalid mem access 'map_value_or_null'", program: asm((b) => lookup(b).stx('dw', R10, -16, R0).ldx('dw', R0, R10, -16).ldx('b', R0, R0, 0).exit()) },
  { name: 'variable stack offset past the frame', message: 'invalid variable-offset read from stack R2 var_off=(0x0; 0xf) off=-8 size=1', program: asm((b) => b.st('dw', R10, -8, 0).ldx('w', R3, R1, 16).alu64('and', R3, 15).mov64(R2, R10).add64(R2, -8).add64(R2, R3).ldx('b', R0, R2, 0).exit()) },
  { name: 'variable stack offset not aligned for its size', message: 'misaligned stack access off (0x0; 0x7)+-16+0 size 8', program: asm((b) => b.st('dw', R10, -16, 0).st('dw', R10, -8, 0).ldx('w', R3, R1, 16).alu64('and', R3, 7).mov64(R2, R10).add64(R2, -16).add64(R2, R3).ldx('dw', R0, R2, 0).exit()) },
];

/** Safe programs both verifiers must accept (the patterns real programs use). */
export const SAFE: { name: string; program: Instruction[] }[] = [
  { name: 'packet read after a bounds check', program: asm((b) => pkt(b).mov64(R4, R2).add64(R4, 4).jmp('jgt', R4, R3, 'out').ldx('w', R0, R2, 0).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'map value read after a null check', program: asm((b) => lookupChecked(b).ldx('dw', R0, R0, 8).exit()) },
  { name: 'map value index masked into range', program: asm((b) => lookupChecked(b).ldx('w', R1, R0, 0).alu64('and', R1, 7).add64(R0, R1).ldx('dw', R0, R0, 0).exit()) },
  { name: 'map value index checked against its bound', program: asm((b) => lookupChecked(b).ldx('w', R1, R0, 0).jmp('jgt', R1, 12, 'out').add64(R0, R1).ldx('w', R0, R0, 0).exit().label('out').mov64(R0, 0).exit()) },
  { name: 'bounded loop', program: asm((b) => b.mov64(R0, 0).mov64(R6, 0).label('l').add64(R0, R6).add64(R6, 1).jmp('jlt', R6, 100, 'l').exit()) },
  { name: 'spilled map value pointer survives the stack', program: asm((b) => lookupChecked(b).stx('dw', R10, -16, R0).ldx('dw', R6, R10, -16).ldx('b', R0, R6, 15).exit()) },
  { name: 'ring buffer reserve, write, submit', program: asm((b) => reserve(b).jmp('jne', R0, 0, 'ok').exit().label('ok').st('dw', R0, 0, 1).mov64(R1, R0).mov64(R2, 0).call(Helper.ringbuf_submit).mov64(R0, 0).exit()) },
  { name: 'trace_printk of a stack string', program: asm((b) => b.st('dw', R10, -8, 0x216968).mov64(R1, R10).add64(R1, -8).mov64(R2, 8).call(Helper.trace_printk).mov64(R0, 0).exit()) },
  { name: 'division by a register (RFC semantics: x/0 = 0)', program: asm((b) => b.ldx('w', R2, R1, 12).mov64(R0, 100).alu64('div', R0, R2).alu64('mod', R0, R2).exit()) },
  { name: 'variable stack offset inside initialised bytes', program: asm((b) => b.st('dw', R10, -16, 0).st('dw', R10, -8, 0).ldx('w', R3, R1, 16).alu64('and', R3, 7).mov64(R2, R10).add64(R2, -16).add64(R2, R3).ldx('b', R0, R2, 0).exit()) },
  { name: 'loop over packet bytes with a bounds check each time', program: asm((b) => pkt(b).mov64(R0, 0).mov64(R4, 0).label('l').mov64(R5, R2).add64(R5, R4).mov64(R6, R5).add64(R6, 1).jmp('jgt', R6, R3, 'out').ldx('b', R6, R5, 0).add64(R0, R6).add64(R4, 1).jmp('jlt', R4, 16, 'l').label('out').exit()) },
  { name: 'bpf-to-bpf call with a stack pointer argument', program: asm((b) => b.st('dw', R10, -8, 7).mov64(R1, R10).add64(R1, -8).callLocal('f').exit().label('f').ldx('dw', R0, R1, 0).exit()) },
  { name: 'branches on both sides of a null check', program: asm((b) => lookup(b).mov64(R6, R0).jmp('jeq', R6, 0, 'n').ldx('b', R0, R6, 0).exit().label('n').mov64(R0, 2).exit()) },
];
