// fentry/fexit (BPF_PROG_TYPE_TRACING loaded with attach_btf_id) -> BPF_RAW_TRACEPOINT_OPEN with
// no name: for a tracing program the kernel attaches the BPF trampoline of the function the
// program was loaded for, and returns a bpf_link fd; closing it detaches.
import { Attr, BpfCmd, bpf } from '../sys.js';
import type { Program } from '../programs.js';
import { OwningLink, fdPart } from './link.js';

export class TracingLink extends OwningLink {
  readonly kind = 'tracing';
  private constructor(target: string, fd: number) {
    super(target, [fdPart(fd)]);
  }

  /** Attach a tracing program (fentry/fexit) loaded for `target`'s BTF id. */
  static attach(program: Program, target: string): TracingLink {
    const attr = new Attr().u32(8, program.fd);
    return new TracingLink(target, bpf(BpfCmd.RAW_TRACEPOINT_OPEN, attr, `fentry/fexit ${target}`));
  }
}
