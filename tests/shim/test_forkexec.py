"""fork, exec, vfork and posix_spawn under the shim: every process image gets
its own log linked to the one that created it, LD_PRELOAD survives exec even
with a program-supplied envp, and vfork+exec leaves the parent's log whole."""
from shimtest import check, header, main


def writes_to(recs, pid, path):
    """Writes of process pid through an fd opened on path, until that fd's close."""
    out = []
    mine = sorted((r for r in recs if r["pid"] == pid), key=lambda r: r["t_enter"])
    for i, o in enumerate(mine):
        if o["kind"] != "open" or o.get("path") != path or o["ret"] < 0:
            continue
        for r in mine[i + 1:]:
            if r["kind"] == "close" and r["args"]["fd"] == o["ret"]:
                break
            if r["kind"] == "write" and r["args"]["fd"] == o["ret"]:
                out.append(r)
    return out


def by_pid(env, procs):
    logs = {}
    for p in procs:
        logs.setdefault(p["pid"], []).append((p, header(p["log"])))
    return logs


def test(env, progs):
    prog = progs[0]
    for mode, tag in (("fork-exec", "fe"), ("own-envp", "envp")):
        env.fresh_logdir(mode)
        env.run([prog, mode])
        procs, recs = env.dump()
        check(len(procs) == 3, f"{mode}: expected 3 logs (parent, fork child, exec'd image), got {len(procs)}")
        parent = [p for p in procs if len(writes_to(recs, p["pid"], "parent.txt")) == 2]
        check(len(parent) == 1, f"{mode}: parent's writes missing")
        ppid = parent[0]["pid"]
        child = [p for p in procs if p["pid"] != ppid]
        check(len({p["pid"] for p in child}) == 1, f"{mode}: fork child and its exec'd image share a pid")
        cpid = child[0]["pid"]
        check(len(writes_to(recs, cpid, f"child-{tag}.txt")) == 3,
              f"{mode}: the exec'd child's writes are not in a log (LD_PRELOAD lost?)")
        hp = header(parent[0]["log"])
        hs = {p["log"]: header(p["log"]) for p in child}
        forked = [l for l, h in hs.items() if h["parent_log_id"] == hp["log_id"]]
        check(len(forked) == 1, f"{mode}: fork child's log does not name the parent's log")
        hf = hs[forked[0]]
        check(hf["flags"] & 2, f"{mode}: fork child's log not marked as exec'd")
        image = [h for l, h in hs.items() if l != forked[0]]
        check(image[0]["parent_log_id"] == hf["log_id"], f"{mode}: exec'd image does not name the pre-exec log")
        pend = [r for r in recs if r["pid"] == cpid and r["kind"] == "execve"]
        check(pend and "pending" in pend[0]["flags"], f"{mode}: no pending execve record before exec")
        for p in procs:
            check(not p["problems"] and p["skipped"] == 0, f"{mode}: damaged log {p}")

    env.fresh_logdir("vfork")
    env.run([prog, "vfork-exec"])
    procs, recs = env.dump()
    check(len(procs) == 3, f"vfork-exec: expected 3 logs, got {len(procs)}")
    parent = [p for p in procs if writes_to(recs, p["pid"], "before.txt")]
    check(len(parent) == 1, "vfork-exec: parent log missing")
    pp = parent[0]
    check(not pp["problems"] and pp["skipped"] == 0 and pp["clean_exit"], f"vfork-exec: parent log damaged: {pp}")
    check(len(writes_to(recs, pp["pid"], "before.txt")) == 5 and len(writes_to(recs, pp["pid"], "after.txt")) == 5,
          "vfork-exec: parent's writes around vfork incomplete")
    check(any(r["kind"] == "fork" and r["args"].get("vfork") == 1 and r["pid"] == pp["pid"] for r in recs),
          "vfork-exec: no vfork record")
    other = [p for p in procs if p["pid"] != pp["pid"]]
    check(any(len(writes_to(recs, p["pid"], "child-vf.txt")) == 3 for p in other), "vfork-exec: child writes missing")

    env.fresh_logdir("spawn")
    env.run([prog, "spawn"])
    procs, recs = env.dump()
    check(len(procs) == 2, f"spawn: expected 2 logs, got {len(procs)}")
    sp = [r for r in recs if r["kind"] == "posix_spawn"]
    check(len(sp) == 1 and sp[0]["ret"] == 0, "spawn: posix_spawn record missing")
    child = [p for p in procs if p["pid"] == sp[0]["args"]["pid"]]
    check(child and len(writes_to(recs, child[0]["pid"], "child-spawn.txt")) == 3,
          "spawn: spawned child with its own envp was not traced")

    env.fresh_logdir("forkonly")
    env.run([prog, "fork-only"])
    procs, recs = env.dump()
    check(len(procs) == 2, f"fork-only: expected 2 logs, got {len(procs)}")
    hs = {p["pid"]: header(p["log"]) for p in procs}
    parent = [p for p in procs if writes_to(recs, p["pid"], "parent2.txt")][0]
    child = [p for p in procs if p["pid"] != parent["pid"]][0]
    check(len(writes_to(recs, child["pid"], "child-fo.txt")) == 4, "fork-only: child's writes not in its log")
    check(not writes_to(recs, parent["pid"], "child-fo.txt"), "fork-only: child's writes leaked into the parent's log")
    check(hs[child["pid"]]["parent_log_id"] == hs[parent["pid"]]["log_id"], "fork-only: child log not linked")
    check(child["clean_exit"], "fork-only: child's _exit not recorded")


main(test)
