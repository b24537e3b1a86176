#!/usr/bin/env python3
"""ctest driver: run one subject under `awaitaudit run` and assert on the
findings JSON.

  positive: every run has a manifested, error-level premature-completion
            finding; the tagged user source lines (--line ROLE=TAG) appear in
            the stacks of one such finding (--soft-line: only reported); the
            analyzer's manifested count is at least the subject's own stale
            count (--lenient-count: only reported).
  twin:     no run has an error-level or manifested finding, and the subject
            itself saw nothing stale.

usage: check_run.py --aa BIN --mode positive|twin [--delay D]... [--runs N]
                    [--source FILE --line ROLE=TAG ... --soft-line ROLE=TAG ... [--roles]]
                    [--lenient-count] [--need TOOL ...] [--skip-because WHY]
                    [--env K=V ...] -- CMD ARGS...
Each --delay value is one configuration ("0" = plain run); every
configuration is run --runs times."""
import argparse
import os
import sys

import aa_common as aa

TOOL_ERRORS = {64, 65, 66, 70, 73, 127}
# --roles: where each role's source line must be (finding JSON event keys).
ROLE_EVENTS = {"write": {"write", "submission"}, "observe": {"overtaker", "overtaker_submission"},
               "submit": {"submission"}}


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aa", required=True)
    ap.add_argument("--mode", choices=["positive", "twin"], required=True)
    ap.add_argument("--delay", action="append", default=[])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--source")
    ap.add_argument("--line", action="append", default=[], help="ROLE=TAG")
    ap.add_argument("--soft-line", action="append", default=[],
                    help="ROLE=TAG reported but not required (why: tests/runtimes/CMakeLists.txt)")
    ap.add_argument("--need", action="append", default=[])
    ap.add_argument("--skip-because", help="SKIP (77) with this reason: a tool is absent")
    ap.add_argument("--roles", action="store_true",
                    help="a ROLE's line must be in that role's events: write in the write or its "
                         "submission, observe in the overtaker or its submission, submit in the submission")
    ap.add_argument("--lenient-count", action="store_true",
                    help="print, but do not require, manifested >= the subject's stale count")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.cmd and a.cmd[0] == "--":
        a.cmd = a.cmd[1:]
    if not a.cmd:
        ap.error("missing subject command after --")
    return a


def run_opts(delay):
    opts = ["--stacks"]
    if delay and delay != "0":
        opts += ["--delay", delay]
    return opts


def check_positive(a, label, findings, stale):
    manifested = aa.premature(findings, "manifested", "error")
    counts = aa.summarize(findings)
    print(f"{label}: subject stale {stale[0]}/{stale[1]}; analyzer manifested "
          f"{counts['manifested']} in {len(manifested)} finding(s), latent {counts['latent']}")
    if not manifested:
        aa.fail(f"{label}: no manifested error-level premature-completion finding")
    if counts["manifested"] < stale[0] and a.lenient_count:
        print(f"  note: {stale[0] - counts['manifested']} stale iterations were not flagged manifested (lenient)")
    elif counts["manifested"] < stale[0]:
        aa.fail(f"{label}: the subject saw {stale[0]} stale iterations but only "
                f"{counts['manifested']} were flagged manifested")
    for spec, strict in [(x, True) for x in a.line] + [(x, False) for x in a.soft_line]:
        role, tag = spec.split("=", 1)
        line = aa.tagged_line(a.source, tag)
        where = [(f["id"], aa.has_line(f, a.source, line)) for f in manifested]
        if a.roles and role in ROLE_EVENTS:
            where = [(fid, [k for k in w if k in ROLE_EVENTS[role]]) for fid, w in where]
        where = [(fid, w) for fid, w in where if w]
        if where:
            print(f"  {role} line {line} found in {where[0][0]} ({', '.join(sorted(set(where[0][1])))} stack)")
        elif strict:
            aa.fail(f"{label}: {role} line {a.source}:{line} ({tag!r}) is in no manifested finding's stacks")
        else:
            print(f"  note: {role} line {line} ({tag!r}) is in no manifested finding's stacks (not required)")


def check_twin(label, findings, stale):
    counts = aa.summarize(findings)
    print(f"{label}: subject stale {stale[0]}/{stale[1]}; analyzer manifested "
          f"{counts['manifested']}, latent {counts['latent']}, error-level findings {counts['errors']}")
    if stale[0] != 0:
        aa.fail(f"{label}: the twin itself saw {stale[0]} stale iterations: the twin is wrong")
    if counts["errors"] or counts["manifested"]:
        for f in findings.get("findings", []):
            if f.get("severity") == "error" or f.get("confidence") == "manifested":
                print(f"  offending: {f.get('id')} {f.get('kind')} {f.get('confidence')} "
                      f"{f.get('severity')}: {f.get('message')}")
        aa.fail(f"{label}: the twin got an error-level or manifested finding")


def main():
    a = parse()
    if a.skip_because:
        print(f"SKIP: {a.skip_because}")
        sys.exit(aa.SKIP)
    aa.require_tools(a.need)
    env = dict(kv.split("=", 1) for kv in a.env)
    for delay in a.delay or ["0"]:
        for r in range(a.runs):
            label = f"run {r + 1}/{a.runs} delay={delay}"
            rc, findings, out, err = aa.run_under_awaitaudit(os.path.abspath(a.aa), a.cmd, run_opts(delay), env)
            if rc in TOOL_ERRORS or findings is None:
                aa.fail(f"{label}: awaitaudit exited {rc} without findings JSON\n{err[-2000:]}")
            stale = aa.parse_stale(out)
            if stale is None:
                aa.fail(f"{label}: the subject printed no `stale K/N` line\nstdout: {out[-1000:]}\nstderr: {err[-2000:]}")
            if a.mode == "positive":
                check_positive(a, label, findings, stale)
                if rc != 1:
                    aa.fail(f"{label}: exit code {rc}, expected 1 (findings)")
            else:
                check_twin(label, findings, stale)
                if rc != 0:
                    aa.fail(f"{label}: exit code {rc}, expected 0 (clean)")
    print("PASS")


if __name__ == "__main__":
    main()
