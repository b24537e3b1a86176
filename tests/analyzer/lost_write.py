#!/usr/bin/env python3
"""lost-write-error on a real program: a C pool whose offloaded pwrite fails
with EFBIG under RLIMIT_FSIZE while the program carries on (error finding
naming EFBIG); the twin without the limit has no error-level finding.
usage: lost_write.py AWAITAUDIT SHIM LOST_WRITE_BINARY"""
import json
import os
import subprocess
import sys
import tempfile

AA, SHIM, PROG = sys.argv[1:4]


def run(mode, tmp):
    logs = os.path.join(tmp, f"logs-{mode}")
    out = os.path.join(tmp, f"{mode}.json")
    env = dict(os.environ, AWAITAUDIT_SHIM=SHIM)
    p = subprocess.run([AA, "run", "--log-dir", logs, "--json-out", out, "--fail-on", "never", "--",
                        PROG, mode, os.path.join(tmp, f"{mode}.dat")],
                       env=env, capture_output=True, text=True, timeout=50)
    if p.returncode != 0 or "saved" not in p.stdout:
        sys.exit(f"FAIL: {mode}: exit {p.returncode}, stdout={p.stdout!r} stderr={p.stderr!r}")
    with open(out) as f:
        return json.load(f)


with tempfile.TemporaryDirectory() as tmp:
    bad = run("limit", tmp)
    lost = [f for f in bad["findings"] if f["kind"] == "lost-write-error"]
    if len(lost) != 1:
        sys.exit(f"FAIL: limit: expected one lost-write-error, got {[(f['kind'], f['message']) for f in bad['findings']]}")
    f = lost[0]
    if f["severity"] != "error" or "EFBIG" not in f["message"] or f["write"]["errno_name"] != "EFBIG":
        sys.exit(f"FAIL: limit: finding does not name EFBIG as an error: {f['severity']} {f['message']!r}")
    good = run("nolimit", tmp)
    errors = [x for x in good["findings"] if x["severity"] == "error"]
    if errors or good["summary"]["errors"] != 0:
        sys.exit(f"FAIL: nolimit: error-level findings on the twin: {[x['message'] for x in errors]}")
    print("ok:", f["message"])
