// rawtracepoint:NAME -> BPF_RAW_TRACEPOINT_OPEN, which returns a bpf_link fd directly.
import { Attr, BpfCmd, bpf, cString } from '../sys.js';
import type { Program } from '../programs.js';
import { OwningLink, fdPart } from './link.js';

export class RawTracepointLink extends OwningLink {
  readonly kind = 'raw_tracepoint';
  private constructor(target: string, fd: number) {
    super(target, [fdPart(fd)]);
  }

  /** Attach a BPF_PROG_TYPE_RAW_TRACEPOINT program to the kernel tracepoint `name` (e.g. "sched_switch"). */
  static attach(program: Program, name: string): RawTracepointLink {
    const attr = new Attr().ptr(0, cString(name)).u32(8, program.fd);
    return new RawTracepointLink(name, bpf(BpfCmd.RAW_TRACEPOINT_OPEN, attr, `raw tracepoint ${name}`));
  }
}
