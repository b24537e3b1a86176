#!/usr/bin/env python3
"""ctest driver for issue 2's runtime dumps: run a subject under the shim
(LD_PRELOAD, AWAITAUDIT_DIR), decode its log with `awaitaudit dump --json`,
and check the shape of the offloaded I/O:

  - the subject's file writes (write/pwrite/writev on fds opened under the
    subject's scratch dir) ran on helper threads, not on the main thread that
    drives the runtime (the origin; tokio's File::create opens on a pool
    thread too, so "the thread that opened it" would be wrong);
  - with --stat-on helper: the stats of those files also ran on helper threads
    (tokio's metadata()); with --stat-on origin: on the origin thread;
  - synchronisation hands work from the origin thread to a writing thread and
    back: a release on one thread (futex wake, cond signal/broadcast, sem post,
    mutex unlock, eventfd/pipe write) and a later acquire of the same object
    on the other (futex wait return, cond wait, sem wait, mutex lock, channel
    read); --handoff-to/--handoff-from name the families required.

usage: check_dump.py --aa BIN --shim SO [--need TOOL] [--env K=V]
                     [--stat-on helper|origin] [--handoff-to FAMILY ...]
                     [--handoff-from FAMILY ...] -- CMD..."""
import argparse
import collections
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import aa_common as aa

FUTEX_WAIT_OPS = {0, 9}   # FUTEX_WAIT, FUTEX_WAIT_BITSET (private flag masked)
FUTEX_WAKE_OPS = {1, 10}  # FUTEX_WAKE, FUTEX_WAKE_BITSET
WRITE_KINDS = {"write", "pwrite", "writev", "pwritev"}
STAT_KINDS = {"stat", "fstat", "statx"}


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aa", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--need", action="append", default=[])
    ap.add_argument("--skip-because", help="SKIP (77) with this reason: a tool is absent")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--stat-on", choices=["helper", "origin"])
    ap.add_argument("--handoff-to", action="append", default=[],
                    help="sync family required origin->writer: futex|cond|sem|mutex|channel|any")
    ap.add_argument("--handoff-from", action="append", default=[],
                    help="sync family required writer->origin")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.cmd and a.cmd[0] == "--":
        a.cmd = a.cmd[1:]
    return a


def sync_role(r, channel_fds):
    """(family, object, 'rel'|'acq') for a synchronisation record, else None."""
    k, args = r["kind"], r.get("args", {})
    if k == "futex":
        op = args.get("op", 0) & 127
        if op in FUTEX_WAKE_OPS and r["ret"] > 0:
            return ("futex", args["uaddr"], "rel")
        if op in FUTEX_WAIT_OPS and r["ret"] == 0:
            return ("futex", args["uaddr"], "acq")
    elif k in ("cond_signal", "cond_broadcast"):
        return ("cond", args["cond"], "rel")
    elif k == "cond_wait" and r["ret"] == 0:
        return ("cond", args["cond"], "acq")
    elif k == "sem_post":
        return ("sem", args["sem"], "rel")
    elif k == "sem_wait" and r["ret"] == 0:
        return ("sem", args["sem"], "acq")
    elif k == "mutex_unlock":
        return ("mutex", args["mutex"], "rel")
    elif k == "mutex_lock":
        return ("mutex", args["mutex"], "acq")
    elif k in WRITE_KINDS and args.get("fd") in channel_fds and r["ret"] > 0:
        return ("channel", channel_fds[args["fd"]], "rel")
    elif k in ("read", "readv") and args.get("fd") in channel_fds and r["ret"] > 0:
        return ("channel", channel_fds[args["fd"]], "acq")
    return None


def handoffs(records, channel_fds):
    """{(family, from_tid, to_tid): n}: releases followed by an acquire of the
    same object on another thread."""
    releases = collections.defaultdict(list)  # (family, obj) -> [(t, tid)]
    out = collections.Counter()
    for r in records:  # time order
        role = sync_role(r, channel_fds)
        if not role:
            continue
        fam, obj, what = role
        if what == "rel":
            releases[(fam, obj)].append((r["t_enter"], r["tid"]))
        else:
            for t, tid in reversed(releases[(fam, obj)]):
                if tid != r["tid"] and t <= r["t_exit"]:
                    out[(fam, tid, r["tid"])] += 1
                    break
    return out


