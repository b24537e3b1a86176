"""CPython's test_threading.test_multithread_modify_file_noerror: 100
threads, each started and joined in turn, rewrite one file.  Correct: every
thread's writes are ordered before the next thread exists.  CPython frees
and reallocates its lock objects, so a new thread's first sem_wait lands on
an address the previous (dead) thread released."""
import os
import sys
import threading

path = sys.argv[1]


def modify_file():
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(" ")


for _ in range(100):
    t = threading.Thread(target=modify_file)
    t.start()
    t.join()
print("size", os.path.getsize(path))
