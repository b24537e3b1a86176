"""Python subject for the adapter tests: a write submitted to a thread pool,
observed before the result is taken (early) or after (wait, the twin).
The job sleeps a little so the early observation really precedes the write."""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def write_job(path):
    time.sleep(0.005)
    with open(path, "w") as f:
        f.write("awaitaudit adapter payload\n")  # AA-WRITE


def main(mode, path):
    with ThreadPoolExecutor(max_workers=2) as pool:
        fut = pool.submit(write_job, path)  # AA-SUBMIT
        if mode == "wait":
            fut.result()
        try:
            size = os.path.getsize(path)  # AA-OBSERVE
        except FileNotFoundError:
            size = "ENOENT"
        fut.result()
    print(f"observed size={size}", file=sys.stderr)


main(sys.argv[1], sys.argv[2])
