// Argument and return kinds of the helpers the userspace runtime offers, after the kernel's
// bpf_func_proto tables. The verifier checks each call against its prototype; ids come from
// src/isa/helpers.ts (= enum bpf_func_id).
import { Helper } from '../../isa/helpers.js';

export type ArgKind =
  | 'anything' // any initialised value
  | 'const_map_ptr' // a map (lddw map fd)
  | 'map_key' // pointer to key_size readable bytes
  | 'map_value' // pointer to value_size readable bytes
  | 'mem' // pointer to readable bytes, size in the next argument
  | 'uninit_mem' // pointer to writable bytes (need not be initialised), size in the next argument
  | 'const_size' // size of the previous argument, bounded, > 0
  | 'const_size_or_zero' // same, 0 allowed
  | 'alloc_mem' // a ring-buffer reservation (released by this call)
  | 'const_alloc_size_or_zero'; // constant size for ringbuf_reserve

export type RetKind = 'integer' | 'map_value_or_null' | 'ringbuf_mem_or_null';

export interface HelperPrototype {
  readonly name: string;
  readonly args: readonly ArgKind[];
  readonly ret: RetKind;
  /** This call releases the reference held by the alloc_mem argument. */
  readonly releases?: boolean;
}

const p = (name: string, args: ArgKind[], ret: RetKind = 'integer', releases = false): HelperPrototype => ({ name, args, ret, releases });

export const USERSPACE_HELPERS: ReadonlyMap<number, HelperPrototype> = new Map([
  [Helper.map_lookup_elem, p('map_lookup_elem', ['const_map_ptr', 'map_key'], 'map_value_or_null')],
  [Helper.map_update_elem, p('map_update_elem', ['const_map_ptr', 'map_key', 'map_value', 'anything'])],
  [Helper.map_delete_elem, p('map_delete_elem', ['const_map_ptr', 'map_key'])],
  [Helper.map_lookup_percpu_elem, p('map_lookup_percpu_elem', ['const_map_ptr', 'map_key', 'anything'], 'map_value_or_null')],
  [Helper.probe_read, p('probe_read', ['uninit_mem', 'const_size_or_zero', 'anything'])],
  [Helper.probe_read_user, p('probe_read_user', ['uninit_mem', 'const_size_or_zero', 'anything'])],
  [Helper.probe_read_kernel, p('probe_read_kernel', ['uninit_mem', 'const_size_or_zero', 'anything'])],
  [Helper.probe_read_str, p('probe_read_str', ['uninit_mem', 'const_size_or_zero', 'anything'])],
  [Helper.probe_read_user_str, p('probe_read_user_str', ['uninit_mem', 'const_size_or_zero', 'anything'])],
  [Helper.probe_read_kernel_str, p('probe_read_kernel_str', ['uninit_mem', 'const_size_or_zero', 'anything'])],
  [Helper.ktime_get_ns, p('ktime_get_ns', [])],
  [Helper.trace_printk, p('trace_printk', ['mem', 'const_size'])],
  [Helper.get_prandom_u32, p('get_prandom_u32', [])],
  [Helper.get_smp_processor_id, p('get_smp_processor_id', [])],
  [Helper.get_current_pid_tgid, p('get_current_pid_tgid', [])],
  [Helper.get_current_uid_gid, p('get_current_uid_gid', [])],
  [Helper.get_current_comm, p('get_current_comm', ['uninit_mem', 'const_size'])],
  [Helper.ktime_get_boot_ns, p('ktime_get_boot_ns', [])],
  [Helper.ktime_get_coarse_ns, p('ktime_get_coarse_ns', [])],
  [Helper.jiffies64, p('jiffies64', [])],
  [Helper.get_numa_node_id, p('get_numa_node_id', [])],
  [Helper.ringbuf_output, p('ringbuf_output', ['const_map_ptr', 'mem', 'const_size_or_zero', 'anything'])],
  [Helper.ringbuf_reserve, p('ringbuf_reserve', ['const_map_ptr', 'const_alloc_size_or_zero', 'anything'], 'ringbuf_mem_or_null')],
  [Helper.ringbuf_submit, p('ringbuf_submit', ['alloc_mem', 'anything'], 'integer', true)],
  [Helper.ringbuf_discard, p('ringbuf_discard', ['alloc_mem', 'anything'], 'integer', true)],
]);
