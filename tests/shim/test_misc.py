"""Smaller shim behaviours: the adapter marker channel, syscall() decoding
(futex, statx, io_uring_setup; other numbers pass untouched), dlopen maps
snapshots, exit status, and the settings that turn tracing off
(AWAITAUDIT_OFF, AWAITAUDIT_EXCLUDE, a log directory owned by someone else)."""
import os
import subprocess

from shimtest import check, main


def test(env, progs):
    prog = progs[0]
    env.fresh_logdir("marker")
    env.run([prog, "marker"])
    procs, recs = env.dump()
    m = [r for r in recs if r["kind"] == "marker"]
    check(len(m) == 1 and m[0]["path"] == '{"t":"request","op":"write","path":"/x","id":7}' and m[0]["ret"] == 47,
          f"marker record: {m}")
    check(not [r for r in recs if r["kind"] == "write"], "the marker write was also recorded as a plain write")

    env.fresh_logdir("syscalls")
    env.run([prog, "syscalls"])
    procs, recs = env.dump()
    fx = [r for r in recs if r["kind"] == "futex"]
    check(len(fx) == 2, f"expected 2 futex records, got {len(fx)}")
    check(fx[0]["ret"] == 0 and fx[1]["ret"] == -1 and fx[1]["errno_name"] == "EAGAIN", f"futex results: {fx}")
    check(fx[0]["args"]["op"] == 129 and fx[1]["args"]["val"] == 4 and fx[1]["args"]["val2"] != 0,
          f"futex args: {fx}")
    sx = [r for r in recs if r["kind"] == "statx"]
    check(len(sx) == 1 and sx[0]["path"] == "misc.txt" and sx[0]["stat"]["size"] == 7, f"statx record: {sx}")
    op = [r for r in recs if r["kind"] == "open" and r.get("path") == "misc.txt"]
    check(op and op[0]["stat"]["ino"] == sx[0]["stat"]["ino"] and op[0]["stat"]["dev"] == sx[0]["stat"]["dev"],
          "open's identity differs from statx's")
    check(op[0]["stat"]["btime_ns"] == sx[0]["stat"]["btime_ns"], "birth time differs between open and statx")
    check(len([r for r in recs if r["kind"] == "io_uring_setup"]) == 1, "io_uring_setup not recorded")

    env.fresh_logdir("dlopen")
    env.run([prog, "dlopen"])
    procs, recs = env.dump()
    dl = [r for r in recs if r["kind"] == "dlopen"]
    check(len(dl) == 1 and dl[0]["path"] == "libm.so.6" and dl[0]["ret"] == 0, f"dlopen record: {dl}")

    env.fresh_logdir("exit")
    p = env.run([prog, "exit3"], check_rc=False)
    check(p.returncode == 3, f"exit(3) returned {p.returncode}")
    procs, recs = env.dump()
    ex = [r for r in recs if r["kind"] == "exit"]
    check(len(ex) == 1 and ex[0]["args"]["status"] == 3 and ex[0]["args"]["how"] == 0, f"exit record: {ex}")
    check(procs[0]["clean_exit"], "exit() not marked clean")

    d = env.fresh_logdir("off")
    env.run([prog, "marker"], check_rc=False, AWAITAUDIT_OFF=1)
    check(not os.path.exists(d), "AWAITAUDIT_OFF=1 still created logs")

    d = env.fresh_logdir("exclude")
    env.run(["sh", "-c", f"{prog} dlopen"], AWAITAUDIT_EXCLUDE="sh:dash:bash")
    procs, recs = env.dump()
    check(len(procs) == 1 and procs[0]["exe"] == os.path.realpath(prog),
          f"EXCLUDE: expected only the child's log, got {[p['exe'] for p in procs]}")

    d = env.fresh_logdir("foreign")
    if os.geteuid() == 0:
        os.mkdir(d, 0o777)
        os.chown(d, 65534, 65534)
        env.run([prog, "dlopen"])
        check(not os.listdir(d), "wrote a log into a directory owned by another user")
    else:
        print("foreign-dir case skipped: needs root to chown")


main(test)
