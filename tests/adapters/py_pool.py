"""Python subject for the adapter tests: a write submitted to a thread pool,
observed before the result is taken (early) or after (wait, the twin).
In the early form the job waits until main has looked, so the observation
precedes the write however the machine schedules them (a 5 ms sleep here
lost the race once in about 22 loaded runs)."""
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor


def write_job(path, looked):
    if looked is not None:
        looked.wait()
    with open(path, "w") as f:
        f.write("awaitaudit adapter payload\n")  # AA-WRITE


def main(mode, path):
    looked = threading.Event() if mode == "early" else None
    with ThreadPoolExecutor(max_workers=2) as pool:
        fut = pool.submit(write_job, path, looked)  # AA-SUBMIT
        if mode == "wait":
            fut.result()
        try:
            size = os.path.getsize(path)  # AA-OBSERVE
        except FileNotFoundError:
            size = "ENOENT"
        if looked is not None:
            looked.set()
        fut.result()
    print(f"observed size={size}", file=sys.stderr)


main(sys.argv[1], sys.argv[2])
