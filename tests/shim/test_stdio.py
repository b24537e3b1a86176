"""stdio streams: every flush glibc makes on a stream's behalf is recorded as
a WRITE of exactly the bytes that reached the kernel (fflush, fseek, rewind,
fsetpos, a full buffer, fclose, and exit()'s flush of a stream left open),
and the files end up the size the records add up to."""
import os

from shimtest import check, main


def test(env, progs):
    env.fresh_logdir("stdio")
    env.run([progs[0]])
    procs, recs = env.dump()
    check(len(procs) == 1 and not procs[0]["problems"], f"log damaged: {procs}")
    fds = {}
    for r in recs:
        if r["kind"] == "open" and r["ret"] >= 0:
            fds.setdefault(os.path.basename(r.get("path", "")), []).append(r["ret"])
    check("stdio.bin" in fds and "stdio-exit.bin" in fds, f"opens: {fds}")

    def writes(name):
        fd = fds[name][0]
        return [r["ret"] for r in recs if r["kind"] == "write" and r["args"]["fd"] == fd and r["tid"] == recs[0]["tid"]]

    # The first file's fd is closed before the second opens: it may be the
    # same number, so the first file's writes are those before its close.
    first_fd = fds["stdio.bin"][0]
    close_at = next(i for i, r in enumerate(recs) if r["kind"] == "close" and r["args"]["fd"] == first_fd)
    w1 = [r["ret"] for r in recs[:close_at] if r["kind"] == "write" and r["args"]["fd"] == first_fd]
    check(w1 == [11, 13, 17, 19, 4096, 1904], f"stdio.bin writes {w1}, want [11, 13, 17, 19, 4096, 1904]")
    w2 = [r["ret"] for r in recs[close_at:] if r["kind"] == "write" and r["args"]["fd"] == fds["stdio-exit.bin"][0]]
    check(w2 == [23], f"stdio-exit.bin writes {w2}, want [23] (exit's flush)")
    exit_rec = [i for i, r in enumerate(recs) if r["kind"] == "exit"]
    last_write = max(i for i, r in enumerate(recs) if r["kind"] == "write")
    check(exit_rec and last_write < exit_rec[0], "exit's flush recorded after the EXIT record")
    size = os.path.getsize(os.path.join(env.tmp, "stdio.bin"))
    # rewind and fsetpos moved back: the 6000 bytes went at offset 24 (the
    # position fgetpos saved after 11 + 13), over the 17 written there.
    check(size == 24 + 6000, f"stdio.bin is {size} bytes, want 6024")
    check(os.path.getsize(os.path.join(env.tmp, "stdio-exit.bin")) == 23, "stdio-exit.bin size")
    print(f"stdio.bin writes {w1}, stdio-exit.bin writes {w2}")


main(test)
