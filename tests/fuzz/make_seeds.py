#!/usr/bin/env python3
"""Writes small, valid awaitaudit logs as fuzzing seeds (tests/fuzz/corpus/).

The shim's logs start with a 64 KiB header and 1 MiB chunks, so a mutation
rarely lands on a byte the reader looks at.  The format allows any header and
chunk size (multiples of 8), so these seeds use a 512-byte header and 1 KiB
chunks: every byte of a 2–4 KiB seed is a field, a string or a record.
Kind numbers are read from preload/log_format.h, so the seeds follow the table.

  make_seeds.py OUT_DIR
  make_seeds.py --repack OUT_DIR NAME LOG...   (real shim logs, compacted)"""
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HDR, CHUNK = 512, 1024
F_STAT, F_PATH, F_PATH2, F_DATA, F_PENDING, F_TRUNC, F_COMPACT = 1, 2, 4, 8, 16, 32, 128
F_TINY, F_A2_NEG, F_ADDR = 0x100, 0x200, 0x400


def kinds():
    text = open(os.path.join(ROOT, "preload", "log_format.h")).read()
    names = re.findall(r"^\s*(?:/\*.*?\*/\s*)?X\((\w+),", text, re.M)
    return {n: i + 1 for i, n in enumerate(names)}


K = kinds()


def header(chunks, argv=("prog", "a"), exe="/bin/prog", cwd="/tmp", flags=1, stack_depth=8, version=1,
           pid=100, ppid=1, chunk_size=CHUNK, parent_log_id=0, log_id=0xabcdef):
    blob = b""
    strings = {}
    for name, val in (("exe", exe.encode()), ("cwd", cwd.encode()), ("argv", b"\0".join(a.encode() for a in argv))):
        strings[name] = (256 + len(blob), len(val))
        blob += val + b"\0"
    h = b"AWAITLOG" + struct.pack("<IIII", version, HDR, chunk_size, flags) + struct.pack("<Q", chunks)
    h += struct.pack("<iiQQII", pid, ppid, 1_000_000, 2_000_000, 1, len(argv))
    for name in ("exe", "cwd", "argv"):
        h += struct.pack("<II", *strings[name])
    h += struct.pack("<QQI", parent_log_id, log_id, stack_depth)
    h = h.ljust(256, b"\0") + blob
    assert len(h) <= HDR
    return h.ljust(HDR, b"\0")


