// BPF_BTF_LOAD: hand a BTF blob (built by btf/writer.ts) to the kernel, which checks it and returns
// an fd that programs and maps can reference. A rejection carries the kernel's BTF log.
import { UserError } from '../diagnostics.js';
import { Attr, BpfCmd, bpfRaw, errnoName } from './sys.js';

export class BtfLoadError extends UserError {
  constructor(readonly errno: number, readonly log: string, what: string) {
    super(`the kernel rejected the BTF of ${what} (${errnoName(errno)}): ${log.trim().split('\n').slice(-1)[0] || 'no reason given'}`);
    this.name = 'BtfLoadError';
  }
}

/** Load `blob`; returns the BTF fd (the caller closes it). */
export function loadBtf(blob: Uint8Array, what = 'a program'): number {
  const attempt = (logSize: number) => {
    const log = logSize ? new Uint8Array(logSize) : null;
    const attr = new Attr().ptr(0, blob).ptr(8, log).u32(16, blob.byteLength).u32(20, logSize).u32(24, logSize ? 1 : 0);
    const r = bpfRaw(BpfCmd.BTF_LOAD, attr);
    const text = log ? Buffer.from(log.subarray(0, Math.max(0, log.indexOf(0)))).toString('utf8') : '';
    return { r, text };
  };
  let res = attempt(0);
  if (res.r < 0) res = attempt(64 * 1024);
  if (res.r >= 0) return res.r;
  throw new BtfLoadError(-res.r, res.text, what);
}
