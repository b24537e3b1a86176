"""Stacks in fork children: a child forked while another thread was alive
records its calls without stacks (a lock held inside libunwind by a thread
that the fork did not copy would hang it: seen in CPython's test_subprocess),
and still records every call; a child forked by a single-threaded parent, or
after the other thread ended, keeps its stacks."""
import os

from shimtest import check, main


def child_writes(recs, parent_pid, path):
    return [r for r in recs if r["kind"] == "open" and r.get("path") == path and r["pid"] != parent_pid]


def test(env, progs):
    prog = progs[0]
    for mode in ("threaded", "single"):
        env.fresh_logdir(f"logs-{mode}")
        out = os.path.join(env.tmp, f"{mode}.txt")
        p = env.run([prog, mode, out], AWAITAUDIT_STACKS=1)
        procs, recs = env.dump()
        parent = [x for x in procs if x["ppid"] == os.getpid() or x["argv"][:1] == [prog]]
        parent_pid = min(x["pid"] for x in parent)
        first = child_writes(recs, parent_pid, out)
        later = child_writes(recs, parent_pid, out + ".after")
        check(len(first) == 1 and len(later) == 1, f"{mode}: each child's open is recorded ({len(first)}, {len(later)})")
        child_pid = first[0]["pid"]
        child_recs = [r for r in recs if r["pid"] == child_pid and r["kind"] in ("open", "write", "close")]
        check(len(child_recs) >= 3, f"{mode}: the child's open/write/close are all recorded ({len(child_recs)})")
        with_stack = [r for r in child_recs if r.get("stack_id")]
        if mode == "threaded":
            check(not with_stack, f"threaded parent: child records carry stacks ({len(with_stack)} of {len(child_recs)})")
        else:
            check(len(with_stack) == len(child_recs), f"single-threaded parent: child records without stacks")
        check(later[0].get("stack_id"), f"{mode}: a fork after the other thread ended has stacks again")
        parent_writes = [r for r in recs if r["pid"] == parent_pid and r["kind"] == "pthread_create"]
        if mode == "threaded":
            check(parent_writes and all(r.get("stack_id") for r in parent_writes),
                  "threaded parent: its own records keep their stacks")
        print(f"ok: {mode}: child {len(child_recs)} records, {len(with_stack)} with stacks")


if __name__ == "__main__":
    main(test)
