// Runs a command and reports what the kernel accounted for it, for `npm run bench`:
//   run CMD [ARG...]
// On fd 3 (closed in the command) one line when it has exited:
//   start_ns=… exit_ns=… user_us=… sys_us=… maxrss_kb=… status=… signal_ns=…
// start/exit/signal are CLOCK_MONOTONIC (the clock of node's process.hrtime): right before
// fork, right after wait4, and when the first SIGINT/SIGTERM was passed on to the command
// (0 if none). maxrss is the command's own peak (wait4's rusage), not this wrapper's.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile pid_t child;
static volatile long long signal_ns;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pass_on(int sig) {
  if (signal_ns == 0) signal_ns = now_ns();
  if (child > 0) kill(child, sig);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: run CMD [ARG...]\n");
    return 2;
  }
  fcntl(3, F_SETFD, FD_CLOEXEC);
  struct sigaction sa = {0};
  sa.sa_handler = pass_on;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  long long start = now_ns();
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  child = pid;
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  long long end = now_ns();
  dprintf(3, "start_ns=%lld exit_ns=%lld user_us=%ld sys_us=%ld maxrss_kb=%ld status=%d signal_ns=%lld\n", start, end,
          (long)(ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec), (long)(ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec),
          ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), signal_ns);
  return 0;
}
