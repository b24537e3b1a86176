"""Regression (CPython's test_subprocess under the shim, 3 of 3 runs):
test_pass_fds_redirected's child listed its open fds by fstat()ing every
number and found the shim's log and marker fds (1000, 1001) besides what it
inherited.  The shim's fds must look closed to the program's per-number
probes (fstat, fcntl) while they stay open for the shim, and a program that
takes one of those numbers itself (dup2) must get a working fd."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

FAILED = []

PASS_FDS = r"""
import os, subprocess, sys
probe = ("import os\nfds = []\nfor fd in range(os.sysconf('SC_OPEN_MAX')):\n"
         "    try: os.fstat(fd)\n    except OSError: continue\n    fds.append(fd)\n"
         "print(','.join(map(str, fds)))")
pass_fds = [os.open(os.devnull, os.O_RDWR) for _ in range(2)]
r, w = os.pipe()
pass_fds.insert(1, w)
with subprocess.Popen([sys.executable, "-c", probe], stdin=pass_fds[0], stdout=pass_fds[1],
                      stderr=pass_fds[2], close_fds=True, pass_fds=pass_fds):
    out = os.read(r, 1024)
print("child sees", sorted(int(x) for x in out.split(b",")), "inherited", sorted({0, 1, 2} | set(pass_fds)))
"""


def check(cond, msg):
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        FAILED.append(msg)


def lists(text):
    out = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        out[name] = [int(x) for x in rest.split()]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="aa-ownfds-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWAITAUDIT_") and k != "LD_PRELOAD"}
    shim_env = dict(env, LD_PRELOAD=os.path.abspath(a.shim), AWAITAUDIT_DIR=os.path.join(work, "logs"))
    run = lambda args, e: subprocess.run(args, env=e, capture_output=True, text=True, timeout=120)

    plain = lists(run([a.prog], env).stdout)
    shim = lists(run([a.prog], shim_env).stdout)
    extra = sorted(set(shim["proc"]) - set(plain["proc"]))
    check(bool(extra), f"the shim's own fds are open in the traced process (/proc/self/fd: {extra})")
    check(shim["fstat"] == plain["fstat"], f"fstat probe sees the same fds ({shim['fstat']} vs {plain['fstat']})")
    check(shim["fcntl"] == plain["fcntl"], f"fcntl(F_GETFD) probe sees the same fds ({shim['fcntl']} vs {plain['fcntl']})")

    if extra:  # the program takes the number the shim parked its log at
        taken = extra[0]
        shim = lists(run([a.prog, str(taken)], shim_env).stdout)
        check(taken in shim["fstat"] and taken in shim["fcntl"],
              f"dup2 onto {taken}: the program's fd there is visible ({shim['fstat']})")
        logs = os.listdir(os.path.join(work, "logs"))
        dump = run([a.bin, "dump", os.path.join(work, "logs")], env)
        check(dump.returncode == 0 and "dup" in dump.stdout,
              f"…and the shim kept logging to its moved fd ({len(logs)} logs, dump exit {dump.returncode})")

    # CPython's test_pass_fds_redirected, under `awaitaudit run` (adapters on:
    # the child has a marker fd as well as its log).
    p = run([a.bin, "run", "--no-analyze", "--log-dir", os.path.join(work, "run"), "--",
             sys.executable, "-c", PASS_FDS], env)
    line = next((l for l in p.stdout.splitlines() if l.startswith("child sees")), "")
    seen, _, inherited = line.removeprefix("child sees ").partition(" inherited ")
    check(bool(line) and seen == inherited, f"Popen(pass_fds=…) child: {line or p.stdout + p.stderr}")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
