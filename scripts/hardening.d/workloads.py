"""Workloads for scripts/hardening: real software's own tests and real work.

Each workload prepares a fresh working directory, names a command, and says
how to normalise its output (timings, temp paths and job interleaving differ
from run to run with or without the shim; everything else must be equal)."""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import c_project  # noqa: E402


class Workload:
    name = ""
    quick = False       # part of `scripts/hardening --quick` (CI)
    needs = ()          # executables that must exist, else the workload is skipped
    timeout = 1800

    def unavailable(self):
        """Why the workload cannot run on this machine, or None."""
        return None

    def prepare(self, work):
        """Creates the inputs under `work` (a fresh empty directory)."""

    def command(self, work):
        raise NotImplementedError

    def env(self, work):
        return {}

    def normalise(self, text, work):
        return text.replace(work, "WORK")

    def check(self, work):
        """Extra text that must be equal (e.g. a digest of files produced)."""
        return ""

    def rerun_command(self, work):
        """The command for `awaitaudit ci`, which runs it several times in one
        directory: each run must redo the same work (default: the command)."""
        return self.command(work)


def _tree_digest(root, skip=()):
    import hashlib
    h = hashlib.sha256()
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in skip)
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(os.path.relpath(p, root).encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


class CPythonTests(Workload):
    """CPython's own regression tests, run serially in one interpreter."""
    timeout = 3600

    def __init__(self, tests, quick=False):
        self.tests = tests
        self.name = "cpython " + " ".join(t.removeprefix("test_") for t in tests)
        self.quick = quick

    def unavailable(self):
        # Debian's python3 ships the regression tests in a separate package.
        p = subprocess.run([sys.executable, "-c", "import test.libregrtest"], capture_output=True)
        return None if p.returncode == 0 else f"{sys.executable} has no test package"

    def command(self, work):
        # No -j: one process, so the tests' own threads and subprocesses are
        # what the shim sees.  --tempdir keeps their files in `work`.
        return [sys.executable, "-m", "test", "--tempdir", os.path.join(work, "tmp")] + self.tests

    def normalise(self, text, work):
        # Keep the verdict lines; drop timings, load averages and durations.
        keep = []
        for line in text.splitlines():
            line = re.sub(r"^\d+:\d\d:\d\d (load avg: [\d.]+ )?", "", line)
            line = re.sub(r" \(\d+(\.\d+)? ?(sec|ms|min)[^)]*\)", "", line)
            line = re.sub(r" -- .*$", "", line)  # "[ 7/34] test_b -- test_a passed in 45.4 sec"
            line = re.sub(r" in (\d+ (hour|min) )*[\d.]+ (sec|ms|min|hour)s?$", "", line)
            if re.match(r"(\[\s*\d+/\d+(/\d+)?\]|All \d+ tests OK|\d+ tests? (OK|failed|skipped|altered)|"
                        r"Tests? result:|Result:|Total tests:|Total test files:|test_\w+ (failed|skipped|passed|crashed))", line):
                keep.append(line.replace(work, "WORK").rstrip())
            elif re.match(r"\s+test_\w+", line):  # lists under "N tests failed:"
                keep.append(line.strip())
        return "\n".join(keep)


class Git(Workload):
    """git init, add, commit, modify, commit, gc, fsck on a generated tree."""
    needs = ("git",)

    def __init__(self, files, quick=False):
        self.files = files
        self.quick = quick
        self.name = f"git ({files} files)"

    def env(self, work):
        return {"HOME": work, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "h", "GIT_AUTHOR_EMAIL": "h@x",
                "GIT_COMMITTER_NAME": "h", "GIT_COMMITTER_EMAIL": "h@x",
                "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z"}

    def prepare(self, work):
        repo = os.path.join(work, "repo")
        for i in range(self.files):
            d = os.path.join(repo, f"d{i % 37}", f"e{i % 5}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, f"file{i}.txt"), "w") as f:
                f.write(f"file {i}\n" * (i % 23 + 1))

    def command(self, work):
        script = """set -e
cd repo
git init -q -b main .
git add -A
git commit -q -m first
for i in $(seq 0 7 300); do f=$(ls d$((i % 37))/e$((i % 5)) | head -1); echo changed $i >> d$((i % 37))/e$((i % 5))/$f; done
git rm -q -r -f d36
git commit -q -a -m second
git gc -q --aggressive
git fsck --strict --no-progress
git count-objects -v | grep -E '^(count|in-pack|packs)'
git log --format='%H %s' --stat | tail -5
git rev-parse HEAD HEAD~1 HEAD^{tree}
"""
        return ["sh", "-c", script]


class Sqlite(Workload):
    name = "sqlite3 CLI"
    quick = True
    needs = ("sqlite3",)

    def command(self, work):
        return ["sh", "-c", f"sqlite3 {work}/db.sqlite < {HERE}/sqlite_workload.sql"]


class Make(Workload):
    needs = ("make", "cc")

    def __init__(self, units, quick=False):
        self.units = units
        self.quick = quick
        self.name = f"make -j2 (C, {units} units)"

    def prepare(self, work):
        c_project.generate(os.path.join(work, "proj"), self.units)

    def command(self, work):
        return ["sh", "-c", "cd proj && make -j2 -s && ./build/prog && make -s clean && make -j2 -s && ./build/prog"]

    def normalise(self, text, work):
        # -j2 interleaves the jobs' lines in any order.
        return "\n".join(sorted(text.replace(work, "WORK").splitlines()))


class Node(Workload):
    name = "node fs-heavy script"
    quick = True
    needs = ("node",)

    def command(self, work):
        os.makedirs(os.path.join(work, "out"), exist_ok=True)
        return ["node", os.path.join(HERE, "fs_heavy.js"), os.path.join(work, "out")]


class Cargo(Workload):
    """`cargo build` of a tokio program from Debian's crates (offline), then the program itself."""
    name = "cargo build (tokio) + run"
    needs = ("cargo",)
    timeout = 3600

    def prepare(self, work):
        shutil.copytree(os.path.join(HERE, "tokio_prog"), os.path.join(work, "prog"))

    def env(self, work):
        return {"CARGO_TARGET_DIR": os.path.join(work, "target"), "CARGO_TERM_COLOR": "never",
                "CARGO_HOME": os.path.join(work, "cargo-home")}

    def command(self, work):
        os.makedirs(os.path.join(work, "run"), exist_ok=True)
        return ["sh", "-c", f"cd prog && cargo build -q --offline && {work}/target/debug/hardening-tokio {work}/run"]

    def check(self, work):
        return _tree_digest(os.path.join(work, "run"))

    def rerun_command(self, work):
        # Without this the second run's `cargo build` is a no-op: no rustc to confirm.
        cmd = self.command(work)
        return cmd[:2] + [f"rm -rf {work}/target && " + cmd[2]]


def all_workloads():
    import cli_tools  # its classes derive from Workload above
    return [
        CPythonTests(["test_fileio"], quick=True),
        CPythonTests(["test_os", "test_fileio", "test_asyncio", "test_threading", "test_subprocess", "test_signal"]),
        Git(300, quick=True),
        Git(3000),
        Sqlite(),
        Make(20, quick=True),
        Make(60),
        Node(),
        Cargo(),
    ] + cli_tools.all_cli()


def have(exe):
    return shutil.which(exe) is not None


def cargo_path():
    """cargo may live in ~/.cargo/bin, outside PATH for ctest."""
    c = shutil.which("cargo")
    if c:
        return None
    home = os.path.expanduser("~/.cargo/bin")
    return home if os.path.exists(os.path.join(home, "cargo")) else None


def run_plain(cmd, cwd, env, timeout):
    return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, stdin=subprocess.DEVNULL)
