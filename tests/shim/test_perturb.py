"""Perturbation: the same seed gives the same delay decisions per thread, a
different seed different ones; only regular-file writes are delayed (not
pipe writes, not fstat by default); the delays really happen; and a
targeted sites file delays exactly the writes from the listed call site."""
import os

from shimtest import check, main


def decisions(env, prog, seed, prob, name):
    env.fresh_logdir(name)
    p = env.run([prog, "seq"], AWAITAUDIT_DELAY="100us", AWAITAUDIT_DELAY_PROB=prob, AWAITAUDIT_DELAY_SEED=seed)
    procs, recs = env.dump()
    spawn = {r["tid"]: r["args"]["spawn_id"] for r in recs if r["kind"] == "thread_start"}
    files = {(r["tid"], r["ret"]) for r in recs if r["kind"] == "open" and r.get("path", "").startswith("file-")}
    pipes = {(r["tid"], r["args"]["wfd"]) for r in recs if r["kind"] == "pipe"}
    out = {}
    for r in recs:
        if r["kind"] == "write" and (r["tid"], r["args"]["fd"]) in files:
            out.setdefault(spawn[r["tid"]], []).append("delayed" in r["flags"])
        if r["kind"] == "write" and (r["tid"], r["args"]["fd"]) in pipes:
            check("delayed" not in r["flags"], f"{name}: a pipe write was delayed")
        if r["kind"] == "fstat":
            check("delayed" not in r["flags"], f"{name}: fstat delayed though only writes were asked for")
    check(sorted(out) == [1, 2] and all(len(v) == 40 for v in out.values()), f"{name}: file writes missing: {out}")
    return out, p.stdout


def test(env, progs):
    prog = progs[0]
    d1, _ = decisions(env, prog, 7, 0.5, "seed7a")
    d2, _ = decisions(env, prog, 7, 0.5, "seed7b")
    d3, _ = decisions(env, prog, 8, 0.5, "seed8")
    check(d1 == d2, "same seed, different delay decisions")
    check(d1 != d3, "different seeds gave identical decisions for 80 coin flips")
    n = sum(sum(v) for v in d1.values())
    check(10 <= n <= 70, f"prob 0.5 delayed {n} of 80 writes")
    print(f"seed 7: {n} of 80 regular-file writes delayed, identical in two runs; seed 8 differs")

    dall, out = decisions(env, prog, 1, 1, "all")
    check(all(all(v) for v in dall.values()), "prob 1 left writes undelayed")
    for line in out.splitlines():
        name, ms = line.split()
        check(float(ms) >= 40 * 0.1, f"{name}: 40 writes delayed by 100us took only {ms} ms")

    # Targeted: find site_a's call site from a run with stacks, then delay only it.
    env.fresh_logdir("find-site")
    p = env.run([prog, "sites"], AWAITAUDIT_STACKS=1)
    exe, bias = p.stdout.split()
    procs, recs = env.dump()
    a = [r for r in recs if r["kind"] == "write" and r["args"]["count"] == 10]
    check(len(a) == 20 and a[0].get("stack"), "site_a writes without stacks")
    ip = int(a[0]["stack"][0], 16)
    sites = os.path.join(env.tmp, "sites")
    with open(sites, "w") as f:
        f.write(f"# from a test run\n{exe} {ip - int(bias, 16):x}\n")
    env.fresh_logdir("targeted")
    env.run([prog, "sites"], AWAITAUDIT_DELAY="200us", AWAITAUDIT_DELAY_SITES=sites)
    procs, recs = env.dump()
    wa = [r for r in recs if r["kind"] == "write" and r["args"]["count"] == 10]
    wb = [r for r in recs if r["kind"] == "write" and r["args"]["count"] == 20]
    check(len(wa) == 20 and all("delayed" in r["flags"] for r in wa), "targeted: site_a writes not all delayed")
    check(len(wb) == 20 and not any("delayed" in r["flags"] for r in wb), "targeted: site_b writes delayed")
    print("targeted: 20 of 20 site_a writes delayed, 0 of 20 site_b")


main(test)
