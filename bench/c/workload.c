// The traced workload of `npm run bench`: N system calls in a tight loop, timed inside
// the process around the loop alone, so a tracer's cost per event is (traced - untraced)
// / N without process start-up in it. The time is the process's CPU time
// (CLOCK_PROCESS_CPUTIME_ID): a BPF program runs inside the system call and is charged to
// it, while time spent waiting for a CPU on a busy shared machine is not.
//   workload MODE N [wait]
//   MODE getppid          getppid() N times
//        openat           openat() of one missing path N times (ENOENT: one syscall each)
//        openat-distinct  openat() of N different missing paths
//        getpgid-distinct getpgid(1000000 + i): N different integer arguments (ESRCH)
//   wait: read one byte from stdin before the loop (the tracer attaches first)
// Prints "cpu_ns_per_op wall_ns_per_op".
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: workload MODE N [wait]\n");
    return 2;
  }
  const char *mode = argv[1];
  long n = atol(argv[2]);
  if (argc > 3 && strcmp(argv[3], "wait") == 0) {
    char c;
    if (read(0, &c, 1) != 1) return 3;
  }
  char path[64];
  long long t0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = now_ns(CLOCK_MONOTONIC);
  if (strcmp(mode, "getppid") == 0) {
    // syscall(): glibc does not cache getppid, but be explicit
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
  } else if (strcmp(mode, "openat") == 0) {
    for (long i = 0; i < n; i++) syscall(SYS_openat, AT_FDCWD, "/tmp/tb-bench-missing/file", O_RDONLY);
  } else if (strcmp(mode, "openat-distinct") == 0) {
    for (long i = 0; i < n; i++) {
      snprintf(path, sizeof path, "/tmp/tb-bench-missing/%ld", i);
      syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
    }
  } else if (strcmp(mode, "getpgid-distinct") == 0) {
    for (long i = 0; i < n; i++) syscall(SYS_getpgid, 1000000 + i);
  } else {
    fprintf(stderr, "workload: unknown mode %s\n", mode);
    return 2;
  }
  long long t = now_ns(CLOCK_PROCESS_CPUTIME_ID) - t0, w = now_ns(CLOCK_MONOTONIC) - w0;
  printf("%.1f %.1f\n", (double)t / (double)n, (double)w / (double)n);
  return 0;
}
