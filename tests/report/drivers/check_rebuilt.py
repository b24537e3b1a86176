#!/usr/bin/env python3
"""A binary rebuilt after it was traced: its frames must not be symbolized
from the new file (wrong lines), and the analyzer says so once.  First the
unchanged copy: the finding's stacks name stale_write.c with a line.  Then
the same logs after the copy's mtime moved past the run: no frame of that
module has a file or line, a warning names it, and the findings are the same.
usage: check_rebuilt.py --aa AWAITAUDIT --shim SHIM --subject STALE_WRITE"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--aa", required=True)
ap.add_argument("--shim", required=True)
ap.add_argument("--subject", required=True)
a = ap.parse_args()


def analyze(logs):
    p = subprocess.run([a.aa, "analyze", "--json", "--fail-on", "never", logs],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"FAIL: analyze exit {p.returncode}: {p.stderr.strip()}")
    return json.loads(p.stdout), p.stderr


def frames_of(report, module):
    out = []
    for f in report["findings"]:
        for ev in ("write", "overtaker", "submission"):
            e = f.get(ev) or {}
            out += [fr for fr in e.get("stack", []) if fr["module"] == module]
    return out


with tempfile.TemporaryDirectory() as tmp:
    prog = os.path.join(tmp, "stale_write")
    shutil.copy2(a.subject, prog)
    logs = os.path.join(tmp, "logs")
    env = dict(os.environ, AWAITAUDIT_SHIM=a.shim)
    p = subprocess.run([a.aa, "run", "--stacks", "--delay", "2ms", "--no-analyze", "--log-dir", logs, "--",
                        prog, "--iters", "5", os.path.join(tmp, "out.txt")],
                       env=env, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit(f"FAIL: run exit {p.returncode}: {p.stderr.strip()}")

    before, err = analyze(logs)
    own = frames_of(before, prog)
    if not before["findings"] or not any(fr["file"].endswith("stale_write.c") and fr["line"] > 0 for fr in own):
        sys.exit(f"FAIL: unchanged binary: no finding frame names stale_write.c:LINE ({len(before['findings'])} findings)")
    if "after it was traced" in err:
        sys.exit(f"FAIL: unchanged binary reported as changed: {err.strip()}")

    later = time.time() + 5
    os.utime(prog, (later, later))
    after, err = analyze(logs)
    own_after = frames_of(after, prog)
    if not own_after:
        sys.exit("FAIL: changed binary: its frames disappeared instead of staying as offsets")
    named = [fr for fr in own_after if fr["file"] or fr["line"]]
    if named:
        sys.exit(f"FAIL: changed binary still symbolized from the new file: {named[0]}")
    if f"{prog} was modified after it was traced" not in err:
        sys.exit(f"FAIL: no warning naming the changed binary; stderr={err.strip()!r}")
    if len(after["findings"]) != len(before["findings"]):
        sys.exit(f"FAIL: findings changed with symbolization: {len(before['findings'])} -> {len(after['findings'])}")
    print(f"ok: {len(own)} frames named stale_write.c before, {len(own_after)} left as offsets after the rebuild")
