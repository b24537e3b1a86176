"""Shared helpers for the shim's integration tests: run a program under the
real shim in a fresh log directory and decode the logs with `awaitaudit dump --json`."""
import json
import os
import struct
import subprocess
import sys
import tempfile


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


class Env:
    def __init__(self, aa_bin, shim):
        self.aa_bin = aa_bin
        self.shim = shim
        self.tmp = tempfile.mkdtemp(prefix="aa-shim-test-")
        self.logdir = os.path.join(self.tmp, "logs")

    def fresh_logdir(self, name="logs"):
        self.logdir = os.path.join(self.tmp, name)
        return self.logdir

    def env(self, **extra):
        e = dict(os.environ)
        for k in list(e):
            if k.startswith("AWAITAUDIT_"):
                del e[k]
        e["LD_PRELOAD"] = self.shim
        e["AWAITAUDIT_DIR"] = self.logdir
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def run(self, argv, timeout=60, check_rc=True, **extra):
        p = subprocess.run(argv, env=self.env(**extra), cwd=self.tmp, capture_output=True,
                           text=True, timeout=timeout)
        if check_rc and p.returncode != 0:
            raise Failure(f"{argv} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p

    def logs(self, logdir=None):
        d = logdir or self.logdir
        return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".aalog"))

    def dump(self, paths=None):
        """Returns (processes, records) from `awaitaudit dump --json`."""
        paths = paths or [self.logdir]
        p = subprocess.run([self.aa_bin, "dump", "--json", *paths], capture_output=True, text=True,
                           timeout=120)
        check(p.returncode == 0, f"dump failed ({p.returncode}): {p.stderr.strip()}")
        procs, recs = [], []
        for line in p.stdout.splitlines():
            o = json.loads(line)
            (procs if o["type"] == "process" else recs).append(o)
        return procs, recs


def header(path):
    """The fields of aa_file_header a test needs, read straight from the file."""
    with open(path, "rb") as f:
        b = f.read(4096)
    check(b[:8] == b"AWAITLOG", f"{path}: bad magic")
    version, header_size, chunk_size, flags, chunks = struct.unpack_from("<IIIIQ", b, 8)
    pid, ppid = struct.unpack_from("<ii", b, 32)
    parent_log_id, log_id = struct.unpack_from("<QQ", b, 88)
    return {"version": version, "flags": flags, "chunks": chunks, "pid": pid, "ppid": ppid,
            "parent_log_id": parent_log_id, "log_id": log_id}


def main(fn):
    """Runs test function fn(env, argv) and turns Failure into exit code 1."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("progs", nargs="*")
    a = ap.parse_args()
    env = Env(a.bin, a.shim)
    try:
        fn(env, a.progs)
    except Failure as e:
        print(f"FAIL: {e}\n(logs kept in {env.tmp})")
        sys.exit(1)
    print("PASS")
    subprocess.run(["rm", "-rf", env.tmp])
