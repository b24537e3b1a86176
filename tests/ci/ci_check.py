#!/usr/bin/env python3
"""Integration checks of scripts/awaitaudit-ci on real test commands.

usage: ci_check.py --aa BIN --shim SHIM --wrapper SCRIPT --work DIR CHECK [--runs N]
  CHECK: ctest-positive | ctest-twin | cargo-positive | cargo-twin |
         node-positive | node-twin | suppression | bad-use
Each project under projects/ is copied into DIR, built outside the wrapper
(the audit is of the tests, not the build), then its test command runs under
the wrapper.  Positives must exit 1 with a manifested premature-completion
error; twins must exit 0 with no finding of any kind.  Every run's SARIF and
JUnit are checked too.  With --runs N the check repeats and the rate is
printed; it fails if any run fails.  Exit 77 = skipped (tool absent).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


class Failure(Exception):
    pass


def need(tool):
    if shutil.which(tool) is None:
        print(f"SKIP: {tool} not installed")
        sys.exit(SKIP)


def sh(cmd, cwd=None, env=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


# --- projects ---------------------------------------------------------------

def prepare(kind, seeded, work):
    """Copies and builds a project; returns (command, cwd, extra env, source file)."""
    src = os.path.join(HERE, "projects", {"ctest": "cmake_pool", "cargo": "tokio_crate", "node": "node"}[kind])
    proj = os.path.join(work, f"{kind}-{'bug' if seeded else 'twin'}")
    if not os.path.isdir(proj):
        shutil.copytree(src, proj)
    if kind == "ctest":
        need("ctest")
        build = os.path.join(proj, "build")
        sh(["cmake", "-S", proj, "-B", build, f"-DSEEDED_BUG={'ON' if seeded else 'OFF'}"])
        sh(["cmake", "--build", build])
        return ["ctest", "--test-dir", build, "--output-on-failure"], proj, {}, "pool_test.c"
    if kind == "cargo":
        need("cargo")
        env = dict(os.environ, CARGO_HOME=os.path.join(work, "cargo-home"),
                   CARGO_TARGET_DIR=os.path.join(proj, "target"))
        feats = ["--features", "seeded-bug"] if seeded else []
        sh(["cargo", "test", "--offline", "--no-run", "--quiet"] + feats, cwd=proj, env=env)
        return (["cargo", "test", "--offline", "--quiet"] + feats, proj,
                {"CARGO_HOME": env["CARGO_HOME"], "CARGO_TARGET_DIR": env["CARGO_TARGET_DIR"]}, "lib.rs")
    need("node")
    # UV_USE_IO_URING=0: keep fs work on libuv's threadpool, where the shim sees it.
    return (["node", "--test", "save.test.js"], proj,
            {"AA_SEEDED_BUG": "1" if seeded else "0", "UV_USE_IO_URING": "0"}, None)


# --- one wrapper run --------------------------------------------------------

def run_wrapper(args, cmd, cwd, env_extra, tag, extra_opts=()):
    out = os.path.join(args.work, "out", tag)
    os.makedirs(out, exist_ok=True)
    files = {k: os.path.join(out, f"report.{k}") for k in ("sarif", "xml", "json")}
    env = dict(os.environ, AWAITAUDIT_BIN=args.aa, AWAITAUDIT_SHIM=args.shim)
    env.pop("AWAITAUDIT_SUPPRESSIONS", None)  # only what the check itself sets
    env.update(env_extra)
    full = [args.wrapper, "--sarif", files["sarif"], "--junit", files["xml"], "--json-out", files["json"],
            "--logs", os.path.join(out, "logs"), *extra_opts, "--", *cmd]
    r = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    report = json.load(open(files["json"])) if os.path.exists(files["json"]) else None
    return r, report, files


def check_sarif(path, report, source):
    log = json.load(open(path))
    assert_(log.get("version") == "2.1.0", "SARIF version is 2.1.0")
    assert_(isinstance(log.get("runs"), list) and log["runs"], "SARIF has runs")
    run = log["runs"][0]
    assert_(isinstance(run["tool"]["driver"]["name"], str), "SARIF tool.driver.name")
    rules = run["tool"]["driver"].get("rules", [])
    assert_(len(run["results"]) == len(report["findings"]), "one SARIF result per finding")
    for res in run["results"]:
        assert_(isinstance(res["message"]["text"], str), "result.message.text")
        assert_(res["level"] in ("none", "note", "warning", "error"), "result.level")
        assert_(rules[res["ruleIndex"]]["id"] == res["ruleId"], "ruleIndex points at ruleId")
        phys = res["locations"][0]["physicalLocation"]
        assert_(phys["artifactLocation"]["uri"], "result has a physical location")
        for cf in res.get("codeFlows", []):
            assert_(cf["threadFlows"] and all(tf["locations"] for tf in cf["threadFlows"]), "threadFlows non-empty")
    if source:
        uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
                if r["level"] == "error"]
        assert_(any(u.endswith(source) for u in uris), f"an error result points at {source} (got {uris})")


def check_junit(path, report):
    root = ET.parse(path).getroot()  # raises on malformed XML
    cases = root.findall(".//testcase")
    assert_(len(cases) == len(report["findings"]), f"one testcase per finding ({len(cases)} vs {len(report['findings'])})")
    errors = sum(1 for f in report["findings"] if f["severity"] == "error")
    assert_(len(root.findall(".//testcase/failure")) == errors, "errors are failures")


def assert_(cond, what):
    if not cond:
        raise Failure(f"expected: {what}")


def check_once(args, kind, seeded, tag):
    cmd, cwd, env, source = prepare(kind, seeded, args.work)
    r, report, files = run_wrapper(args, cmd, cwd, env, tag, args.wrapper_opts.split())
    ctx = f"\n--- stdout\n{r.stdout[-4000:]}\n--- stderr\n{r.stderr[-4000:]}"
    if report is None:
        raise Failure(f"no JSON report (exit {r.returncode}){ctx}")
    findings = report["findings"]
    try:
        if seeded:
            assert_(r.returncode == 1, f"exit 1 on the seeded bug (got {r.returncode})")
            manifested = [f for f in findings if f["kind"] == "premature-completion"
                          and f["confidence"] == "manifested" and f["severity"] == "error"]
            assert_(manifested, "a manifested premature-completion error")
        else:
            assert_(r.returncode == 0, f"exit 0 on the twin (got {r.returncode})")
            assert_(not findings, f"no findings of any kind on the twin (got {[f['message'] for f in findings]})")
        assert_(report["ci"]["runs"][0]["exit_code"] == 0, "the test command itself passed")
        check_sarif(files["sarif"], report, source if seeded else None)
        check_junit(files["xml"], report)
    except Failure as e:
        raise Failure(f"{e}{ctx}")
    return report


# --- special checks ---------------------------------------------------------

def check_suppression(args):
    """A suppression file silences the chosen finding and only that one."""
    cmd, cwd, env, _ = prepare("ctest", True, args.work)
    r, base, _ = run_wrapper(args, cmd, cwd, env, "supp-base")
    overtakers = lambda rep: sorted({fn for f in rep["findings"] if f.get("overtaker")
                                     for fn in ("observe_size", "observe_content")
                                     if any(fr.get("function") == fn for fr in f["overtaker"].get("stack", []))})
    assert_(r.returncode == 1, f"unsuppressed run exits 1 (got {r.returncode})\n{r.stdout}\n{r.stderr}")
    assert_(overtakers(base) == ["observe_content", "observe_size"],
            f"both observations found without suppressions (got {overtakers(base)})")
    supp = os.path.join(args.work, "aa.supp")
    with open(supp, "w") as f:
        f.write("# silence the size check only\npremature:observe_size\n")
    r, rep, _ = run_wrapper(args, cmd, cwd, env, "supp-flag", ["--suppressions", supp])
    assert_(r.returncode == 1, f"still exits 1 with one finding left (got {r.returncode})\n{r.stderr}")
    assert_(overtakers(rep) == ["observe_content"], f"only observe_size silenced (got {overtakers(rep)})")
    assert_(rep["summary"]["suppressed"] >= 1, "the suppressed finding is counted")
    # The same through the environment, silencing both: clean.
    with open(supp, "w") as f:
        f.write("premature:observe_size\npremature:observe_content\n")
    r, rep, _ = run_wrapper(args, cmd, cwd, dict(env, AWAITAUDIT_SUPPRESSIONS=supp), "supp-env")
    assert_(r.returncode == 0 and overtakers(rep) == [],
            f"AWAITAUDIT_SUPPRESSIONS silences both (exit {r.returncode}, left {overtakers(rep)})")


def check_visibility(args):
    """A statically linked program run by the test command is named as not audited."""
    static = next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None)
    if static is None:
        print("SKIP: no statically linked program found")
        sys.exit(SKIP)
    cmd = ["sh", "-c", f"{static} -p > /dev/null; cat /dev/null"]
    r, rep, files = run_wrapper(args, cmd, args.work, {}, "visibility")
    assert_(r.returncode == 0, f"exit 0 (got {r.returncode}: {r.stderr})")
    seen = [u for u in rep["ci"]["not_audited"] if u["path"] == static]
    assert_(seen and "statically linked" in seen[0]["reason"], f"{static} reported as statically linked ({rep['ci']})")
    assert_(f"warning: not audited: {static} (statically linked)" in r.stdout, "the summary warns about it")
    assert_(any(p["exe"].endswith("sh") or "dash" in p["exe"] for p in rep["processes"]), "the shell was audited")
    notes = json.load(open(files["sarif"]))["runs"][0]["invocations"][0].get("toolExecutionNotifications", [])
    assert_(any(static in n["message"]["text"] for n in notes), "SARIF carries the warning as a notification")
    print(f"ok: {static} named as not audited")


def check_bad_use(args):
    env = dict(os.environ, AWAITAUDIT_BIN=args.aa, AWAITAUDIT_SHIM=args.shim)
    cases = [
        ("unknown option", ["--no-such-option", "--", "true"], 64, "no-such-option"),
        ("missing command", [], 64, "no test command"),
        ("missing command after --", ["--"], 64, "no test command"),
        ("command that does not exist", ["--", "aa-no-such-command-xyz"], 127, "command not found"),
        ("unwritable SARIF path", ["--sarif", "/nonexistent-dir/r.sarif", "--", "true"], 73, "/nonexistent-dir/r.sarif"),
        ("unwritable JUnit path", ["--junit", "/etc/passwd/aa.xml", "--", "true"], 73, "/etc/passwd/aa.xml"),
    ]
    logs = os.path.join(args.work, "awaitaudit-ci-logs")
    for what, argv, code, text in cases:
        shutil.rmtree(logs, ignore_errors=True)
        r = subprocess.run([args.wrapper, *argv], env=env, capture_output=True, text=True, cwd=args.work)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert_(r.returncode == code, f"{what}: exit {code} (got {r.returncode}; stderr {r.stderr!r})")
        assert_(len(lines) == 1 and text in lines[0], f"{what}: one line naming {text!r} (got {r.stderr!r})")
        assert_(not os.path.exists(logs), f"{what}: refused before running anything")
        print(f"ok: {what}: exit {code}: {lines[0]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aa", required=True)
    ap.add_argument("--shim", required=True)
    ap.add_argument("--wrapper", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--wrapper-opts", default="", help="extra wrapper options, space-separated (rates: --no-confirm)")
    ap.add_argument("check")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    args.aa, args.shim, args.wrapper = (os.path.abspath(p) for p in (args.aa, args.shim, args.wrapper))
    os.makedirs(args.work, exist_ok=True)
    try:
        if args.check == "bad-use":
            check_bad_use(args)
        elif args.check == "visibility":
            check_visibility(args)
        elif args.check == "suppression":
            check_suppression(args)
        else:
            kind, variant = args.check.split("-")
            ok = 0
            for i in range(args.runs):
                try:
                    rep = check_once(args, kind, variant == "positive", f"{args.check}-{i}")
                    ok += 1
                    s = rep["ci"]
                    print(f"run {i + 1}: ok ({len(rep['findings'])} findings, {s['dropped']} dropped, "
                          f"{s['unresolved']} unresolved, runs {[r['label'] for r in s['runs']]})")
                except Failure as e:
                    print(f"run {i + 1}: FAILED: {e}")
            print(f"{args.check}: {ok}/{args.runs} runs as expected")
            if ok != args.runs:
                return 1
    except Failure as e:
        print(f"FAILED: {e}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
