#!/usr/bin/env python3
"""Scenarios for `awaitaudit dump` and `awaitaudit run` on real files and
commands.  usage: cli_driver.py SCENARIO AWAITAUDIT SHIM STATIC_BINARY

Each scenario asserts exit codes and output that a broken reader or CLI would
get wrong; a crash (signal, "internal error", more than one error line) fails."""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

SCENARIO, AA, SHIM, STATIC = sys.argv[1:5]
EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_CANTCREAT, EX_NOCMD = 64, 65, 66, 73, 127
HEADER, CHUNK = 65536, 65536


def aa(*args, cwd=None, env_extra=None):
    env = dict(os.environ, AWAITAUDIT_SHIM=SHIM)
    env.update(env_extra or {})
    p = subprocess.run([AA, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=50)
    return p.returncode, p.stdout, p.stderr


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def expect_error(args, code, fragment, cwd=None):
    rc, out, err = aa(*args, cwd=cwd)
    lines = [l for l in err.splitlines() if l.strip()]
    if rc != code:
        fail(f"{args}: exit {rc}, expected {code}; stderr={err!r}")
    if len(lines) != 1 or not lines[0].startswith("awaitaudit: error: "):
        fail(f"{args}: expected one error line, got {lines!r}")
    if fragment not in lines[0]:
        fail(f"{args}: {fragment!r} not in {lines[0]!r}")
    print(f"ok: {' '.join(args)} -> {rc}: {lines[0]}")


def gen(path, records=20000, threads=4, extra=()):
    rc, out, err = aa("gen-log", "--records", str(records), "--threads", str(threads),
                      "--chunk-size", str(CHUNK), *extra, path)
    if rc != 0:
        fail(f"gen-log failed: {err}")
    return path


def dump_json(*paths):
    rc, out, err = aa("dump", "--json", *paths)
    if rc != 0:
        fail(f"dump --json exit {rc}: {err}")
    return [json.loads(l) for l in out.splitlines()], err


def main(tmp):
    s = SCENARIO
    if s == "dump_missing":
        expect_error(["dump", f"{tmp}/nope.aalog"], EX_NOINPUT, "No such file")
    elif s == "dump_empty":
        open(f"{tmp}/e.aalog", "w").close()
        expect_error(["dump", f"{tmp}/e.aalog"], EX_DATAERR, "empty file")
    elif s == "dump_foreign":
        expect_error(["dump", "/bin/ls"], EX_DATAERR, "not an awaitaudit log (bad magic)")
    elif s == "dump_corrupt_header":
        p = gen(f"{tmp}/c.aalog", 1000)
        with open(p, "r+b") as f:  # chunk size field: 3, not a possible chunk
            f.seek(16)
            f.write((3).to_bytes(4, "little"))
        expect_error(["dump", p], EX_DATAERR, "corrupt header")
    elif s == "dump_truncated_header":
        p = gen(f"{tmp}/t.aalog", 1000)
        os.truncate(p, 3000)
        expect_error(["dump", "--json", p], EX_DATAERR, "truncated")
    elif s == "dump_truncated_mid_chunk":
        p = gen(f"{tmp}/t.aalog", 50000, 3)
        full, _ = dump_json(p)
        full_records = full[0]["records"]
        os.truncate(p, HEADER + 7 * CHUNK + 30001)  # cut inside chunk 7, mid-record
        lines, err = dump_json(p)
        proc = lines[0]
        recs = [l for l in lines if l["type"] == "record"]
        if not (0 < proc["records"] < full_records):
            fail(f"partial decode expected: {proc['records']} of {full_records}")
        if len(recs) != proc["records"]:
            fail(f"{len(recs)} record lines but process says {proc['records']}")
        if not any("truncated" in p for p in proc["problems"]) or "truncated" not in err:
            fail(f"truncation not reported: {proc['problems']} / {err!r}")
        print(f"ok: truncated log decoded {proc['records']} of {full_records} records; problems={proc['problems']}")
    elif s == "dump_bad_chunk":
        p = gen(f"{tmp}/b.aalog", 50000, 3)
        with open(p, "r+b") as f:
            f.seek(HEADER + 3 * CHUNK)
            f.write(b"XXXX")
            f.seek(HEADER + 5 * CHUNK + 16)  # first record of chunk 5: absurd size
            f.write((0x7ffffff8).to_bytes(4, "little"))
        lines, err = dump_json(p)
        probs = lines[0]["problems"]
        if "chunk 3: bad magic, skipped" not in probs or not any("bad size" in x for x in probs):
            fail(f"damage not reported: {probs}")
        print(f"ok: damaged chunks reported: {probs}")
    elif s == "dump_empty_dir":
        os.mkdir(f"{tmp}/d")
        expect_error(["dump", f"{tmp}/d"], EX_NOINPUT, "no *.aalog logs")
    elif s == "dump_json_schema":
        gen(f"{tmp}/a.aalog", 3000, 3, ["--stacks", "--unfinished-every", "100"])
        lines, _ = dump_json(tmp)
        proc, recs = lines[0], lines[1:]
        for k in ["pid", "ppid", "exe", "argv", "cwd", "log", "clean_exit", "records", "skipped", "problems"]:
            if k not in proc:
                fail(f"process line lacks {k}")
        if proc["records"] != 3000 or proc["skipped"] != 30 or len(recs) != 3000:
            fail(f"counts: {proc['records']} {proc['skipped']} {len(recs)}")
        for r in recs:
            for k in ["pid", "tid", "kind", "t_enter", "t_exit", "ret", "errno", "errno_name", "flags", "args", "stack_id"]:
                if k not in r:
                    fail(f"record lacks {k}: {r}")
            if r["stack_id"] and len(r.get("stack", [])) != 8:
                fail(f"stack not resolved: {r}")
        w = next(r for r in recs if r["kind"] == "write")
        if set(w["args"]) != {"fd", "count", "offset", "iovcnt"}:
            fail(f"write args: {w['args']}")
        o = next(r for r in recs if r["kind"] == "open")
        if "path" not in o or "stat" not in o or o["flags"] != ["stat", "path"]:
            fail(f"open record: {o}")
        t = next(r for r in recs if r["kind"] == "truncate" or r["kind"] == "symlink" or r["kind"] == "statx")
        print(f"ok: {len(recs)} records, schema holds; e.g. {json.dumps(t)[:160]}")
    elif s == "dump_text":
        gen(f"{tmp}/a.aalog", 500, 2)
        rc, out, err = aa("dump", f"{tmp}/a.aalog")
        body = [l for l in out.splitlines() if not l.startswith("#")]
        if rc != 0 or len(body) != 500:
            fail(f"text dump: rc {rc}, {len(body)} lines")
        st = next(l for l in body if " statx(" in l)
        if '"/tmp/awaitaudit-gen/' not in st or "size=" not in st or not st.endswith(">"):
            fail(f"statx line: {st}")
        print(f"ok: {st}")
    elif s == "run_unknown_option":
        expect_error(["run", "--no-such-option", "--", "true"], EX_USAGE, "no-such-option")
    elif s == "run_no_command":
        expect_error(["run", "--no-analyze"], EX_USAGE, "no command given")
    elif s == "run_missing_command":
        expect_error(["run", "--log-dir", f"{tmp}/l", "--", "no-such-command-xyz"], EX_NOCMD, "command not found")
        if os.path.exists(f"{tmp}/l"):
            fail("log dir created for a command that cannot run")
    elif s == "run_not_executable":
        open(f"{tmp}/script", "w").write("#!/bin/sh\n")
        expect_error(["run", "--", f"{tmp}/script"], EX_NOCMD, "not an executable")
    elif s == "run_log_dir_parent_missing":
        expect_error(["run", "--log-dir", f"{tmp}/no/such/parent", "--", "true"], EX_CANTCREAT, "cannot create log directory")
    elif s == "run_log_dir_not_empty":
        os.mkdir(f"{tmp}/full")
        open(f"{tmp}/full/old.aalog", "w").close()
        expect_error(["run", "--log-dir", f"{tmp}/full", "--", "true"], EX_CANTCREAT, "not empty")
    elif s == "run_exit_status":
        rc, out, err = aa("run", "--no-analyze", "--log-dir", f"{tmp}/l", "--", "sh", "-c", "exit 3")
        if rc != 3:
            fail(f"exit status not passed through: {rc}")
        rc0, _, err0 = aa("run", "--log-dir", f"{tmp}/l0", "--", "true")
        if rc0 != 0:
            fail(f"true under run: {rc0} {err0}")
        print("ok: exit 3 passed through; true -> 0 with analysis")
    elif s == "run_killed":
        rc, out, err = aa("run", "--no-analyze", "--log-dir", f"{tmp}/l", "--", "sh", "-c", "kill -9 $$")
        if rc != 128 + 9:
            fail(f"killed command: exit {rc}, expected 137")
        lines, _ = dump_json(f"{tmp}/l")
        if lines[0]["clean_exit"]:
            fail("a SIGKILLed process reported as clean exit")
        print(f"ok: SIGKILL -> 137, its log decodes ({lines[0]['records']} records, clean_exit false)")
    elif s == "run_logs_dir":
        rc, out, err = aa("run", "--no-analyze", "--", "true", cwd=tmp)
        base = os.path.join(tmp, "awaitaudit-logs")
        runs = os.listdir(base)
        if rc != 0 or len(runs) != 1 or not runs[0].startswith("run-"):
            fail(f"default log dir: rc {rc}, {runs}")
        d = os.path.join(base, runs[0])
        mode = stat.S_IMODE(os.stat(d).st_mode)
        if mode != 0o700:
            fail(f"log dir mode {oct(mode)}")
        if f"awaitaudit: logs in {d}" not in err:
            fail(f"stderr does not say where the logs are: {err!r}")
        if not any(n.endswith(".aalog") for n in os.listdir(d)):
            fail(f"no log written in {d}: the shim was not preloaded")
        print(f"ok: {d} mode 0700 with {os.listdir(d)}")
    elif s == "run_static_warning":
        rc, out, err = aa("run", "--no-analyze", "--log-dir", f"{tmp}/s", "--", STATIC)
        if rc != 0 or "statically linked" not in err or "cannot see" not in err:
            fail(f"no static warning: rc {rc}, {err!r}")
        rc, out, err = aa("run", "--no-analyze", "--log-dir", f"{tmp}/d", "--", "true")
        if "cannot see" in err:
            fail(f"dynamic binary warned about: {err!r}")
        print("ok: static binary warned about, /bin/true not")
    elif s == "run_sees_file_calls":
        target = f"{tmp}/hello.txt"
        rc, out, err = aa("run", "--no-analyze", "--log-dir", f"{tmp}/l", "--", sys.executable, "-c",
                          f"import os; fd = os.open({target!r}, os.O_WRONLY | os.O_CREAT, 0o644); "
                          "os.write(fd, b'hi\\n'); os.close(fd)")
        lines, _ = dump_json(f"{tmp}/l")
        recs = [l for l in lines if l["type"] == "record"]
        opens = [r for r in recs if r["kind"] == "open" and r.get("path") == target]
        writes = [r for r in recs if r["kind"] == "write" and opens and r["args"]["fd"] == opens[0]["ret"]]
        if rc != 0 or not opens or not writes or writes[0]["ret"] != 3:
            fail(f"open/write of {target} not in the dump: {[(r['kind'], r.get('path')) for r in recs][:20]}")
        if any(r["t_exit"] < r["t_enter"] for r in recs):
            fail("a record returns before it enters")
        print(f"ok: open({target}) = {opens[0]['ret']} and write(..) = 3 seen through run + dump")
    else:
        fail(f"unknown scenario {s}")


if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="aa-cli-")
    try:
        main(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
