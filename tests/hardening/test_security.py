"""Security properties of the shim's logs, on a real program under the real shim:

- the log directory is created 0700 and each log 0600, whatever the umask;
- a log directory that is a symlink is not followed (nothing written through it);
- a log directory owned by another user (a shared /tmp) is refused;
- setuid and setgid programs are not traced;
- a log holds argv and paths, never the environment nor file contents.
In every refused case the program must run exactly as without the shim."""
import argparse
import os
import shutil
import stat
import subprocess
import sys
import tempfile

FAILED = []


def check(cond, msg):
    print(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        FAILED.append(msg)


def run(prog_argv, shim, logdir, cwd, umask=None, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWAITAUDIT_") and k != "LD_PRELOAD"}
    if shim:
        env["LD_PRELOAD"] = shim
        env["AWAITAUDIT_DIR"] = logdir
    env.update(extra)
    pre = (lambda: os.umask(umask)) if umask is not None else None
    p = subprocess.run(prog_argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, preexec_fn=pre)
    return p.returncode, p.stdout, p.stderr


def files_under(d):
    out = []
    for root, dirs, files in os.walk(d):
        out += [os.path.join(root, f) for f in files]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    a = ap.parse_args()
    a.bin, a.shim, a.prog = (os.path.abspath(x) for x in (a.bin, a.shim, a.prog))
    tmp = tempfile.mkdtemp(prefix="aa-sec-")
    os.chmod(tmp, 0o755)  # other users (nobody) must reach the setuid copy
    out = os.path.join(tmp, "out.txt")
    ref = run([a.prog, out, "plain"], None, None, tmp)
    check(ref[0] == 0, f"plain run works: {ref}")

    # 1. Modes, under a permissive umask.
    logdir = os.path.join(tmp, "logs")
    r = run([a.prog, out, "plain"], a.shim, logdir, tmp, umask=0)
    check(r == ref, "umask 0: program output and exit code unchanged")
    mode = stat.S_IMODE(os.lstat(logdir).st_mode)
    check(mode == 0o700, f"log directory mode {mode:o} == 700 under umask 0")
    logs = files_under(logdir)
    check(len(logs) == 1, f"one log written ({len(logs)})")
    for f in logs:
        m = stat.S_IMODE(os.lstat(f).st_mode)
        check(m == 0o600, f"log file mode {m:o} == 600 under umask 0")

    # 2. What a log holds: argv and paths yes; environment and file contents no.
    secret_env = "SECRET_ENV_VALUE_93f1c2"
    secret_data = "SECRET_FILE_CONTENT_5a7e"
    logdir2 = os.path.join(tmp, "logs2")
    r = run([a.prog, out, secret_data], a.shim, logdir2, tmp, SECRET_TOKEN=secret_env)
    check(r[0] == 0, "program ran under the shim")
    blob = b"".join(open(f, "rb").read() for f in files_under(logdir2))
    check(secret_env.encode() not in blob, "the environment is not in the log")
    # The file content is also argv[2]: it must appear exactly once (in argv), never as written data.
    check(blob.count(secret_data.encode()) == 1, f"written bytes are not in the log (argv copy only: "
                                                 f"{blob.count(secret_data.encode())} occurrence(s))")
    check(out.encode() in blob, "paths are in the log (documented)")

    # 3. A symlinked log directory is not followed.
    target = os.path.join(tmp, "symlink-target")
    os.mkdir(target, 0o700)
    link = os.path.join(tmp, "logs-link")
    os.symlink(target, link)
    r = run([a.prog, out, "plain"], a.shim, link, tmp)
    check(r == ref, "symlinked log dir: program output and exit code unchanged")
    check(not files_under(target), f"nothing written through the symlink ({files_under(target)})")

    if os.geteuid() != 0:
        print("SKIP: the foreign-directory and setuid cases need root (chown)")
    else:
        # 4. A log directory in a shared sticky /tmp-like directory, owned by someone else.
        shared = os.path.join(tmp, "sharedtmp")
        os.mkdir(shared)
        os.chmod(shared, 0o1777)
        foreign = os.path.join(shared, "awaitaudit-logs")
        os.mkdir(foreign)
        os.chmod(foreign, 0o777)
        os.chown(foreign, 65534, 65534)
        r = run([a.prog, out, "plain"], a.shim, foreign, tmp)
        check(r == ref, "foreign log dir: program output and exit code unchanged")
        check(not os.listdir(foreign), f"nothing written into another user's directory ({os.listdir(foreign)})")

        # 5. setuid / setgid copies (owned by nobody): not traced, run as without the shim.
        for bit, name in ((stat.S_ISUID, "setuid"), (stat.S_ISGID, "setgid")):
            copy = os.path.join(tmp, f"prog-{name}")
            shutil.copy(a.prog, copy)
            os.chown(copy, 65534, 65534)
            os.chmod(copy, 0o755 | bit)
            wdir = os.path.join(tmp, f"w-{name}")
            os.mkdir(wdir)
            os.chmod(wdir, 0o777)
            wout = os.path.join(wdir, "o.txt")
            ref_s = run([copy, wout, "plain"], None, None, wdir)
            os.unlink(wout)
            ld = os.path.join(tmp, f"logs-{name}")
            r = run([copy, wout, "plain"], a.shim, ld, wdir)
            check(ref_s[0] == 0 and r == ref_s, f"{name}: output and exit code unchanged ({r[1].strip()})")
            check(not os.path.exists(ld) or not files_under(ld), f"{name}: program not traced")

    # The negative twin of the refusals: a normal directory of ours does get a log.
    ok_dir = os.path.join(tmp, "ours")
    os.mkdir(ok_dir, 0o700)
    run([a.prog, out, "plain"], a.shim, ok_dir, tmp)
    check(len(files_under(ok_dir)) == 1, "a directory of our own gets its log")

    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILED)} failure(s)")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
