// The attribute offsets sys.ts and friends write by hand, checked against the uapi headers by
// compiling a C program with gcc: the headers are the source of truth, not our memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsPrograms } from '../support/environment.js';
import { BpfCmd } from '../../src/kernel/sys.js';
import { MapType } from '../../src/kernel/maps.js';
import { ProgramType, AttachType } from '../../src/kernel/programs.js';
import { PerfConst } from '../../src/kernel/perf.js';

const EXPECTED: Record<string, number> = {
  'offsetof(union bpf_attr, map_type)': 0, 'offsetof(union bpf_attr, key_size)': 4, 'offsetof(union bpf_attr, value_size)': 8,
  'offsetof(union bpf_attr, max_entries)': 12, 'offsetof(union bpf_attr, map_flags)': 16, 'offsetof(union bpf_attr, map_name)': 28,
  'offsetof(union bpf_attr, map_fd)': 0, 'offsetof(union bpf_attr, key)': 8, 'offsetof(union bpf_attr, value)': 16,
  'offsetof(union bpf_attr, next_key)': 16, 'offsetof(union bpf_attr, flags)': 24,
  'offsetof(union bpf_attr, batch.in_batch)': 0, 'offsetof(union bpf_attr, batch.out_batch)': 8, 'offsetof(union bpf_attr, batch.keys)': 16,
  'offsetof(union bpf_attr, batch.values)': 24, 'offsetof(union bpf_attr, batch.count)': 32, 'offsetof(union bpf_attr, batch.map_fd)': 36,
  'offsetof(union bpf_attr, prog_type)': 0, 'offsetof(union bpf_attr, insn_cnt)': 4, 'offsetof(union bpf_attr, insns)': 8,
  'offsetof(union bpf_attr, license)': 16, 'offsetof(union bpf_attr, log_level)': 24, 'offsetof(union bpf_attr, log_size)': 28,
  'offsetof(union bpf_attr, log_buf)': 32, 'offsetof(union bpf_attr, prog_flags)': 44, 'offsetof(union bpf_attr, prog_name)': 48,
  'offsetof(union bpf_attr, expected_attach_type)': 68, 'offsetof(union bpf_attr, attach_btf_id)': 108,
  'offsetof(union bpf_attr, test.prog_fd)': 0, 'offsetof(union bpf_attr, test.retval)': 4, 'offsetof(union bpf_attr, test.data_size_in)': 8,
  'offsetof(union bpf_attr, test.data_size_out)': 12, 'offsetof(union bpf_attr, test.data_in)': 16, 'offsetof(union bpf_attr, test.data_out)': 24,
  'offsetof(union bpf_attr, test.repeat)': 32, 'offsetof(union bpf_attr, test.duration)': 36, 'offsetof(union bpf_attr, test.ctx_size_in)': 40,
  'offsetof(union bpf_attr, test.ctx_size_out)': 44, 'offsetof(union bpf_attr, test.ctx_in)': 48, 'offsetof(union bpf_attr, test.ctx_out)': 56,
  'offsetof(union bpf_attr, test.flags)': 64, 'offsetof(union bpf_attr, test.cpu)': 68,
  'offsetof(union bpf_attr, raw_tracepoint.name)': 0, 'offsetof(union bpf_attr, raw_tracepoint.prog_fd)': 8,
  'offsetof(union bpf_attr, link_create.prog_fd)': 0, 'offsetof(union bpf_attr, link_create.target_fd)': 4,
  'offsetof(union bpf_attr, link_create.attach_type)': 8, 'offsetof(union bpf_attr, link_create.flags)': 12,
  'offsetof(union bpf_attr, link_create.perf_event.bpf_cookie)': 16,
  'offsetof(union bpf_attr, info.bpf_fd)': 0, 'offsetof(union bpf_attr, info.info_len)': 4, 'offsetof(union bpf_attr, info.info)': 8,
  'offsetof(struct perf_event_attr, type)': 0, 'offsetof(struct perf_event_attr, size)': 4, 'offsetof(struct perf_event_attr, config)': 8,
  'offsetof(struct perf_event_attr, sample_period)': 16, 'offsetof(struct perf_event_attr, sample_type)': 24,
  'offsetof(struct perf_event_attr, wakeup_events)': 48, 'offsetof(struct perf_event_attr, config1)': 56,
  'offsetof(struct perf_event_attr, config2)': 64, 'sizeof(struct perf_event_attr)': 128,
  'offsetof(struct perf_event_mmap_page, data_head)': 1024, 'offsetof(struct perf_event_mmap_page, data_tail)': 1032,
  'offsetof(struct perf_event_mmap_page, data_offset)': 1040, 'offsetof(struct perf_event_mmap_page, data_size)': 1048,
  'offsetof(struct bpf_prog_info, id)': 4, 'offsetof(struct bpf_prog_info, name)': 64,
  BPF_MAP_CREATE: BpfCmd.MAP_CREATE, BPF_PROG_LOAD: BpfCmd.PROG_LOAD, BPF_PROG_TEST_RUN: BpfCmd.PROG_TEST_RUN,
  BPF_MAP_LOOKUP_BATCH: BpfCmd.MAP_LOOKUP_BATCH, BPF_LINK_CREATE: BpfCmd.LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN: BpfCmd.RAW_TRACEPOINT_OPEN,
  BPF_OBJ_GET_INFO_BY_FD: BpfCmd.OBJ_GET_INFO_BY_FD, BPF_MAP_GET_NEXT_KEY: BpfCmd.MAP_GET_NEXT_KEY,
  BPF_MAP_TYPE_HASH: MapType.HASH, BPF_MAP_TYPE_PERCPU_ARRAY: MapType.PERCPU_ARRAY, BPF_MAP_TYPE_LRU_HASH: MapType.LRU_HASH,
  BPF_MAP_TYPE_STACK_TRACE: MapType.STACK_TRACE, BPF_MAP_TYPE_PERF_EVENT_ARRAY: MapType.PERF_EVENT_ARRAY, BPF_MAP_TYPE_RINGBUF: MapType.RINGBUF,
  BPF_MAP_TYPE_LRU_PERCPU_HASH: MapType.LRU_PERCPU_HASH,
  BPF_PROG_TYPE_SOCKET_FILTER: ProgramType.SOCKET_FILTER, BPF_PROG_TYPE_TRACEPOINT: ProgramType.TRACEPOINT, BPF_PROG_TYPE_XDP: ProgramType.XDP,
  BPF_PROG_TYPE_PERF_EVENT: ProgramType.PERF_EVENT, BPF_PROG_TYPE_RAW_TRACEPOINT: ProgramType.RAW_TRACEPOINT,
  BPF_PROG_TYPE_KPROBE: ProgramType.KPROBE, BPF_PROG_TYPE_TRACING: ProgramType.TRACING, BPF_PROG_TYPE_SYSCALL: ProgramType.SYSCALL,
  BPF_TRACE_FENTRY: AttachType.TRACE_FENTRY, BPF_PERF_EVENT: AttachType.PERF_EVENT, BPF_TRACE_RAW_TP: AttachType.TRACE_RAW_TP,
  PERF_EVENT_IOC_ENABLE: PerfConst.IOC_ENABLE, PERF_EVENT_IOC_DISABLE: PerfConst.IOC_DISABLE, PERF_EVENT_IOC_SET_BPF: PerfConst.IOC_SET_BPF,
  PERF_RECORD_SAMPLE: PerfConst.RECORD_SAMPLE, PERF_RECORD_LOST: PerfConst.RECORD_LOST, PERF_SAMPLE_RAW: PerfConst.SAMPLE_RAW,
  PERF_COUNT_SW_BPF_OUTPUT: PerfConst.COUNT_SW_BPF_OUTPUT, PERF_TYPE_TRACEPOINT: PerfConst.TYPE_TRACEPOINT,
  PERF_TYPE_SOFTWARE: PerfConst.TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK: PerfConst.COUNT_SW_CPU_CLOCK,
  BPF_RINGBUF_BUSY_BIT: 0x80000000, BPF_RINGBUF_DISCARD_BIT: 0x40000000, BPF_RINGBUF_HDR_SZ: 8,
};

test('bpf_attr / perf_event_attr offsets and enum values match the uapi headers', needsPrograms('gcc'), () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfkit-layout-'));
  try {
    const lines = Object.keys(EXPECTED).map((expr) => `  printf("%s=%lld\\n", ${JSON.stringify(expr)}, (long long)(${expr}));`);
    writeFileSync(join(dir, 'l.c'), `#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\n#include <linux/perf_event.h>\nint main(void){\n${lines.join('\n')}\nreturn 0;}\n`);
    execFileSync('gcc', ['-o', join(dir, 'l'), join(dir, 'l.c')]);
    const out = execFileSync(join(dir, 'l'), { encoding: 'utf8' });
    const actual: Record<string, number> = {};
    for (const line of out.trim().split('\n')) {
      const eq = line.lastIndexOf('=');
      actual[line.slice(0, eq)] = Number(line.slice(eq + 1));
    }
    assert.deepEqual(actual, EXPECTED);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