def record(kind, tid, seq, t, args=(), ret=0, err=0, st=None, path=None, path2=None, data=None, flags=0, stack=0):
    body = b""
    if st is not None:
        flags |= F_STAT
        body += struct.pack("<QQqIIqq", *st)
    if data is not None:
        flags |= F_DATA
    if path is not None:
        flags |= F_PATH
        body += path.encode() + b"\0"
    if path2 is not None:
        flags |= F_PATH2
        body += path2.encode() + b"\0"
    if data is not None:
        body = body.ljust((len(body) + 7) // 8 * 8, b"\0") + b"".join(struct.pack("<Q", x) for x in data)
    a = list(args) + [0] * (6 - len(args))
    size = (96 + len(body) + 7) // 8 * 8
    fixed = struct.pack("<IHHiIQQqiI6q", size, K[kind], flags, tid, stack, t, t + 500, ret, err, seq, *a)
    return (fixed + body).ljust(size, b"\0")


def compact(kind, seq, t, args=(), ret=0, err=0, st=None, dur=500, stack=0):
    """Version 2's 56-byte fixed part (AA_F_COMPACT): no tid, 32-bit a[0..3]."""
    flags = F_COMPACT
    body = b""
    if st is not None:
        flags |= F_STAT
        body = struct.pack("<QQqIIqq", *st)
    a = list(args) + [0] * (4 - len(args))
    size = 56 + len(body)
    return struct.pack("<IHHIIQIiq4i", size, K[kind], flags, seq, stack, t, dur, err, ret, *a) + body


def tiny(kind, seq, t_delta, args=(), ret=0, st=None, dur=500, a2_neg=True):
    """Version 3's 32-byte fixed part (AA_F_TINY): t_enter relative to the
    chunk's base_ns, no tid, err or stack; a[2] is a flag (-1 or 0)."""
    flags = F_TINY | (F_A2_NEG if a2_neg else 0)
    body = b""
    if st is not None:
        flags |= F_STAT
        body = struct.pack("<QQqIIqq", *st)
    a = list(args) + [0] * (2 - len(args))
    return struct.pack("<IHHIIIi2i", 32 + len(body), K[kind], flags, seq, t_delta, dur, ret, *a) + body


def addr(kind, seq, t_delta, args=(), ret=0, dur=500):
    """Version 4's 40-byte fixed part (AA_F_ADDR): the tiny record's first
    16 bytes, then ret, a[0] in 64 bits and a[1], a[2] in 32."""
    a = list(args) + [0] * (3 - len(args))
    return struct.pack("<IHHIIIiQ2i", 40, K[kind], F_ADDR, seq, t_delta, dur, ret, *a)


def chunk(tid, records, size=CHUNK, base_ns=0):
    c = struct.pack("<IiQ", 0x4b4e4843, tid, base_ns) + b"".join(records)
    assert len(c) <= size, len(c)
    return c.ljust(size, b"\0")


def seeds():
    st = (2049, 77, 10, 0o100644, 1, 5_000, 4_000)
    maps = "55d0c0000000-55d0c0010000 r-xp 00000000 08:01 77 /bin/prog\n"
    main = [record("MAPS", 100, 0, 1_000, path=maps),
            record("STACK", 100, 1, 1_100, args=(1, 2), data=[0x55d0c0000100, 0x55d0c0000200]),
            record("OPEN", 100, 2, 1_200, args=(-100, 0o1101, 0o644), ret=3, st=st, path="/tmp/x/out.txt", stack=1),
            record("THREAD_CREATE", 100, 3, 1_300, args=(1, 0x7f00)),
            record("FUTEX", 100, 4, 1_400, args=(0x7f10, 129, 1)),
            record("STATX", 100, 5, 1_500, args=(-100, 0, 0xfff), st=st[:2] + (0,) + st[3:], path="/tmp/x/out.txt"),
            record("RENAME", 100, 6, 1_600, args=(-100, -100, 0), path="/tmp/x/out.txt", path2="/tmp/x/new.txt"),
            record("EXIT", 100, 7, 3_000, args=(0, 0))]
    worker = [record("THREAD_START", 101, 0, 1_350, args=(1, 100, 0x7f00)),
              record("FUTEX", 101, 1, 1_380, args=(0x7f10, 128, 0), ret=0),
              record("WRITE", 101, 2, 1_450, args=(3, 10, -1, 0), ret=10),
              record("CLOSE", 101, 3, 1_700, args=(3,)),
              record("THREAD_EXIT", 101, 4, 1_800, args=(1, 0x7f00))]
    yield "two_threads", header(2) + chunk(100, main) + chunk(101, worker)
    # Unfinished record (kind 0 with a size) in the middle, then more records.
    unfinished = bytearray(record("WRITE", 101, 2, 1_450, args=(3, 10, -1, 0), ret=10))
    unfinished[4:6] = b"\0\0"
    yield "unfinished", header(2, flags=0) + chunk(100, main[:4]) + chunk(101, worker[:2] + [bytes(unfinished)] + worker[3:])
    # Claimed chunk never started (all zero), one with a bad magic, and a truncated tail.
    yield "bad_chunks", header(4) + chunk(100, main[:3]) + b"\0" * CHUNK + b"XXXX" + b"\0" * (CHUNK - 4) + chunk(101, worker)[:300]
    # Channels, a fork child's header, sequence gaps.
    chan = [record("PIPE", 200, 0, 10, args=(3, 4, 0)), record("WRITE", 200, 1, 20, args=(4, 1, -1, 0), ret=1),
            record("FORK", 200, 5, 30, ret=201), record("READ", 200, 9, 40, args=(3, 1, -1, 0), ret=1),
            record("EXECVE", 200, 10, 50, args=(0,), path="/bin/true", flags=F_PENDING)]
    yield "channels_gaps", header(1, argv=("sh", "-c", "x"), exe="/bin/sh") + chunk(200, chan)
    # Version 2: compact records (writes, an fstat with its stat, a failed close) among full ones.
    v2 = [record("OPEN", 300, 0, 100, args=(-100, 0o1101, 0o644), ret=3, st=st, path="/tmp/x/out.txt"),
          compact("WRITE", 1, 200, args=(3, 64, -1, 0), ret=64),
          compact("PWRITE", 2, 300, args=(3, 64, 4096, 0), ret=64),
          compact("FSTAT", 3, 400, args=(3,), st=st),
          compact("CLOSE", 4, 500, args=(9,), ret=-1, err=9, dur=4_000_000_000),
          record("FUTEX", 300, 5, 600, args=(0x7f10, 129, 1)),
          compact("CLOSE", 6, 700, args=(3,))]
    yield "compact_v2", header(1, version=2) + chunk(300, v2)
    # Version 3: tiny records (writes, an fstat with its stat, a close) among
    # compact and full ones, t_enter counted from the chunk's base_ns.
    v3 = [record("OPEN", 400, 0, 100, args=(-100, 0o1101, 0o644), ret=3, st=st, path="/tmp/x/out.txt"),
          tiny("WRITE", 1, 200, args=(3, 64), ret=64),
          tiny("WRITE", 2, 300, args=(3, 64), ret=64),
          tiny("FSTAT", 3, 400, args=(3,), st=st, a2_neg=False),
          compact("CLOSE", 4, 1_000_500, args=(9,), ret=-1, err=9),
          tiny("READ", 5, 4_000_000_000, args=(3, 4096), ret=0, dur=4_000_000_000),
          tiny("CLOSE", 6, 4_100_000_000, args=(3,), a2_neg=False)]
    yield "tiny_v3", header(1, version=3) + chunk(400, v3, base_ns=1_000_000)
    # Version 4: address records (a lock handoff and a futex wake) among tiny
    # and full ones, on two threads.
    v4a = [addr("MUTEX_LOCK", 0, 100, args=(0x7ffd12345678, 0)),
           tiny("WRITE", 1, 200, args=(3, 64), ret=64),
           addr("MUTEX_UNLOCK", 2, 300, args=(0x7ffd12345678,)),
           addr("FUTEX", 3, 400, args=(0x55d0c0001000, 129, 1), ret=1)]
    v4b = [addr("FUTEX", 0, 350, args=(0x55d0c0001000, 128, 0)),
           addr("MUTEX_LOCK", 1, 450, args=(0x7ffd12345678, 1)),
           record("FSTAT", 501, 2, 1_000_500, args=(3,), st=st),
           addr("MUTEX_UNLOCK", 3, 600, args=(0x7ffd12345678,))]
    yield "addr_v4", header(2, version=4) + chunk(500, v4a, base_ns=1_000_000) + chunk(501, v4b, base_ns=1_000_000)


HEADER_FIELDS = "<8sIIIIQiiQQIIIIIIIIQQI"  # aa_file_header up to stack_depth


def repack(log, from_first_marker=False, max_records=None, chunk_size=2048):
    """A shim log rewritten in the compact layout: the same records, per
    thread in their order, MAPS dropped (they name this machine's libraries
    and are most of the bytes), re-chunked into `chunk_size`-byte chunks.
    Fuzzing the analysis from these starts on the record patterns real
    runtimes produce (pool handoffs, adapter markers, findings).
    `from_first_marker` drops what came before the first adapter marker
    (an interpreter's start-up), `max_records` caps each thread."""
    raw = open(log, "rb").read()
    (magic, version, hsize, csize, flags, _claimed, pid, ppid, _mono, _real, _clk, argc,
     exe_off, exe_len, cwd_off, cwd_len, argv_off, argv_len, parent, log_id, depth) = \
        struct.unpack_from(HEADER_FIELDS, raw)
    assert magic == b"AWAITLOG", log
    text = lambda off, n: raw[off:off + n].decode(errors="replace")
    argv = text(argv_off, argv_len).split("\0")[:max(argc, 1)]
    by_tid = {}
    for off in range(hsize, len(raw) - 16, csize):
        cmagic, tid, _ = struct.unpack_from("<IiQ", raw, off)
        if cmagic != 0x4b4e4843:
            continue
        pos, end = off + 16, off + csize
        while pos + 8 <= min(end, len(raw)):
            size, kind = struct.unpack_from("<IH", raw, pos)
            if size == 0 or pos + size > end:
                break
            if kind != K["MAPS"]:
                by_tid.setdefault(tid, []).append(raw[pos:pos + size])
            pos += size
    # A mutex only one thread ever takes orders nothing across threads: its
    # lock/unlock pairs (thousands in a Node.js start-up) are dropped.
    kind_of = lambda r: struct.unpack_from("<H", r, 4)[0]
    # v2 compact records (F_COMPACT) hold a[0..3] as int32 at offset 40.
    arg = lambda r, i: (struct.unpack_from("<i", r, 40 + 4 * i)[0] if struct.unpack_from("<H", r, 6)[0] & F_COMPACT
                        else struct.unpack_from("<q", r, 48 + 8 * i)[0])
    lockers, cond_mutexes = {}, set()
    for tid, recs in by_tid.items():
        for r in recs:
            if kind_of(r) in (K["MUTEX_LOCK"], K["MUTEX_UNLOCK"]):
                lockers.setdefault(arg(r, 0), set()).add(tid)
            elif kind_of(r) == K["COND_WAIT"]:
                cond_mutexes.add(arg(r, 1))
    private = {m for m, tids in lockers.items() if len(tids) == 1 and m not in cond_mutexes}
    by_tid = {t: [r for r in recs if not (kind_of(r) in (K["MUTEX_LOCK"], K["MUTEX_UNLOCK"]) and arg(r, 0) in private)]
              for t, recs in by_tid.items()}
    t_enter = lambda r: struct.unpack_from("<Q", r, 16)[0]
    if from_first_marker:
        marks = [t_enter(r) for recs in by_tid.values() for r in recs if kind_of(r) == K["MARKER"]]
        if marks:
            by_tid = {t: [r for r in recs if t_enter(r) >= min(marks)] for t, recs in by_tid.items()}
    by_tid = {t: recs for t, recs in by_tid.items() if recs}
    if max_records is not None:
        by_tid = {t: r[:max_records] for t, r in by_tid.items()}
    chunks = []
    for tid, recs in by_tid.items():
        cur, used = [], 16
        for r in recs:
            if len(r) + 16 > chunk_size:
                continue
            if used + len(r) > chunk_size:
                chunks.append(chunk(tid, cur, chunk_size))
                cur, used = [], 16
            cur.append(r)
            used += len(r)
        if cur:
            chunks.append(chunk(tid, cur, chunk_size))
    h = header(len(chunks), argv=argv, exe=text(exe_off, exe_len), cwd=text(cwd_off, cwd_len), flags=flags,
               stack_depth=depth, version=version, pid=pid, ppid=ppid, chunk_size=chunk_size, parent_log_id=parent, log_id=log_id)
    return h + b"".join(chunks)


if __name__ == "__main__":
    # make_seeds.py OUT_DIR                       the hand-written seeds
    # make_seeds.py --repack OUT_DIR NAME MAX LOG...  shim logs in the compact
    #   layout, from the first adapter marker on, at most MAX records a thread
    if sys.argv[1] == "--repack":
        out, name, cap = sys.argv[2], sys.argv[3], int(sys.argv[4])
        os.makedirs(out, exist_ok=True)
        for i, log in enumerate(sys.argv[5:]):
            with open(os.path.join(out, f"real_{name}_{i}.aalog"), "wb") as f:
                f.write(repack(log, from_first_marker=True, max_records=cap))
        sys.exit(0)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, f"seed_{name}.aalog"), "wb") as f:
            f.write(data)
