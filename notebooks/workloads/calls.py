# A request handler in Python. CPython 3.11 fires its function__entry USDT probe only while
# a profile function is set, so the loop runs under a no-op one. Used by python-calls.ipynb.
import sys


def parse(x):
    return x * 2


def handle(n):
    return sum(parse(i) for i in range(n))


requests = int(sys.argv[1]) if len(sys.argv) > 1 else 7
sys.setprofile(lambda *a: None)
for _ in range(requests):
    handle(3)
sys.setprofile(None)
