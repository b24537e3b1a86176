"""Three threads (open/write/pwrite/writev/fstat/statx/fsync/rename/close, a
pipe and an eventfd handoff): every call the program made is in the dump with
its thread, fd, arguments, result and errno, entry <= return, in the thread's
own order; the program sees the same results with and without the shim."""
import json
import subprocess

from shimtest import check, main


def strip(lines):
    return [(o["kind"], o["ret"], o["errno"]) for o in lines]


def test(env, progs):
    prog = progs[0]
    plain = subprocess.run([prog], cwd=env.tmp, capture_output=True, text=True, timeout=60)
    check(plain.returncode == 0, f"program fails without the shim: {plain.stderr}")
    p = env.run([prog])
    want = [json.loads(l) for l in p.stdout.splitlines()]
    check(len(want) == 18, f"program reported {len(want)} calls, expected 18")
    plain_want = [json.loads(l) for l in plain.stdout.splitlines()]
    check(sorted(strip(want)) == sorted(strip(plain_want)),
          "results differ with and without the shim")

    procs, recs = env.dump()
    check(len(procs) == 1, f"expected one process log, got {len(procs)}")
    for r in recs:
        check(r["t_enter"] <= r["t_exit"], f"entry after return: {r}")
    last_pos = {}
    for w in want:
        found = None
        for i, r in enumerate(recs):
            if r["kind"] != w["kind"] or r["tid"] != w["tid"] or r["ret"] != w["ret"] or r["errno"] != w["errno"]:
                continue
            if any(r["args"].get(k) != v for k, v in w["args"].items()):
                continue
            if w["kind"] == "open" and w["ret"] >= 0 and r.get("path") != "data.bin":
                continue
            if i <= last_pos.get(w["tid"], -1) and w["kind"] not in ("pipe", "eventfd"):
                continue
            found = (i, r)
            break
        check(found, f"no record for {w}")
        i, r = found
        last_pos[w["tid"]] = i
        if w["kind"] in ("fstat", "statx"):
            check(r.get("stat", {}).get("size") == 108, f"{w['kind']} stat size: {r.get('stat')}")
        if w["kind"] == "rename":
            check(r.get("path") == "data.bin" and r.get("path2") == "data2.bin", f"rename paths: {r}")
        if w["kind"] == "open" and w["ret"] >= 0:
            check(r.get("stat", {}).get("ino"), f"open without identity: {r}")
    tids = {w["tid"] for w in want}
    check(len(tids) == 4, f"expected calls from 4 threads (main + 3), saw {len(tids)}")
    starts = [r for r in recs if r["kind"] == "thread_start"]
    check(len(starts) == 3 and all(s["args"]["creator_tid"] == procs[0]["pid"] for s in starts),
          "each thread's start names its creator")
    for s in starts:
        first = min((r for r in recs if r["tid"] == s["tid"]), key=lambda r: r["t_enter"])
        check(first is s or first["kind"] == "thread_start", "thread_start is the thread's first record")


main(test)
