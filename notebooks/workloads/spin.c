// A CPU-bound program with a hot path worth finding: most of its time goes to checksum(),
// called through process_block() from main(). Used by cpu-flame-graph.ipynb:
//   gcc -O0 -fno-omit-frame-pointer -o /tmp/spin spin.c && /tmp/spin SECONDS
// (at -O1 gcc gives leaf functions no frame, and a frame-pointer walk skips their caller)
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

uint64_t checksum(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

void fill(uint8_t *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(seed + i);
}

void process_block(uint8_t *p, size_t n, uint64_t seed) {
  fill(p, n, seed);
  for (int k = 0; k < 8; k++) sink += checksum(p, n);
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2;
  static uint8_t buf[1 << 16];
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (uint64_t seed = 0;; seed++) {
    process_block(buf, sizeof buf, seed);
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds) break;
  }
  return 0;
}
