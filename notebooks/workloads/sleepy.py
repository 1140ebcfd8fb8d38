# A service that waits: N short sleeps between bursts of cheap system calls.
# Used by syscall-latency.ipynb.
import os
import sys
import time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
for _ in range(n):
    for _ in range(200):
        os.getppid()
    time.sleep(0.02)
