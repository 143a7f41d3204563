// cat(): reading the named file in userspace, as bpftrace's cat does. At most max_cat_bytes are
// read (a probe that cats /proc/PID/maps on every exec must not copy megabytes each time), and a
// file that cannot be opened or read is a message for stderr, not a failure of the session: what
// was read before a read error is still printed, as bpftrace prints it.
import { closeSync, openSync, readSync } from 'node:fs';
import { strerror } from '../kernel/sys.js';

/** bpftrace's default max_cat_bytes. */
export const DEFAULT_MAX_CAT_BYTES = 10240;

/** bpftrace reads in chunks of this size (so a large max_cat_bytes allocates no large buffer). */
const CHUNK = 4096;

export interface CatResult {
  /** The bytes read, at most maxBytes (empty when the file could not be opened). */
  data: Uint8Array;
  /** Why opening or reading failed, in libc's words ("No such file or directory"). */
  error?: string;
}

/** The reason a Node fs call failed, as strerror(3) words it (Node's messages are libuv's). */
function reason(e: unknown): string {
  const errno = (e as NodeJS.ErrnoException).errno;
  return typeof errno === 'number' ? strerror(-errno) : (e as Error).message;
}

export function catFile(name: string, maxBytes: number): CatResult {
  let fd: number;
  try {
    fd = openSync(name, 'r');
  } catch (e) {
    return { data: Buffer.alloc(0), error: reason(e) };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < maxBytes) {
      const chunk = new Uint8Array(Math.min(CHUNK, maxBytes - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
  } catch (e) {
    return { data: Buffer.concat(chunks), error: reason(e) };
  } finally {
    closeSync(fd);
  }
  return { data: Buffer.concat(chunks) };
}