def main():
    a = parse()
    if a.skip_because:
        print(f"SKIP: {a.skip_because}")
        sys.exit(aa.SKIP)
    aa.require_tools(a.need)
    work = tempfile.mkdtemp(prefix="aa-dump-")
    try:
        logs = os.path.join(work, "logs")
        scratch = os.path.join(work, "scratch")
        os.makedirs(scratch)
        env = dict(os.environ, LD_PRELOAD=a.shim, AWAITAUDIT_DIR=logs, TMPDIR=scratch)
        env.update(dict(kv.split("=", 1) for kv in a.env))
        p = subprocess.run(a.cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            aa.fail(f"subject exited {p.returncode}: {p.stderr[-1500:]}")
        print(f"subject: {p.stdout.strip()}")
        files = glob.glob(os.path.join(logs, "*.aalog"))
        if not files:
            aa.fail(f"no logs in {logs}")
        d = subprocess.run([a.aa, "dump", "--json", *files], capture_output=True, text=True, timeout=300)
        if d.returncode != 0:
            aa.fail(f"awaitaudit dump exited {d.returncode}: {d.stderr[-1500:]}")
        lines = [json.loads(x) for x in d.stdout.splitlines() if x.strip()]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    procs = [x for x in lines if x.get("type") == "process"]
    # The subject process: the one whose records touch the scratch dir (node
    # and python may start helpers).
    by_pid = collections.defaultdict(list)
    for x in lines:
        if x.get("type") == "record":
            by_pid[x["pid"]].append(x)
    verdicts = []
    for pid, recs in by_pid.items():
        recs.sort(key=lambda r: (r["t_enter"], r["t_exit"]))
        fd_path, channel_fds = {}, {}
        writes, stats = [], []
        for r in recs:
            k, args, path = r["kind"], r.get("args", {}), r.get("path", "")
            if k == "open" and r["ret"] >= 0:
                fd_path[r["ret"]] = path
            elif k == "close":
                fd_path.pop(args.get("fd"), None)
                channel_fds.pop(args.get("fd"), None)
            elif k == "pipe" and r["ret"] == 0:
                channel_fds[args["rfd"]] = channel_fds[args["wfd"]] = ("pipe", r["t_enter"], args["wfd"])
            elif k == "eventfd" and r["ret"] >= 0:
                channel_fds[r["ret"]] = ("eventfd", r["t_enter"], r["ret"])
            elif k in WRITE_KINDS and fd_path.get(args.get("fd"), "").startswith(scratch):
                writes.append((r, fd_path[args["fd"]]))
            elif k in STAT_KINDS:
                target = path if path else fd_path.get(args.get("fd", args.get("dirfd")), "")
                if target.startswith(scratch):
                    stats.append((r, target))
        if writes:
            verdicts.append((pid, recs, writes, stats, channel_fds))
    if not verdicts:
        aa.fail(f"no write to a file under the scratch dir in any of {len(procs)} process log(s)")
    pid, recs, writes, stats, channel_fds = verdicts[0]
    kinds = collections.Counter(r["kind"] for r in recs)
    print(f"pid {pid}: {len(recs)} records, {len(writes)} file writes, {len(stats)} file stats; "
          f"futex {kinds['futex']}, cond_signal {kinds['cond_signal']}, cond_wait {kinds['cond_wait']}, "
          f"sem_post {kinds['sem_post']}, sem_wait {kinds['sem_wait']}")

    def origin(path):
        return pid  # the main thread: tid == pid

    off_thread = [w for w, path in writes if w["tid"] != origin(path)]
    print(f"writes on a helper thread: {len(off_thread)}/{len(writes)}; writer tids "
          f"{sorted({w['tid'] for w, _ in writes})}, origin tid {pid}")
    if not off_thread:
        aa.fail("every file write ran on the thread that created the file: nothing was offloaded")
    for w in off_thread:
        if not (w["t_enter"] <= w["t_exit"]):
            aa.fail(f"write record with entry after return: {w}")

    if a.stat_on:
        on_helper = [s for s, path in stats if s["tid"] != origin(path)]
        on_origin = [s for s, path in stats if s["tid"] == origin(path)]
        print(f"stats: {len(on_helper)} on helper threads ({collections.Counter(s['kind'] for s in on_helper)}), "
              f"{len(on_origin)} on the origin thread ({collections.Counter(s['kind'] for s in on_origin)})")
        want = on_helper if a.stat_on == "helper" else on_origin
        if not want:
            aa.fail(f"no stat of a written file on the {a.stat_on} thread(s)")
        if any("stat" not in s for s in want if s["ret"] == 0):
            aa.fail("a successful stat record carries no stat result")

    writers = {w["tid"] for w in off_thread}
    origins = {pid}
    h = handoffs(recs, channel_fds)
    to_pool = collections.Counter()
    from_pool = collections.Counter()
    for (fam, src, dst), n in h.items():
        if src in origins and dst in writers:
            to_pool[fam] += n
        if src in writers and dst in origins:
            from_pool[fam] += n
    print(f"handoffs origin->writer {dict(to_pool)}; writer->origin {dict(from_pool)}")
    for fams, label, c in ((a.handoff_to, "origin->writer", to_pool),
                           (a.handoff_from, "writer->origin", from_pool)):
        for fam in fams:
            n = sum(c.values()) if fam == "any" else c[fam]
            if n == 0:
                aa.fail(f"no {fam} handoff {label}")
    print("PASS")


if __name__ == "__main__":
    main()
