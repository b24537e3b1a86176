"""A one-worker process pool: the parent starts a worker, hands it a job
through a pipe (write this file), and stats the file.  `early`: the parent
stats before the worker reports back (premature: the worker writes after a
delay, so the stat sees size 0).  `wait`: the parent reads the worker's
"done" first (the twin: no finding).  `-exec` modes: the worker is a new
program (subprocess with pipes on stdin/stdout) instead of a fork."""
import os
import subprocess
import sys
import time

mode, path = sys.argv[1], sys.argv[2]
if mode == "worker":  # the exec'd worker: job on stdin, "done" on stdout
    job = os.read(0, 100)
    time.sleep(0.3)
    fd = os.open(path, os.O_WRONLY)
    os.write(fd, job)
    os.close(fd)
    os.write(1, b"d")
    sys.exit(0)
open(path, "wb").close()
if mode.endswith("-exec"):
    p = subprocess.Popen([sys.executable, __file__, "worker", path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    os.write(p.stdin.fileno(), b"payload")
    if mode == "wait-exec":
        assert os.read(p.stdout.fileno(), 1) == b"d"
    else:
        time.sleep(0.05)
    size = os.stat(path).st_size
    p.wait()
    print("size", size)
    sys.exit(0)
jobs_r, jobs_w = os.pipe()
done_r, done_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(jobs_w)
    os.close(done_r)
    job = os.read(jobs_r, 100)
    time.sleep(0.3)  # a slow worker
    fd = os.open(path, os.O_WRONLY)
    os.write(fd, job)
    os.close(fd)
    os.write(done_w, b"d")
    os._exit(0)
os.close(jobs_r)
os.close(done_w)
os.write(jobs_w, b"payload")
if mode == "wait":
    assert os.read(done_r, 1) == b"d"
else:
    time.sleep(0.05)
size = os.stat(path).st_size
os.waitpid(pid, 0)
print("size", size)
