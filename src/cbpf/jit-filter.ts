// A classic BPF filter run on the userspace eBPF JIT: translated once (to-ebpf.ts, the kernel's
// conversion), compiled to WebAssembly, then per packet one copy into the VM's packet region and
// one call through the JIT's lean entry (i32 arguments, a u32 verdict, nothing allocated).
// Returns what runCbpf returns: the number of bytes to keep, 0 to drop the packet.
import type { CbpfInstruction } from './instruction.js';
import { cbpfToEbpf } from './to-ebpf.js';
import { JitProgram } from '../vm/jit/jit.js';
import type { Region } from '../vm/memory.js';

/** The largest packet accepted without remapping (libpcap's default snapshot length). */
const INITIAL_CAPACITY = 262144;

export class JitPacketFilter {
  private readonly jit: JitProgram;
  private region: Region;
  /** The window and input handed to the program: the region cut to the current packet. */
  private readonly packet: { kind: Region['kind']; start: number; size: number; writable: boolean; name: string };
  private readonly windows: Region[];
  private bytes: Uint8Array;

  constructor(program: readonly CbpfInstruction[]) {
    this.jit = new JitProgram(cbpfToEbpf(program));
    this.region = this.jit.memory.map(INITIAL_CAPACITY, 'ctx', true, 'packet');
    this.packet = { kind: 'ctx', start: this.region.start, size: 0, writable: true, name: 'packet' };
    this.windows = [this.packet];
    this.bytes = this.jit.memory.bytes;
  }

  /** The filter's verdict for a packet captured as `data` that was `wireLength` bytes on the wire. */
  match(data: Uint8Array, wireLength: number): number {
    if (data.length > this.region.size) this.grow(data.length);
    // A view detached by memory growth has length 0: fetch it again (cheaper than a getter per packet).
    if (this.bytes.byteLength === 0) this.bytes = this.jit.memory.bytes;
    this.bytes.set(data, this.region.start);
    this.packet.size = data.length;
    return this.jit.runWith32(this.region.start, wireLength, this.windows, this.packet);
  }

  private grow(size: number): void {
    this.jit.memory.unmap(this.region);
    this.region = this.jit.memory.map(size, 'ctx', true, 'packet');
    this.packet.start = this.region.start;
    this.bytes = this.jit.memory.bytes;
  }

  close(): void {
    this.jit.memory.unmap(this.region);
    this.jit.dispose();
  }
}
