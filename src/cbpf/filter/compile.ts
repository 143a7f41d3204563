// pcap filter text -> classic BPF program (what pcap_compile does).
import type { CbpfInstruction } from '../instruction.js';
import { LinkType } from '../pcap.js';
import { FilterCodegen } from './codegen.js';
import { emitProgram } from './emit.js';
import { parseFilter } from './parser.js';
import { FilterSyntaxError } from './lexer.js';

export interface CompileOptions {
  /** LINKTYPE_* of the packets (1 Ethernet, 101 raw IP, 113 Linux cooked v1, 276 v2). */
  linkType?: number;
  /** The accepting return value; tcpdump uses the capture's snapshot length. */
  snaplen?: number;
  /** Run the optimizer (default true), like tcpdump without -O. */
  optimize?: boolean;
  /** Compiling for a live Linux socket (inbound/outbound/ifindex use ancillary loads). */
  live?: boolean;
}

export function compileFilter(expression: string, options: CompileOptions = {}): CbpfInstruction[] {
  const ast = parseFilter(expression);
  const gen = new FilterCodegen(expression, { linkType: options.linkType ?? LinkType.ETHERNET, live: options.live });
  const cond = ast ? gen.gen(ast) : undefined;
  const program = emitProgram(cond, { snaplen: options.snaplen ?? 262144, optimize: options.optimize });
  // libpcap refuses a filter that can never match (`arp` on raw IP): say so rather than
  // silently capture nothing.
  if (options.optimize !== false && program.length === 1 && program[0]!.k === 0)
    throw new FilterSyntaxError('expression rejects all packets', expression, 0, Math.max(1, expression.length));
  return program;
}
