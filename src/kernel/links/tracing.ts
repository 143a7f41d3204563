// fentry/fexit (BPF_PROG_TYPE_TRACING loaded with attach_btf_id) -> BPF_RAW_TRACEPOINT_OPEN with
// no name: for a tracing program the kernel attaches the BPF trampoline of the function the
// program was loaded for, and returns a bpf_link fd; closing it detaches.
import { Attr, BpfCmd, bpf, closeFd } from '../sys.js';
import { track, untrack } from '../cleanup.js';
import type { Program } from '../programs.js';
import type { Link } from './link.js';

export class TracingLink implements Link {
  readonly kind = 'tracing';
  private fd: number;
  private constructor(readonly target: string, fd: number) {
    this.fd = fd;
    track(this);
  }

  /** Attach a tracing program (fentry/fexit) loaded for `target`'s BTF id. */
  static attach(program: Program, target: string): TracingLink {
    const attr = new Attr().u32(8, program.fd);
    return new TracingLink(target, bpf(BpfCmd.RAW_TRACEPOINT_OPEN, attr, `fentry/fexit ${target}`));
  }

  get closed(): boolean { return this.fd < 0; }
  close(): void {
    if (this.fd < 0) return;
    closeFd(this.fd);
    this.fd = -1;
    untrack(this);
  }
}
