"""SIGKILL in the middle of a write loop: the log still decodes and every
write that returned before the kill (the program reported each one on a
pipe) is in it.  Small chunks make the kill land among many chunk claims."""
import os
import signal
import struct
import subprocess
import time

from shimtest import check, main


def one_run(env, prog, target, run):
    env.fresh_logdir(f"kill{run}")
    r, w = os.pipe()
    p = subprocess.Popen([prog, str(w)], env=env.env(AWAITAUDIT_CHUNK_SIZE=65536), cwd=env.tmp, pass_fds=(w,))
    os.close(w)
    last, buf = 0, b""
    deadline = time.time() + 60
    while last < target and time.time() < deadline:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        buf += chunk
        whole = len(buf) // 4 * 4
        if whole:
            last = struct.unpack_from("<I", buf, whole - 4)[0]
            buf = buf[whole:]
    p.send_signal(signal.SIGKILL)
    p.wait()
    rest = buf
    while True:  # reports still in the pipe were written before the kill
        chunk = os.read(r, 65536)
        if not chunk:
            break
        rest += chunk
    os.close(r)
    if len(rest) >= 4:
        last = struct.unpack_from("<I", rest, len(rest) // 4 * 4 - 4)[0]
    check(p.returncode == -signal.SIGKILL, f"program ended with {p.returncode}, not SIGKILL")
    check(last >= target, f"program reported only {last} writes")
    procs, recs = env.dump()
    check(len(procs) == 1 and not procs[0]["clean_exit"], "killed process should have one unclean log")
    opened = [x for x in recs if x["kind"] == "open" and x.get("path") == "data.bin"]
    check(opened, "open of data.bin missing")
    fd = opened[0]["ret"]
    writes = [x for x in recs if x["kind"] == "write" and x["args"]["fd"] == fd and x["ret"] == 64]
    check(len(writes) >= last, f"run {run}: {len(writes)} writes in the log, {last} returned before the kill")
    return last, len(writes), procs[0]["skipped"]


def test(env, progs):
    for run, target in enumerate((20000, 33333, 51234)):
        last, logged, skipped = one_run(env, progs[0], target, run)
        print(f"run {run}: {last} writes returned before SIGKILL, {logged} in the log, {skipped} unfinished skipped")


main(test)
