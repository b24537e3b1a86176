"""Log format v4: the commonest records (writes, fstats) take the 32-byte
tiny fixed part, calls on an address (mutexes) and pwrites at small offsets
the 40-byte address one, the others fall back to compact or full ones, and every
record decodes to what the program did.  Reads the raw log, so the test
fails if the shim stops writing tiny records even though the dump would
still look right."""
import os
import struct

from shimtest import check, header, main

F_STAT, F_COMPACT, F_TINY, F_A2_NEG, F_ADDR = 0x1, 0x80, 0x100, 0x200, 0x400


def layouts(path):
    """(kind, flags, size) of every finished record, chunk by chunk."""
    with open(path, "rb") as f:
        b = f.read()
    header_size, chunk_size = struct.unpack_from("<II", b, 12)
    chunks = header(path)["chunks"]
    out = []
    for k in range(chunks):
        off = header_size + k * chunk_size
        magic, _tid, base_ns = struct.unpack_from("<IiQ", b, off)
        if magic != 0x4B4E4843:
            continue
        check(base_ns > 0, f"chunk {k}: no base time")
        at, end = off + 16, min(len(b), off + chunk_size)
        while at + 8 <= end:
            size, kind, flags = struct.unpack_from("<IHH", b, at)
            if size == 0:
                break
            if kind:
                out.append((kind, flags, size))
            at += size
    return out


def test(env, progs):
    env.fresh_logdir("layout")
    fd = int(env.run([progs[0]]).stdout)
    procs, recs = env.dump()
    check(len(procs) == 1 and not procs[0]["problems"], f"log damaged: {procs}")
    # (stdout's flush of the fd number is a write too: left out)
    writes = [r for r in recs if r["kind"] == "write" and r["args"]["fd"] in (fd, -5)]
    check(len(writes) == 2001, f"{len(writes)} writes recorded, 2001 made")
    good = [w for w in writes if w["ret"] == 64]
    check(len(good) == 2000 and all(w["args"] == {"fd": fd, "count": 64, "offset": -1, "iovcnt": 0} and
                                    w["errno"] == 0 and w["t_enter"] <= w["t_exit"] for w in good),
          "a plain write decoded wrong")
    bad = [w for w in writes if w["ret"] == -1]
    check(len(bad) == 1 and bad[0]["errno_name"] == "EBADF" and bad[0]["args"]["fd"] == -5, f"failed write: {bad}")
    pw = [r for r in recs if r["kind"] == "pwrite"]
    check(len(pw) == 2 and [p["args"]["offset"] for p in pw] == [1 << 20, 3 << 30] and
          all(p["ret"] == 8 for p in pw), f"pwrite: {pw}")
    fst = [r for r in recs if r["kind"] == "fstat"]
    check(len(fst) == 126 and fst[-1]["stat"]["size"] == (3 << 30) + 8, f"fstats: {len(fst)}")
    locks = [r for r in recs if r["kind"] in ("mutex_lock", "mutex_unlock")]
    check(len(locks) == 6 and len({r["args"]["mutex"] for r in locks}) == 1 and locks[0]["args"]["mutex"] > 1 << 32
          and all(r["ret"] == 0 and r["errno"] == 0 for r in locks) and
          all(r["args"].get("try", 0) == 0 for r in locks), f"mutex records: {locks}")
    times = [r["t_enter"] for r in recs if r["tid"] == writes[0]["tid"]]
    check(times == sorted(times), "record times out of order")

    # A thread's first chunk gets disk blocks a 128 KiB step at a time: this
    # log's ~80 KB of records must not hold the whole 2 MiB chunk's blocks.
    blocks = os.stat(env.logs()[0]).st_blocks * 512
    check(blocks <= 512 * 1024, f"the log holds {blocks} bytes of disk blocks (want <= 512 KiB)")

    kinds = layouts(env.logs()[0])
    tiny = [k for k in kinds if k[1] & F_TINY]
    compact = [k for k in kinds if k[1] & F_COMPACT]
    # Every plain write and fstat is tiny: the run takes far less than a
    # chunk's ~3.2 s window.
    tiny_plain = [k for k in tiny if k[2] == 32 and k[1] & F_A2_NEG]
    tiny_stat = [k for k in tiny if k[2] == 80 and k[1] & F_STAT]
    check(len(tiny_plain) >= 2000, f"{len(tiny_plain)} tiny writes (want >= 2000)")
    check(len(tiny_stat) == 126, f"{len(tiny_stat)} tiny fstats (want 126)")
    check(len(compact) >= 1, f"{len(compact)} compact records (the failed write at least)")
    addr = [k for k in kinds if k[1] & F_ADDR]
    check(len(addr) >= 7 and all(k[2] == 40 for k in addr), f"{len(addr)} address records (want the 6 mutex "
          "calls and the near pwrite, 40 bytes each)")
    layouts_of = [bool(k[1] & F_TINY) + bool(k[1] & F_COMPACT) + bool(k[1] & F_ADDR) for k in kinds]
    check(max(layouts_of) == 1, "a record with two fixed-part layouts")
    print(f"{len(kinds)} records: {len(tiny)} tiny, {len(addr)} address, {len(compact)} compact, "
          f"{len(kinds) - len(tiny) - len(compact) - len(addr)} full")


main(test)
