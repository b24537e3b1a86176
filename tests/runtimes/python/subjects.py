#!/usr/bin/env python3
"""Python 3.11 test subjects for awaitaudit.

Each scenario hands an os.write() to a helper thread and then stats the file;
the positive form stats before the helper's result was awaited, the twin
(--twin) waits first.  Prints `stale K/N`.

usage: subjects.py SCENARIO [--twin] [--iters N] [--dir D]
  executor:  ThreadPoolExecutor.submit(write_fn), os.path.getsize before result()
  to_thread: an asyncio task running asyncio.to_thread(write_fn), os.stat before
             awaiting it
  run_in_executor: loop.run_in_executor(None, write_fn), os.stat before
             awaiting the future
  submit_path: ThreadPoolExecutor.submit(Path.write_bytes) creating the file,
             os.stat before result() (ENOENT or size 0 when stale)
  copyfile:  a thread running shutil.copyfile(src, dst), os.path.getsize(dst)
             before join()
  threads:   plain threads writing a file (for the dump test)
"""
import argparse
import asyncio
import concurrent.futures
import os
import pathlib
import shutil
import tempfile
import threading

PAYLOAD = b"awaitaudit python payload\n"


def write_fn(fd):
    os.write(fd, PAYLOAD)  # AA-WRITE


def open_fresh(path):
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)


def run_executor(paths, twin):
    stale = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for path in paths:
            fd = open_fresh(path)
            fut = pool.submit(write_fn, fd)  # AA-SUBMIT executor
            if twin:
                fut.result()
            size = os.path.getsize(path)  # AA-OBSERVE executor
            fut.result()
            os.close(fd)
            stale += size != len(PAYLOAD)
    return stale


async def to_thread_once(path, twin):
    fd = open_fresh(path)
    task = asyncio.create_task(asyncio.to_thread(write_fn, fd))  # AA-SUBMIT to_thread
    # Let the task run up to its hand-off to the default executor.
    await asyncio.sleep(0)
    if twin:
        await task
    size = os.stat(path).st_size  # AA-OBSERVE to_thread
    await task
    os.close(fd)
    return size != len(PAYLOAD)


async def each_stale(paths, once, twin):
    """How many of the async iterations `once(path, twin)` saw the file stale."""
    stale = 0
    for path in paths:
        stale += await once(path, twin)
    return stale


async def run_to_thread(paths, twin):
    return await each_stale(paths, to_thread_once, twin)


async def run_in_executor_once(path, twin):
    fd = open_fresh(path)
    loop = asyncio.get_running_loop()
    fut = loop.run_in_executor(None, write_fn, fd)  # AA-SUBMIT run_in_executor
    if twin:
        await fut
    size = os.stat(path).st_size  # AA-OBSERVE run_in_executor
    await fut
    os.close(fd)
    return size != len(PAYLOAD)


async def run_run_in_executor(paths, twin):
    return await each_stale(paths, run_in_executor_once, twin)


def size_or_missing(path):
    try:
        return os.stat(path).st_size  # AA-OBSERVE submit_path copyfile
    except FileNotFoundError:
        return -1


def run_submit_path(paths, twin):
    stale = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for path in paths:
            fut = pool.submit(pathlib.Path(path).write_bytes, PAYLOAD)  # AA-SUBMIT submit_path
            if twin:
                fut.result()
            stale += size_or_missing(path) != len(PAYLOAD)
            fut.result()
    return stale


def run_copyfile(paths, twin):
    src = paths[0] + ".src"
    with open(src, "wb") as f:
        f.write(PAYLOAD)
    stale = 0
    for path in paths:
        t = threading.Thread(target=shutil.copyfile, args=(src, path))  # AA-SUBMIT copyfile
        t.start()
        if twin:
            t.join()
        stale += size_or_missing(path) != len(PAYLOAD)
        t.join()
    return stale


def run_threads(paths, twin):
    stale = 0
    for path in paths:
        fd = open_fresh(path)
        t = threading.Thread(target=write_fn, args=(fd,))
        t.start()
        if twin:
            t.join()
        stale += os.fstat(fd).st_size != len(PAYLOAD)  # AA-OBSERVE threads
        t.join()
        os.close(fd)
    return stale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["executor", "to_thread", "run_in_executor", "submit_path", "copyfile", "threads"])
    ap.add_argument("--twin", action="store_true")
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--dir", default=tempfile.gettempdir())
    args = ap.parse_args()
    if args.iters <= 0:
        ap.error("--iters must be positive")
    work = tempfile.mkdtemp(prefix="aa-python-", dir=args.dir)
    paths = [os.path.join(work, f"f{i}") for i in range(args.iters)]
    if args.scenario == "executor":
        stale = run_executor(paths, args.twin)
    elif args.scenario == "to_thread":
        stale = asyncio.run(run_to_thread(paths, args.twin))
    elif args.scenario == "run_in_executor":
        stale = asyncio.run(run_run_in_executor(paths, args.twin))
    elif args.scenario == "submit_path":
        stale = run_submit_path(paths, args.twin)
    elif args.scenario == "copyfile":
        stale = run_copyfile(paths, args.twin)
    else:
        stale = run_threads(paths, args.twin)
    shutil.rmtree(work)
    print(f"stale {stale}/{args.iters}")


if __name__ == "__main__":
    main()
