"""Fork handlers registered before the shim's (jemalloc's, in rustc) make
calls inside fork.  None of them may be recorded: in the parent they would
come before the fork's own record (its child then looks unordered with
it), and in the child, before the shim's handler opens the child's log, they
would be written into the parent's log (its chunks are shared): seen in
cargo builds as a record with a bad size in rustc's forking thread and a lost
fork record.  Every fork and every child's file calls must still be there."""
import json
import os
import subprocess

from shimtest import check, main

FORKS = 40


def test(env, progs):
    prog = progs[0]
    out = os.path.join(env.tmp, "out")
    os.makedirs(out)
    p = env.run([prog, out, str(FORKS)])
    mutex = int(p.stdout.split()[0], 16)
    d = subprocess.run([env.aa_bin, "dump", "--json", env.logdir], capture_output=True, text=True, timeout=120)
    check(d.returncode == 0, f"dump failed: {d.stderr.strip()}")
    check("bad size" not in d.stderr and "skipped" not in d.stderr, f"damaged log: {d.stderr.strip()[:300]}")
    procs, recs = env.dump()
    check(all(not x["problems"] and not x["skipped"] for x in procs), "a log has problems or skipped records")
    parent_pid = min(x["pid"] for x in procs)
    forks = [r for r in recs if r["kind"] == "fork" and r["pid"] == parent_pid]
    check(len(forks) == FORKS, f"{len(forks)} fork records, expected {FORKS}")
    child_opens = [r for r in recs if r["kind"] == "open" and r["pid"] != parent_pid
                   and os.path.basename(r.get("path", "")).startswith("child")]
    check(len(child_opens) == FORKS, f"{len(child_opens)} child opens recorded, expected {FORKS}")
    def addr(v):
        return int(v, 0) if isinstance(v, str) else int(v)
    mutex_recs = [r for r in recs if r["kind"] in ("mutex_lock", "mutex_unlock") and addr(r["args"]["mutex"]) == mutex]
    check(not mutex_recs, f"{len(mutex_recs)} records of the handlers' mutex")
    a = subprocess.run([env.aa_bin, "analyze", "--json", "--fail-on", "never", env.logdir], capture_output=True,
                       text=True, timeout=120)
    check(a.returncode == 0, f"analyze failed: {a.stderr.strip()}")
    rep = json.loads(a.stdout)
    check(not rep["findings"], f"findings on a correct program: {[f['message'] for f in rep['findings']][:3]}")
    print(f"ok: {len(forks)} forks, {len(child_opens)} child opens, no handler records, no findings")


if __name__ == "__main__":
    main(test)
