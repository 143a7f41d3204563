// rawtracepoint:NAME -> BPF_RAW_TRACEPOINT_OPEN, which returns a bpf_link fd directly.
import { Attr, BpfCmd, bpf, closeFd, cString } from '../sys.js';
import { track, untrack } from '../cleanup.js';
import type { Program } from '../programs.js';
import type { Link } from './link.js';

export class RawTracepointLink implements Link {
  readonly kind = 'raw_tracepoint';
  private fd: number;
  private constructor(readonly target: string, fd: number) {
    this.fd = fd;
    track(this);
  }

  /** Attach a BPF_PROG_TYPE_RAW_TRACEPOINT program to the kernel tracepoint `name` (e.g. "sched_switch"). */
  static attach(program: Program, name: string): RawTracepointLink {
    const attr = new Attr().ptr(0, cString(name)).u32(8, program.fd);
    return new RawTracepointLink(name, bpf(BpfCmd.RAW_TRACEPOINT_OPEN, attr, `raw tracepoint ${name}`));
  }

  get closed(): boolean { return this.fd < 0; }
  close(): void {
    if (this.fd < 0) return;
    closeFd(this.fd);
    this.fd = -1;
    untrack(this);
  }
}
