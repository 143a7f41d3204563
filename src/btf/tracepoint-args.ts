// The arguments of a raw (BTF) tracepoint, typed from BTF. The kernel emits, per tracepoint,
// a function `__bpf_trace_NAME(void *__data, ARGS...)` whose BTF prototype names and types every
// argument (the `btf_trace_NAME` typedef has the same types without names, used as a fallback).
// The first parameter is the tracepoint's private data, not an argument. In the program's
// context (u64 array), argument i is at byte offset 8*i.
import { Btf, BtfError } from './btf.js';

export interface RawTracepointArg {
  name: string;
  /** BTF type id of the argument. */
  type: number;
  /** C spelling, e.g. "struct task_struct *". */
  typeName: string;
  /** Offset of the argument in the context (u64 slots). */
  offset: number;
}

export function rawTracepointArgs(btf: Btf, tracepoint: string): RawTracepointArg[] {
  const fn = btf.find(`__bpf_trace_${tracepoint}`, 'func');
  let params: { name: string; type: number }[] | undefined;
  if (fn && fn.kind === 'func') {
    const proto = btf.resolve(fn.type);
    if (proto.kind === 'func_proto') params = proto.params;
  }
  if (!params) {
    const td = btf.find(`btf_trace_${tracepoint}`, 'typedef');
    const ptr = td && td.kind === 'typedef' ? btf.resolve(td.type) : undefined;
    const proto = ptr && ptr.kind === 'ptr' ? btf.resolve(ptr.type) : undefined;
    if (proto && proto.kind === 'func_proto') params = proto.params.map((p, i) => ({ name: p.name || `arg${i - 1}`, type: p.type }));
  }
  if (!params) throw new BtfError(`no BTF for raw tracepoint '${tracepoint}' (the kernel has no btf_trace_${tracepoint})`);
  return params.slice(1).map((p, i) => ({ name: p.name, type: p.type, typeName: btf.typeName(p.type), offset: i * 8 }));
}
