"""64 short-lived threads with one write each: every write is recorded, and
the log's page cache stays small.  Each thread gets its own 2 MiB chunk; a
thread's first chunk is pre-faulted 128 KiB at a time, without read-around,
so the log should hold about 65 x 128 KiB of page cache, where fully
populated chunks (the shim before 2026-11-26) held 132 MiB."""
import ctypes
import mmap
import os

from shimtest import check, main

LIMIT = 32 << 20  # bytes of the log in the page cache; 64 x 2 MiB would be 128 MiB


def resident_bytes(path):
    """Page-cache bytes of a file: mincore() on a read-only shared mapping."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = os.path.getsize(path)
    page = mmap.PAGESIZE
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        check(addr not in (None, ctypes.c_void_p(-1).value), f"mmap failed: errno {ctypes.get_errno()}")
        vec = (ctypes.c_ubyte * ((size + page - 1) // page))()
        r = libc.mincore(addr, size, vec)
        libc.munmap(addr, size)
        check(r == 0, f"mincore failed: errno {ctypes.get_errno()}")
    finally:
        os.close(fd)
    return sum(1 for v in vec if v & 1) * page


def test(env, progs):
    env.fresh_logdir("many")
    env.run([progs[0]])
    procs, recs = env.dump()
    check(len(procs) == 1 and not procs[0]["problems"], "log damaged")
    fd = next(r["ret"] for r in recs if r["kind"] == "open" and r.get("path") == "many.out")
    writes = [r for r in recs if r["kind"] == "write" and r["args"]["fd"] == fd]
    check(len(writes) == 64 and len({r["tid"] for r in writes}) == 64,
          f"{len(writes)} writes on {len({r['tid'] for r in writes})} threads recorded, want 64 on 64")
    log = env.logs()[0]
    res = resident_bytes(log)
    print(f"64 threads: log {os.path.getsize(log) >> 20} MiB, {res >> 10} KiB of it in the page cache")
    check(res <= LIMIT, f"log holds {res >> 20} MiB of page cache (limit {LIMIT >> 20} MiB)")


main(test)
