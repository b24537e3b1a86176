"""Resource limits do not let the log harm the program.  Under a file-size
limit (RLIMIT_FSIZE; past it the kernel sends SIGXFSZ, which kills by
default): with room for part of the log, the log stops growing and says how
many records it dropped; with no room for a log at all, the shim stays off.
Under an address-space limit (RLIMIT_AS) the log's reservation leaves the
program the room it had.  On a full disk (a 3 MiB tmpfs, mounted when the
test runs as root) a store to a log page without a block would raise
SIGBUS: the log stops growing instead, and with no room even for its
header there is no log."""
import os
import resource
import subprocess

from shimtest import check, main


def dropped_problems(procs):
    """The dropped-records problems of the program's own log (not its child's)."""
    pids = {p["pid"] for p in procs}
    parent = [p for p in procs if p["ppid"] not in pids]
    check(len(parent) == 1, f"logs: {procs}")
    return [pb for pb in parent[0]["problems"] if "records dropped" in pb]


def run_limited(env, prog, limit, what="write", which=resource.RLIMIT_FSIZE):
    def cap():
        resource.setrlimit(which, (limit, resource.RLIM_INFINITY))
    return subprocess.run([prog, what], env=env.env(), cwd=env.tmp, capture_output=True, text=True, timeout=60,
                          preexec_fn=cap)


def test(env, progs):
    env.fresh_logdir("part")
    p = run_limited(env, progs[0], 3 << 20)
    check(p.returncode == 0 and p.stdout == "ok\n", f"3 MiB limit: exit {p.returncode}, stdout {p.stdout!r}")
    procs, recs = env.dump()
    check(len(procs) == 2, f"{len(procs)} logs (want the program's and its child's)")
    child_writes = [r for r in recs if r["kind"] == "write" and r["args"]["count"] == 2]
    check(len(child_writes) == 10, f"{len(child_writes)} of the child's 10 writes recorded (its log starts empty)")
    dropped = dropped_problems(procs)
    check(dropped, f"no dropped-records problem: {procs}")
    n = int(dropped[0].split()[0])
    writes = [r for r in recs if r["kind"] == "write" and r["args"]["count"] == 1]
    check(1000 < len(writes) < 100000, f"{len(writes)} writes recorded")
    check(len(writes) + n >= 100000, f"{len(writes)} recorded + {n} dropped < 100000 made")
    print(f"3 MiB limit: {len(writes)} writes recorded, {n} records dropped, program fine")

    env.fresh_logdir("none")
    p = run_limited(env, progs[0], 1 << 20)
    check(p.returncode == 0 and p.stdout == "ok\n", f"1 MiB limit: exit {p.returncode}, stdout {p.stdout!r}")
    logs = os.listdir(env.logdir) if os.path.isdir(env.logdir) else []
    check(not [f for f in logs if f.endswith(".aalog")], f"1 MiB limit: logs {logs}")
    print("1 MiB limit: no log, program fine")

    env.fresh_logdir("as")
    p = run_limited(env, progs[0], 1 << 30, "alloc", resource.RLIMIT_AS)
    check(p.returncode == 0 and p.stdout == "ok\n", f"1 GiB address space: exit {p.returncode} (3: the program's "
          f"850 MiB mapping failed), stdout {p.stdout!r}")
    procs, _ = env.dump()
    check(len(procs) == 1 and procs[0]["clean_exit"], f"1 GiB address space: logs {procs}")
    print("1 GiB address space: the program's 850 MiB mapping fits, log kept")

    disk_full(env, progs[0])


def disk_full(env, prog):
    mnt = os.path.join(env.tmp, "small")
    os.mkdir(mnt)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt],
                                           capture_output=True).returncode != 0:
        print("disk full: not run (mounting a small tmpfs needs root)")
        return
    try:
        env.logdir = os.path.join(mnt, "logs")
        p = subprocess.run([prog, "write"], env=env.env(), cwd=env.tmp, capture_output=True, text=True, timeout=60)
        check(p.returncode == 0 and p.stdout == "ok\n", f"3 MiB disk: exit {p.returncode}, stdout {p.stdout!r}")
        procs, recs = env.dump()
        dropped = dropped_problems(procs)
        check(dropped, f"3 MiB disk: no dropped-records problem: {procs}")
        writes = sum(1 for r in recs if r["kind"] == "write" and r["args"]["count"] == 1)
        print(f"3 MiB disk: {writes} writes recorded, {dropped[0].split()[0]} records dropped, program fine")
        fd = os.open(os.path.join(mnt, "fill"), os.O_WRONLY | os.O_CREAT)  # no room left at all
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass
        os.close(fd)
        env.logdir = os.path.join(mnt, "logs2")
        p = subprocess.run([prog, "write"], env=env.env(), cwd=env.tmp, capture_output=True, text=True, timeout=60)
        check(p.returncode == 0 and p.stdout == "ok\n", f"full disk: exit {p.returncode}, stdout {p.stdout!r}")
        left = [f for f in os.listdir(env.logdir) if f.endswith(".aalog")] if os.path.isdir(env.logdir) else []
        check(not left, f"full disk: logs left behind {left}")
        print("full disk: no log, program fine")
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)


main(test)
