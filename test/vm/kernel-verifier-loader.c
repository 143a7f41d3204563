// Test oracle: load raw eBPF into the kernel verifier and print its log.
// Usage: kernel-verifier-loader PROG_TYPE < hex   (16 hex digits per 8-byte slot, wire format)
// lddw with src=1 (map fd) or src=2 (map value) carry a test map handle in imm, replaced here by
// a real map: 1 = hash (key 4, value 16, 16 entries), 2 = ring buffer (4096), 3 = array (key 4,
// value 16, 1 entry). Prints ACCEPT or REJECT and the verifier log.
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

static char logbuf[1 << 22];
static unsigned char code[8 * 200000];

static int map_create(int type, int key, int value, int entries) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.map_type = type; a.key_size = key; a.value_size = value; a.max_entries = entries;
  return syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
}

int main(int argc, char **argv) {
  int type = argc > 1 ? atoi(argv[1]) : BPF_PROG_TYPE_XDP;
  int n = 0, half = 0, c;
  char hex[3] = {0};
  while ((c = getchar()) != EOF && n < (int)sizeof code) {
    if (c == ' ' || c == '\n') continue;
    hex[half++] = (char)c;
    if (half == 2) { code[n++] = (unsigned char)strtol(hex, 0, 16); half = 0; }
  }
  int fds[4] = { -1,
    map_create(BPF_MAP_TYPE_HASH, 4, 16, 16),
    map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096),
    map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 1) };
  for (int i = 0; i + 8 <= n; i += 8) {
    struct bpf_insn *in = (struct bpf_insn *)(code + i);
    if (in->code == (BPF_LD | BPF_DW | BPF_IMM) && (in->src_reg == 1 || in->src_reg == 2) && in->imm >= 1 && in->imm <= 3)
      in->imm = fds[in->imm];
    if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) i += 8;
  }
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.prog_type = type;
  a.insns = (unsigned long)code;
  a.insn_cnt = n / 8;
  a.license = (unsigned long)"GPL";
  a.log_buf = (unsigned long)logbuf;
  a.log_size = sizeof logbuf;
  a.log_level = 1;
  int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
  if (fd < 0) { printf("REJECT errno=%d\n%s", errno, logbuf); return 1; }
  printf("ACCEPT\n%s", logbuf);
  close(fd);
  for (int i = 1; i < 4; i++) if (fds[i] >= 0) close(fds[i]);
  return 0;
}
