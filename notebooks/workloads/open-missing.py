# A program with a configuration problem: it looks for its settings where they are not,
# N times, and once tries to write a log into a directory. Used by failed-opens.ipynb.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 17
for _ in range(n):
    try:
        open("/nonexistent/tracebook-demo/settings.conf")
    except FileNotFoundError:
        pass
try:
    open("/tmp", "w")
except IsADirectoryError:
    pass
