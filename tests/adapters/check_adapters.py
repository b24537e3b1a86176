#!/usr/bin/env python3
"""Adapter integration tests: run a Node.js or Python subject under
`awaitaudit run --json` (real shim, real adapters) and check the findings.

usage: check_adapters.py --aa BIN SCENARIO
Scenarios:
  node-early      createWriteStream/write/end, statSync+readFileSync before 'finish':
                  manifested errors at the user's .js lines (stat and read)
  node-finish     the same observed in the 'finish' listener: no error-level finding
  node-finished   after `await finished(ws)`: no error-level finding
  node-exit       process.exit() right after end(): the lost write is reported
  py-early        thread-pool write observed before result(): error at the .py lines
  py-wait         observed after result(): no error-level finding
  node-plain / py-plain   --no-adapters: the run still works, no adapter frames
Exit 0 pass, 1 fail, 77 skip (node missing).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_SUBJECT = os.path.join(HERE, "node_stream.js")
PY_SUBJECT = os.path.join(HERE, "py_pool.py")


def tag_line(path, tag):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if re.search(rf"\b{re.escape(tag)}\b", line) and ("//" in line or "#" in line):
                return i
    raise SystemExit(f"tag {tag} not found in {path}")


def run(aa, argv, no_adapters=False):
    work = tempfile.mkdtemp(prefix="aa-adapt-")
    try:
        target = os.path.join(work, "out.txt")
        cmd = [aa, "run", "--json", "--log-dir", os.path.join(work, "logs")]
        if no_adapters:
            cmd.append("--no-adapters")
        cmd += ["--"] + [a.replace("@OUT@", target) for a in argv]
        env = dict(os.environ, UV_USE_IO_URING="0")
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        try:
            report = json.loads(p.stdout)
        except json.JSONDecodeError:
            print(f"FAIL: no JSON report (exit {p.returncode})\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
            sys.exit(1)
        return p, report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def user_frames(ev):
    return [f for f in (ev or {}).get("stack", []) if f.get("user")]


def has_frame(ev, path, line):
    return any(f.get("file") == path and f.get("line") == line for f in user_frames(ev))


def errors(report):
    return [f for f in report["findings"] if f["severity"] == "error"]


def show(report):
    for f in report["findings"]:
        w = [(os.path.basename(x["file"]), x["line"]) for x in user_frames(f["write"])]
        b = [(os.path.basename(x["file"]), x["line"]) for x in user_frames(f.get("overtaker"))]
        print(f"  {f['id']} {f['kind']} {f['confidence']} {f['severity']} conflict={f.get('conflict')} "
              f"write_user={w} overtaker_user={b}\n     {f['message']}\n     stale: {f['stale']}")


def expect(cond, what, report):
    if not cond:
        print(f"FAIL: {what}")
        show(report)
        sys.exit(1)
    print(f"ok: {what}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aa", required=True)
    ap.add_argument("scenario")
    a = ap.parse_args()
    sc = a.scenario
    if sc.startswith("node") and not shutil.which("node"):
        print("SKIP: node not found")
        sys.exit(77)

    node = lambda mode: ["node", NODE_SUBJECT, mode, "@OUT@"]
    py = lambda mode: [sys.executable, PY_SUBJECT, mode, "@OUT@"]
    L = lambda tag: tag_line(NODE_SUBJECT, tag)
    P = lambda tag: tag_line(PY_SUBJECT, tag)

    if sc == "node-early":
        p, r = run(a.aa, node("early"))
        print(p.stderr.strip().splitlines()[0] if p.stderr else "")
        errs = [f for f in errors(r) if f["confidence"] == "manifested"]
        stat = [f for f in errs if has_frame(f["overtaker"], NODE_SUBJECT, L("AA-OBSERVE-STAT"))]
        read = [f for f in errs if has_frame(f["overtaker"], NODE_SUBJECT, L("AA-OBSERVE-READ"))]
        expect(stat, "statSync before 'finish' is a manifested error at the statSync line", r)
        expect(read, "readFileSync before 'finish' is a manifested error at the readFileSync line", r)
        expect(all(has_frame(f["write"], NODE_SUBJECT, L("AA-WRITE")) for f in stat + read),
               "the write is shown at the user's ws.write() line", r)
        expect(all(user_frames(f["write"])[0]["function"] and user_frames(f["write"])[0] == f["write"]["stack"][0]
                   for f in stat + read), "user frames come first in the write's stack", r)
        expect(any(f["stale"] for f in stat), "the stat's stale result is named", r)
        expect(p.returncode == 1, "exit code 1 (findings)", r)
    elif sc in ("node-finish", "node-finished"):
        p, r = run(a.aa, node(sc.split("-")[1]))
        expect(p.returncode == 0, "exit code 0", r)
        expect(not errors(r), "no error-level finding when the program waits", r)
        expect(not [f for f in r["findings"] if f["kind"] == "premature-completion" and
                    has_frame(f.get("overtaker"), NODE_SUBJECT, L("AA-OBSERVE-STAT"))],
               "no finding of any level at the statSync line", r)
    elif sc == "node-exit":
        p, r = run(a.aa, node("exit"))
        lost = [f for f in errors(r) if f.get("conflict") == "exit"]
        expect(lost, "process.exit() after end(): the lost write is an error", r)
        expect(any(has_frame(f["write"], NODE_SUBJECT, L("AA-WRITE")) for f in lost),
               "the lost write is shown at the ws.write() line", r)
        expect(any(has_frame(f["overtaker"], NODE_SUBJECT, L("AA-EXIT")) for f in lost),
               "the exit is shown at the process.exit() line", r)
    elif sc == "py-early":
        p, r = run(a.aa, py("early"))
        errs = [f for f in errors(r) if f["confidence"] == "manifested"]
        hit = [f for f in errs if has_frame(f["overtaker"], PY_SUBJECT, P("AA-OBSERVE"))]
        expect(hit, "getsize before result() is a manifested error at the getsize line", r)
        expect(all(has_frame(f["write"], PY_SUBJECT, P("AA-WRITE")) and
                   has_frame(f["write"], PY_SUBJECT, P("AA-SUBMIT")) for f in hit),
               "the write shows the job's f.write() line and the submit() line", r)
        expect(p.returncode == 1, "exit code 1 (findings)", r)
    elif sc == "py-wait":
        p, r = run(a.aa, py("wait"))
        expect(p.returncode == 0, "exit code 0", r)
        expect(not errors(r), "no error-level finding when the program takes the result first", r)
    elif sc in ("node-plain", "py-plain"):
        argv, subject = (node("early"), NODE_SUBJECT) if sc == "node-plain" else (py("early"), PY_SUBJECT)
        p, r = run(a.aa, argv, no_adapters=True)
        expect(p.returncode in (0, 1), f"the run completes (exit {p.returncode})", r)
        expect(r["processes"] and all(pr["records"] > 0 for pr in r["processes"]), "logs were read", r)
        expect("observed size=" in p.stderr, "the program ran to its end", r)
        expect(not any(f.get("file", "").startswith(subject) for x in r["findings"]
                       for ev in (x["write"], x.get("overtaker")) for f in user_frames(ev)),
               "no adapter frames without adapters", r)
    else:
        print(f"unknown scenario {sc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
