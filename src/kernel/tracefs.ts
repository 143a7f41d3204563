// tracefs: where tracepoints are described (ids, `format` files) and uprobes registered.
// bpfkit mounts it itself when it is root and it is missing, as bpftrace expects it to be there.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { MissingProbeError, UserError } from '../diagnostics.js';

export class TracefsError extends UserError {
  constructor(message: string) { super(message); this.name = 'TracefsError'; }
}

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];
let root: string | undefined;

/** The tracefs mount point, mounting it at /sys/kernel/tracing when missing (needs root). */
export function tracefsRoot(): string {
  if (root) return root;
  for (const dir of CANDIDATES) {
    if (existsSync(`${dir}/events`)) return (root = dir);
  }
  try {
    execFileSync('mount', ['-t', 'tracefs', 'tracefs', CANDIDATES[0]], { stdio: 'pipe' });
  } catch (e) {
    const why = (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
    throw new TracefsError(`tracefs is not mounted and could not be mounted at ${CANDIDATES[0]}: ${why} (run as root, or mount it: mount -t tracefs tracefs ${CANDIDATES[0]})`);
  }
  if (!existsSync(`${CANDIDATES[0]}/events`)) throw new TracefsError(`tracefs mounted at ${CANDIDATES[0]} has no events directory`);
  return (root = CANDIDATES[0]);
}

export interface TracepointField {
  name: string;
  /** The C type as written in the format file, without the array suffix (e.g. "const char *", "char"). */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** Element count for fixed arrays (`char comm[16]`). */
  arrayLength?: number;
  /** `__data_loc`: the field holds (length << 16 | offset) of variable data in the record. */
  dataLoc: boolean;
  /** True for the common_* header fields, which bpftrace's `args` does not show. */
  common: boolean;
}

export interface TracepointFormat {
  category: string;
  name: string;
  id: number;
  fields: TracepointField[];
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
function eventDir(category: string, name: string): string {
  if (!NAME_RE.test(category) || !NAME_RE.test(name)) throw new TracefsError(`invalid tracepoint name '${category}:${name}'`);
  const dir = `${tracefsRoot()}/events/${category}/${name}`;
  // Which tracepoints exist depends on the kernel (and its architecture): a missing one is a
  // missing probe, which config missing_probes may skip.
  if (!existsSync(dir)) throw new MissingProbeError(`tracepoint not found: ${category}:${name}`);
  return dir;
}

/** The numeric id perf_event_open needs for a tracepoint. */
export function tracepointId(category: string, name: string): number {
  return Number(readFileSync(`${eventDir(category, name)}/id`, 'utf8').trim());
}

/** Parse one `field:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:X;` line. */
export function parseFormatField(line: string): TracepointField | undefined {
  const m = /field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*(?:signed:(\d+);)?/.exec(line);
  if (!m) return undefined;
  let decl = m[1].trim();
  let dataLoc = false;
  if (decl.startsWith('__data_loc ')) {
    dataLoc = true;
    decl = decl.slice('__data_loc '.length);
  }
  let arrayLength: number | undefined;
  const arr = /\[(\d*)\]\s*$/.exec(decl);
  if (arr) {
    arrayLength = arr[1] === '' ? undefined : Number(arr[1]);
    decl = decl.slice(0, arr.index).trim();
  }
  const nm = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(decl);
  if (!nm) return undefined;
  let name = nm[1];
  let type = decl.slice(0, nm.index).trim();
  // `__data_loc char[] filename`: the brackets belong to the type.
  const arrType = /\[(\d*)\]\s*$/.exec(type);
  if (arrType) type = type.slice(0, arrType.index).trim();
  if (type === '') { type = name; name = ''; }
  return {
    name, type, offset: Number(m[2]), size: Number(m[3]), signed: m[4] === '1', arrayLength, dataLoc,
    common: name.startsWith('common_'),
  };
}

/** Read and parse a tracepoint's `format` file. */
export function tracepointFormat(category: string, name: string): TracepointFormat {
  const dir = eventDir(category, name);
  const text = readFileSync(`${dir}/format`, 'utf8');
  const fields: TracepointField[] = [];
  for (const line of text.split('\n')) {
    const f = line.includes('field:') ? parseFormatField(line) : undefined;
    if (f) fields.push(f);
  }
  const id = Number(/^ID:\s*(\d+)/m.exec(text)?.[1] ?? readFileSync(`${dir}/id`, 'utf8').trim());
  return { category, name, id, fields };
}

/** Every tracepoint as "category:name", sorted. */
export function listTracepoints(): string[] {
  const events = `${tracefsRoot()}/events`;
  const out: string[] = [];
  for (const cat of readdirSync(events, { withFileTypes: true })) {
    if (!cat.isDirectory()) continue;
    for (const ev of readdirSync(`${events}/${cat.name}`, { withFileTypes: true })) {
      if (ev.isDirectory()) out.push(`${cat.name}:${ev.name}`);
    }
  }
  return out.sort();
}
