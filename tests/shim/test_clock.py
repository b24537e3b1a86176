"""Record times are CLOCK_MONOTONIC: each write's t_enter and t_exit lie
inside the program's own clock_gettime bracket around the call, on two
threads, across the shim's TSC-map re-anchoring (pauses longer than its
window), with the TSC map and with AWAITAUDIT_CLOCK=vdso."""
import os
import struct

from shimtest import check, main

# The TSC map's error is (rate error) x (2 ms window); measured well under
# 100 ns on the 2-core VM this was written on.  A record may start before the
# program's bracket by at most this much.
TOLERANCE_NS = 1000


def run(env, prog, name, **extra):
    env.fresh_logdir(name)
    env.run([prog], timeout=120, **extra)
    with open(os.path.join(env.tmp, "brackets.bin"), "rb") as f:
        raw = f.read()
    rows = [struct.unpack_from("<qqq", raw, i) for i in range(0, len(raw), 24)]
    procs, recs = env.dump()
    check(len(procs) == 1 and not procs[0]["problems"], f"{name}: log damaged")
    fds = {r.get("path"): r["ret"] for r in recs if r["kind"] == "open"}
    worst_early = worst_late = -10**18
    checked = 0
    for k in (0, 1):
        fd = fds[f"data{k}.bin"]
        ws = [r for r in recs if r["kind"] == "write" and r["args"]["fd"] == fd and r["args"]["count"] == 4]
        br = [(b, a) for t, b, a in rows if t == k]
        check(len(ws) == len(br), f"{name}: thread {k}: {len(ws)} records for {len(br)} writes")
        for r, (before, after) in zip(ws, br):
            check(r["t_enter"] <= r["t_exit"], f"{name}: t_enter > t_exit in {r}")
            worst_early = max(worst_early, before - r["t_enter"])
            worst_late = max(worst_late, r["t_exit"] - after)
            checked += 1
    # Negative: inside the bracket by that much at the closest.
    print(f"{name}: {checked} writes; closest record start to the bracket start {worst_early} ns, "
          f"closest record end to the bracket end {worst_late} ns (negative = inside)")
    check(worst_early <= TOLERANCE_NS and worst_late <= TOLERANCE_NS,
          f"{name}: record times outside the program's clock bracket by more than {TOLERANCE_NS} ns")


def test(env, progs):
    run(env, progs[0], "tsc")
    run(env, progs[0], "vdso", AWAITAUDIT_CLOCK="vdso")


main(test)
