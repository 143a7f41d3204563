// Minimal socket bindings for classic BPF socket filters: open a socket (AF_PACKET for live
// capture, or any socket just to have the kernel check a program), attach a program with
// SO_ATTACH_FILTER, receive packets. Separate from src/kernel/sys.ts on purpose: it needs only
// a handful of libc calls, and packet capture must not depend on the bpf() layer (both share
// the koffi instance of native.ts).
import { openSync, closeSync } from 'node:fs';
import { UserError } from '../diagnostics.js';
import { type CbpfInstruction, encodeCbpf } from '../cbpf/instruction.js';
import { errnoName, koffi, libc } from './native.js';
const cSocket = libc.func('int socket(int domain, int type, int protocol)');
const cSetsockopt = libc.func('int setsockopt(int fd, int level, int optname, void *optval, unsigned int optlen)');
const cBind = libc.func('int bind(int fd, void *addr, unsigned int addrlen)');
const cRecvfrom = libc.func('long recvfrom(int fd, void *buf, size_t len, int flags, void *addr, _Inout_ unsigned int *addrlen)');
const cClose = libc.func('int close(int fd)');
const cIfNameToIndex = libc.func('unsigned int if_nametoindex(const char *name)');
const cSend = libc.func('long send(int fd, void *buf, size_t len, int flags)');
const cSetns = libc.func('int setns(int fd, int nstype)');
const CLONE_NEWNET = 0x40000000;

export const AF_INET = 2, AF_PACKET = 17, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1, SO_ATTACH_FILTER = 26, SO_DETACH_FILTER = 27;
export const ETH_P_ALL = 0x0003;
const MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20;


export class SocketError extends UserError {
  constructor(readonly call: string, readonly errno: number) {
    super(`${call} failed: ${errnoName(errno)}${errno === 1 ? ' (needs CAP_NET_RAW / root)' : ''}`);
    this.name = 'SocketError';
  }
}

const htons = (v: number): number => ((v & 0xff) << 8) | ((v >> 8) & 0xff);

export function interfaceIndex(name: string): number {
  const idx = cIfNameToIndex(name) as number;
  if (!idx) throw new UserError(`no such network interface '${name}'`);
  return idx;
}

export interface ReceivedPacket {
  data: Uint8Array;
  /** Length of the packet on the wire (MSG_TRUNC). */
  wireLength: number;
  /** PACKET_HOST 0 ... PACKET_OUTGOING 4, from sockaddr_ll. */
  pkttype: number;
  ifindex: number;
  /** Ethernet type from sockaddr_ll (host order). */
  protocol: number;
}

/** A socket that owns its fd; close() it (or use `using`). */
export class FilterSocket {
  private closed = false;
  private constructor(readonly fd: number) {}

  /** A raw AF_PACKET socket seeing every protocol, optionally bound to one interface. */
  static packet(ifname?: string): FilterSocket {
    const fd = cSocket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)) as number;
    if (fd < 0) throw new SocketError('socket(AF_PACKET, SOCK_RAW)', koffi.errno());
    const s = new FilterSocket(fd);
    if (ifname !== undefined) {
      try {
        const sll = Buffer.alloc(20);
        sll.writeUInt16LE(AF_PACKET, 0);
        sll.writeUInt16BE(ETH_P_ALL, 2);
        sll.writeInt32LE(interfaceIndex(ifname), 4);
        if ((cBind(fd, sll, sll.length) as number) < 0) throw new SocketError(`bind(${ifname})`, koffi.errno());
      } catch (e) {
        s.close();
        throw e;
      }
    }
    return s;
  }

  /** An ordinary UDP socket: enough for the kernel to check a classic program on attach. */
  static udp(): FilterSocket {
    const fd = cSocket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number;
    if (fd < 0) throw new SocketError('socket(AF_INET, SOCK_DGRAM)', koffi.errno());
    return new FilterSocket(fd);
  }

  /** SO_ATTACH_FILTER: the kernel runs its own checker (EINVAL if it refuses the program). */
  attachFilter(program: readonly CbpfInstruction[]): void {
    const insns = Buffer.from(encodeCbpf(program));
    const fprog = Buffer.alloc(16);
    fprog.writeUInt16LE(program.length, 0);
    fprog.writeBigUInt64LE(BigInt(koffi.address(insns) as bigint), 8);
    if ((cSetsockopt(this.fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, fprog.length) as number) < 0)
      throw new SocketError('setsockopt(SO_ATTACH_FILTER)', koffi.errno());
  }

  detachFilter(): void {
    const zero = Buffer.alloc(4);
    if ((cSetsockopt(this.fd, SOL_SOCKET, SO_DETACH_FILTER, zero, 4) as number) < 0)
      throw new SocketError('setsockopt(SO_DETACH_FILTER)', koffi.errno());
  }

  /** Send one frame (AF_PACKET: a whole link-layer frame on the bound interface). */
  send(frame: Uint8Array): void {
    const buf = Buffer.from(frame);
    if (Number(cSend(this.fd, buf, buf.length, 0)) < 0) throw new SocketError('send', koffi.errno());
  }

  /** Receive one packet without blocking; undefined when none is queued. */
  receive(buffer: Buffer = Buffer.alloc(262144)): ReceivedPacket | undefined {
    const sll = Buffer.alloc(20);
    const len = [20];
    const n = Number(cRecvfrom(this.fd, buffer, buffer.length, MSG_DONTWAIT | MSG_TRUNC, sll, len));
    if (n < 0) {
      const e = koffi.errno();
      if (e === 11) return undefined; // EAGAIN
      throw new SocketError('recvfrom', e);
    }
    return {
      data: new Uint8Array(buffer.subarray(0, Math.min(n, buffer.length))),
      wireLength: n,
      pkttype: sll.readUInt8(10),
      ifindex: sll.readInt32LE(4),
      protocol: sll.readUInt16BE(2),
    };
  }

  /** Receive, waiting up to `timeoutMs` (polls without blocking the event loop for long). */
  async receiveWait(timeoutMs: number, buffer?: Buffer): Promise<ReceivedPacket | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const p = this.receive(buffer);
      if (p || Date.now() >= end) return p;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    cClose(this.fd);
  }
  [Symbol.dispose](): void { this.close(); }
}

/**
 * Run `fn` with the calling thread in the network namespace of /var/run/netns/NAME (what
 * `ip netns exec` does), then come back. Sockets created inside stay in that namespace.
 */
export function inNetworkNamespace<T>(name: string, fn: () => T): T {
  const self = openSync('/proc/thread-self/ns/net', 'r');
  const target = openSync(`/var/run/netns/${name}`, 'r');
  try {
    if ((cSetns(target, CLONE_NEWNET) as number) < 0) throw new SocketError(`setns(${name})`, koffi.errno());
    try {
      return fn();
    } finally {
      if ((cSetns(self, CLONE_NEWNET) as number) < 0) throw new SocketError('setns(back)', koffi.errno());
    }
  } finally {
    closeSync(target);
    closeSync(self);
  }
}
