"""The parent reads a child's one-line report from its stdout pipe, then
stats the file the child wrote, and only then waits for it (git repack
reading the pack name git pack-objects prints).  The child's report leaves
in exit()'s stdio flush: ordered, no finding."""
import os
import subprocess
import sys

child, path = sys.argv[1], sys.argv[2]
p = subprocess.Popen([child, path, *sys.argv[3:]], stdout=subprocess.PIPE)
line = os.read(p.stdout.fileno(), 100)
size = os.stat(path).st_size
p.wait()
print("report", line.decode().strip(), "size", size)
