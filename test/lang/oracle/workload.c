/*
 * The oracle scripts' deterministic workload: makes exactly the syscalls its arguments ask
 * for, so tracepoint counts are exact. Run by bpftrace/bpfkit with -c (see run.ts for its name).
 *   oracle_<id> [getppid N] [getuid N] [getgid N] [write N] [openat PATH] [sleep_ms N]
 * Arguments are pairs, executed left to right.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *op = argv[i];
    const char *arg = argv[i + 1];
    long n = strtol(arg, NULL, 10);
    if (strcmp(op, "getppid") == 0) {
      for (long j = 0; j < n; j++) syscall(SYS_getppid);
    } else if (strcmp(op, "getuid") == 0) {
      for (long j = 0; j < n; j++) syscall(SYS_getuid);
    } else if (strcmp(op, "getgid") == 0) {
      for (long j = 0; j < n; j++) syscall(SYS_getgid);
    } else if (strcmp(op, "write") == 0) {
      /* One write of exactly N bytes to /dev/null, so sizes are exact. */
      int fd = open("/dev/null", O_WRONLY);
      char buf[65536];
      memset(buf, 'x', sizeof buf);
      if (n > (long)sizeof buf) n = sizeof buf;
      syscall(SYS_write, fd, buf, n);
      close(fd);
    } else if (strcmp(op, "openat") == 0) {
      int fd = syscall(SYS_openat, AT_FDCWD, arg, O_RDONLY);
      if (fd >= 0) close(fd);
    } else if (strcmp(op, "sleep_ms") == 0) {
      struct timespec ts = { n / 1000, (n % 1000) * 1000000L };
      nanosleep(&ts, NULL);
    }
  }
  return 0;
}
