// bpfkit filter EXPRESSION [-r FILE | -i IFACE] [-c] [-w OUT] [-d|-dd|-ddd] [--ebpf]
// tcpdump's filter language: print, count or save the matching packets of a capture, capture
// live through an AF_PACKET socket with the program attached in the kernel, or show the program.
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from '../main.js';
import { UserError } from '../../diagnostics.js';
import { compileFilter } from '../../cbpf/filter/compile.js';
import { checkCbpf } from '../../cbpf/checker.js';
import { runCbpf } from '../../cbpf/interpreter.js';
import { formatC, formatDecimal, formatListing } from '../../cbpf/listing.js';
import { type CapturedPacket, LinkType, readCaptureFile, writePcap } from '../../cbpf/pcap.js';
import { formatTime, summarize } from '../../cbpf/summary.js';
import { cbpfToEbpf } from '../../cbpf/to-ebpf.js';
import { disassembleKernel } from '../../isa/disassembler.js';

const USAGE = `usage: bpfkit filter [options] EXPRESSION...
  -r FILE       read packets from a pcap or pcapng file
  -i IFACE      capture live on IFACE (AF_PACKET socket, filter attached with SO_ATTACH_FILTER)
  -c            print only the number of matching packets
  -w OUT        write the matching packets to OUT (pcap)
  -n COUNT      stop after COUNT matching packets (live capture)
  -d, -dd, -ddd print the classic BPF program (as tcpdump -d/-dd/-ddd) and exit
  --ebpf        print the program translated to eBPF (kernel verifier-log syntax) and exit
  -O            do not optimize the program
  -y LINKTYPE   link type for -d without -r: EN10MB, LINUX_SLL, LINUX_SLL2, RAW (default EN10MB)`;

const LINK_NAMES: Record<string, number> = { EN10MB: LinkType.ETHERNET, LINUX_SLL: LinkType.LINUX_SLL, LINUX_SLL2: LinkType.LINUX_SLL2, RAW: LinkType.RAW };

const command: Command = {
  summary: 'tcpdump filter expressions: match packets in a capture or live, show the BPF program',
  async run(args) {
    // tcpdump spells its dump options -dd/-ddd; parseArgs wants long options for those.
    const normalized = args.map((a) => (a === '-dd' ? '--dd' : a === '-ddd' ? '--ddd' : a));
    let parsed;
    try {
      parsed = parseArgs({
        args: normalized,
        allowPositionals: true,
        options: {
          read: { type: 'string', short: 'r' }, interface: { type: 'string', short: 'i' }, count: { type: 'boolean', short: 'c' },
          write: { type: 'string', short: 'w' }, limit: { type: 'string', short: 'n' }, d: { type: 'boolean', short: 'd' },
          dd: { type: 'boolean' }, ddd: { type: 'boolean' }, ebpf: { type: 'boolean' }, 'no-optimize': { type: 'boolean', short: 'O' },
          linktype: { type: 'string', short: 'y' }, help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (e) {
      throw new UserError(`${(e as Error).message}\n${USAGE}`);
    }
    const o = parsed.values;
    if (o.help) { process.stdout.write(USAGE + '\n'); return 0; }
    const expression = parsed.positionals.join(' ');
    if (o.read && o.interface) throw new UserError('use either -r FILE or -i IFACE, not both');

    const capture = o.read ? readCaptureFile(o.read) : undefined;
    let linkType = capture?.linkType ?? LinkType.ETHERNET;
    if (o.linktype && !capture) {
      const lt = LINK_NAMES[o.linktype.toUpperCase()] ?? Number(o.linktype);
      if (!Number.isInteger(lt)) throw new UserError(`unknown link type '${o.linktype}'`);
      linkType = lt;
    }
    const snaplen = capture?.snaplen ?? 262144;
    const program = compileFilter(expression, { linkType, snaplen, optimize: !o['no-optimize'], live: !!o.interface });
    checkCbpf(program);

    if (o.d || o.dd || o.ddd || o.ebpf) {
      if (o.d) process.stdout.write(formatListing(program));
      if (o.dd) process.stdout.write(formatC(program));
      if (o.ddd) process.stdout.write(formatDecimal(program));
      if (o.ebpf) process.stdout.write(disassembleKernel(cbpfToEbpf(program)));
      return 0;
    }

    const matched: CapturedPacket[] = [];
    const emit = (p: CapturedPacket): void => {
      matched.push(p);
      if (!o.count && !o.write) process.stdout.write(`${formatTime(p.timestampNs)} ${summarize(p.data, p.wireLength, p.linkType)}\n`);
    };

    if (capture) {
      if (capture.truncated) process.stderr.write(`bpfkit: ${o.read}: ${capture.truncated}\n`);
      for (const p of capture.packets) {
        if (p.linkType !== linkType) continue;
        if (runCbpf(program, p.data, p.wireLength) !== 0) emit(p);
      }
    } else if (o.interface) {
      const { FilterSocket } = await import('../../kernel/socket.js');
      const sock = FilterSocket.packet(o.interface);
      const limit = o.limit ? Number(o.limit) : Infinity;
      let stop = false;
      const onSignal = (): void => { stop = true; };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        sock.attachFilter(program);
        const buffer = Buffer.alloc(262144);
        // On a loopback device every packet is seen leaving and arriving; like libpcap, keep one.
        let loopback = false;
        try { loopback = readFileSync(`/sys/class/net/${o.interface}/type`, 'utf8').trim() === '772'; } catch { /* not in sysfs */ }
        while (!stop && matched.length < limit) {
          const r = await sock.receiveWait(200, buffer);
          if (!r || (loopback && r.pkttype === 4)) continue;
          emit({ timestampNs: BigInt(Date.now()) * 1_000_000n, data: new Uint8Array(r.data), wireLength: r.wireLength, linkType: LinkType.ETHERNET, interfaceId: 0 });
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        sock.close();
      }
    } else {
      throw new UserError(`nothing to filter: give -r FILE or -i IFACE (or -d to see the program)\n${USAGE}`);
    }
    if (o.write) writeFileSync(o.write, writePcap(matched, { linkType, snaplen }));
    if (o.count) process.stdout.write(`${matched.length}\n`);
    return 0;
  },
};
export default command;
