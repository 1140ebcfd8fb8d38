# A reader whose behaviour changes half-way: first 2,000 quick reads of 64 KiB from
# /dev/zero, then 40 reads of 777 bytes from a pipe that a writer fills every 25 ms (each
# read waits for it). Used by read-heatmap.ipynb, which tells the phases apart by the sizes
# asked for (args->count).
import os
import threading
import time

zero = os.open("/dev/zero", os.O_RDONLY)
for _ in range(2000):
    os.read(zero, 65536)
    time.sleep(0.0004)

r, w = os.pipe()


def writer():
    for _ in range(40):
        time.sleep(0.025)
        os.write(w, b"x" * 777)


t = threading.Thread(target=writer)
t.start()
for _ in range(40):
    os.read(r, 777)
t.join()
