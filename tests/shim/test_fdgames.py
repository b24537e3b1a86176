"""dup2()/dup3() onto the shim's own fds and close_range(3, ~0U, 0): the
program sees what it would see without the shim, and the log stays intact
with the program's later calls in it."""
import subprocess

from shimtest import check, main


def test(env, progs):
    prog = progs[0]
    for mode in ("dup2", "close_range"):
        plain = subprocess.run([prog, mode], cwd=env.tmp, capture_output=True, text=True, timeout=60)
        check(plain.returncode == 0, f"{mode}: fails without the shim: {plain.stderr}")
        env.fresh_logdir(mode)
        env.run([prog, mode])
        procs, recs = env.dump()
        check(len(procs) == 1, f"{mode}: expected one log, got {len(procs)}")
        p = procs[0]
        check(not p["problems"] and p["skipped"] == 0, f"{mode}: log damaged: {p}")
        check(p["clean_exit"], f"{mode}: exit not recorded after the fd games")
        opens = [r for r in recs if r["kind"] == "open" and r.get("path") == "after.txt"]
        check(opens, f"{mode}: open of after.txt missing")
        fd = opens[-1]["ret"]
        writes = [r for r in recs if r["kind"] == "write" and r["args"]["fd"] == fd and r["t_enter"] > opens[-1]["t_enter"]]
        check(len(writes) == 20 and all(w["ret"] == 8 for w in writes),
              f"{mode}: {len(writes)} of 20 writes after the fd games recorded")
        if mode == "dup2":
            dups = [r for r in recs if r["kind"] == "dup"]
            check(len(dups) == 2 and all(d["ret"] == d["args"]["newfd"] for d in dups), f"dup2: dup records {dups}")
            markers = [r for r in recs if r["kind"] == "marker"]
            check(not markers, "dup2: a write to the program's own fd was taken for a marker")
        else:
            cr = [r for r in recs if r["kind"] == "close_range"]
            check(len(cr) == 1 and cr[0]["ret"] == 0, "close_range record missing")


main(test)
