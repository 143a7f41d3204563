// The shared mechanics of every link kind that goes through a perf event (tracepoint, uprobe,
// profile, software events): a perf event fd with a program attached to it.
//
// The program is attached with BPF_LINK_CREATE (attach type BPF_PERF_EVENT), which makes the
// attachment a bpf_link that `bpftool link show` lists and that disappears with its fd; kernels
// without perf-event links get the older PERF_EVENT_IOC_SET_BPF. The event is opened disabled
// and enabled only once the program is in place, so no event is missed or half-handled.
import { Attr, BpfCmd, Errno, bpfRaw, closeFd, syscallError, bpfCmdName } from '../sys.js';
import { AttachType } from '../programs.js';
import { enablePerfEvent, setPerfEventBpf } from '../perf.js';

export class PerfEventAttachment {
  private perfFd: number;
  private linkFd: number;
  constructor(perfFd: number, progFd: number, cookie: bigint = 0n) {
    this.perfFd = perfFd;
    this.linkFd = -1;
    try {
      const attr = new Attr().u32(0, progFd).u32(4, perfFd).u32(8, AttachType.PERF_EVENT).u64(16, cookie);
      const r = bpfRaw(BpfCmd.LINK_CREATE, attr);
      if (r >= 0) this.linkFd = r;
      else if (r === -Errno.EINVAL || r === -Errno.ENOTSUP || r === -524 /* ENOTSUPP */) setPerfEventBpf(perfFd, progFd);
      else throw syscallError(`${bpfCmdName(BpfCmd.LINK_CREATE)} (perf event)`, -r);
      enablePerfEvent(perfFd);
    } catch (e) {
      this.close();
      throw e;
    }
  }
  /** The bpf_link fd, or -1 when attached with the ioctl fallback. */
  get link(): number { return this.linkFd; }
  get perfEvent(): number { return this.perfFd; }
  close(): void {
    // Closing the link detaches the program; closing the perf event removes the event (and, for
    // a uprobe PMU event, the uprobe itself).
    if (this.linkFd >= 0) closeFd(this.linkFd);
    if (this.perfFd >= 0) closeFd(this.perfFd);
    this.linkFd = this.perfFd = -1;
  }
}
