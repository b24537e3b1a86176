#!/usr/bin/env python3
"""`awaitaudit export --perfetto` on a real run under the shim: the trace
parses, every slice has ph/ts/pid/tid, every flow start has exactly one
finish, flow ends lie strictly inside a slice of their thread (Perfetto and
chrome://tracing bind them to the enclosing slice), slices on a thread nest or are disjoint, and the
handoffs of the subject (thread start, condvar) are there.  Findings become
instant events: from --findings FILE, and from the analysis when it runs."""
import argparse
import collections
import json
import os
import shutil
import tempfile

from report_common import awaitaudit, check, fail, run_under_shim, SKIP


def validate(path):
    text = open(path, encoding="utf-8").read()
    try:
        trace = json.loads(text)
    except ValueError as e:
        fail(f"trace does not parse: {e}")
    evs = trace.get("traceEvents")
    check(isinstance(evs, list) and evs, f"traceEvents is a non-empty list ({len(evs or [])} events)")
    slices = [e for e in evs if e.get("ph") == "X"]
    missing = [e for e in evs if e.get("ph") != "M" and not all(k in e for k in ("ph", "ts", "pid", "tid"))]
    check(not missing, f"every non-metadata event has ph/ts/pid/tid ({len(missing)} lack one)")
    check(all("dur" in e and e["dur"] >= 0 and "name" in e for e in slices), f"every slice has name and dur >= 0 ({len(slices)} slices)")
    by_thread = collections.defaultdict(list)
    for e in slices:
        by_thread[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))

    def enclosed(x):  # strictly inside a slice of its thread: no tie for the viewer to break
        return any(a < x["ts"] < b for a, b in by_thread[(x["pid"], x["tid"])])
    flows = collections.defaultdict(list)
    for e in evs:
        if e.get("ph") in ("s", "f"):
            flows[e["id"]].append(e)
    bad = [i for i, fl in flows.items() if sorted(x["ph"] for x in fl) != ["f", "s"]
           or len({(x["cat"], x["name"]) for x in fl}) != 1]
    check(not bad, f"every flow id has one start and one finish with the same cat/name ({len(flows)} flows)")
    unbound = [x for fl in flows.values() for x in fl if not enclosed(x)]
    check(not unbound, f"every flow end lies strictly inside a slice of its thread ({len(unbound)} do not)")
    check(all(x.get("bp") == "e" for fl in flows.values() for x in fl if x["ph"] == "f"), "flow finishes bind to the enclosing slice (bp=e)")
    # Nesting: per thread, sorted by start, a slice must end before the
    # enclosing one does (the viewers drop partially overlapping slices).
    per = collections.defaultdict(list)
    for e in slices:
        per[(e["pid"], e["tid"])].append((e["ts"], -e["dur"], e["ts"] + e["dur"]))
    overlaps = 0
    for key, lst in per.items():
        lst.sort()
        stack = []
        for ts, _, end in lst:
            while stack and stack[-1] <= ts:
                stack.pop()
            if stack and end > stack[-1] + 1e-3:
                overlaps += 1
            stack.append(end)
    check(overlaps == 0, f"slices on each thread nest or are disjoint ({overlaps} partial overlaps)")
    named = {(e["pid"], e["tid"]) for e in evs if e.get("ph") == "M" and e.get("name") == "thread_name"}
    check(set(per) <= named, f"every thread with slices has a thread_name ({len(per)} threads)")
    names = collections.Counter(fl[0]["name"] for fl in flows.values())
    print(f"flows by kind: {dict(names)}")
    instants = [e for e in evs if e.get("ph") == "i" and e.get("cat") == "finding"]
    return names, instants, slices


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aa", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--subject", required=True)
    ap.add_argument("--arg", action="append", default=[])
    ap.add_argument("--twin", action="store_true")
    ap.add_argument("--expect-flow", action="append", default=[], help="NAME=MIN flows of that kind")
    ap.add_argument("--findings-fixture", help="also export with --findings FILE and expect its findings as instants")
    a = ap.parse_args()
    if not os.path.exists(a.subject):
        print(f"SKIP: subject {a.subject} not built")
        raise SystemExit(SKIP)
    work = tempfile.mkdtemp(prefix="aa-trace-")
    try:
        logs = os.path.join(work, "logs")
        data = os.path.join(work, "data")
        os.makedirs(logs)
        os.makedirs(data)
        out = run_under_shim(a.shim, logs, [a.subject, *[x.replace("@DATA@", data) for x in a.arg]],
                             delay="2ms", stacks=False)
        print(f"subject: {out.strip()}")
        trace = os.path.join(work, "trace.json")
        awaitaudit(a.aa, "export", "--perfetto", trace, logs, ok_codes=(0,))
        names, instants, _ = validate(trace)
        for spec in a.expect_flow:
            name, n = spec.rsplit("=", 1)
            check(names.get(name, 0) >= int(n), f"at least {n} '{name}' flows ({names.get(name, 0)})")
        # Findings from the analysis the export ran itself, compared with `analyze`.
        js = os.path.join(work, "findings.json")
        p = awaitaudit(a.aa, "analyze", "--json-out", js, logs)
        if os.path.exists(js):
            rep = json.load(open(js))
            errors = [f for f in rep["findings"] if f.get("severity") == "error"]
            inst_err = [e for e in instants if e["args"].get("severity") == "error"]
            check(len(instants) == len(rep["findings"]), f"one instant per finding ({len(instants)} / {len(rep['findings'])})")
            if a.twin:
                check(not inst_err, "the twin's trace has no error finding")
            else:
                check(inst_err, "the positive run's trace marks an error finding")
        else:
            print(f"note: analysis not available ({p.stderr.strip()[:120]}); findings from the analysis not checked")
        if a.findings_fixture:
            trace2 = os.path.join(work, "trace2.json")
            awaitaudit(a.aa, "export", "--perfetto", trace2, "--findings", a.findings_fixture, logs, ok_codes=(0,))
            _, inst2, _ = validate(trace2)
            want = len(json.load(open(a.findings_fixture))["findings"])
            check(len(inst2) == want, f"--findings: {want} instant event(s) from the saved report ({len(inst2)})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
