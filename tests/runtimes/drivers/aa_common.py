"""Helpers shared by the runtime test drivers: run a subject under
`awaitaudit run`, read the findings JSON, and look up tagged source lines."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77  # ctest SKIP_RETURN_CODE for tests whose tool (node, cargo) is absent
STALE_RE = re.compile(r"stale (\d+)/(\d+)")


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def require_tools(tools):
    """Exits with SKIP when a tool the subject needs is truly absent."""
    for tool in tools:
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} not found on PATH")
            sys.exit(SKIP)


TAG_RE = re.compile(r"(?://|#)\s*(AA-[A-Z]+)((?:\s+[\w-]+)*)\s*$")


def tagged_line(source, tag):
    """Line number of the one line in `source` that ends in a tag comment
    (`// AA-WRITE metadata`, `# AA-OBSERVE`) naming `tag`'s kind and all of
    its words: "AA-OBSERVE append" matches `// AA-OBSERVE append` but not
    `// AA-OBSERVE append-twin`."""
    kind, *words = tag.split()
    hits = []
    with open(source, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            m = TAG_RE.search(text)
            if m and m.group(1) == kind and set(words) <= set(m.group(2).split()):
                hits.append(n)
    if len(hits) != 1:
        fail(f"tag {tag!r} found on lines {hits} of {source}; need exactly one")
    return hits[0]


def parse_stale(text):
    """The subject's own `stale K/N` line, as (K, N), or None."""
    m = None
    for m in STALE_RE.finditer(text):
        pass
    return (int(m.group(1)), int(m.group(2))) if m else None


def run_under_awaitaudit(aa_bin, cmd, run_opts, env_extra=None, timeout=600):
    """Runs `aa_bin run <run_opts> --json-out FILE -- cmd` in a scratch dir.

    The findings go to a file so the subject's own stdout (its stale count)
    stays readable.  Returns (exit code, findings dict or None, subject
    stdout, stderr)."""
    work = tempfile.mkdtemp(prefix="aa-rt-")
    try:
        out = os.path.join(work, "findings.json")
        env = dict(os.environ)
        env.update(env_extra or {})
        env["TMPDIR"] = work
        argv = [aa_bin, "run", *run_opts, "--json-out", out, "--", *cmd]
        p = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        findings = None
        if os.path.exists(out):
            with open(out, encoding="utf-8") as f:
                findings = json.load(f)
        return p.returncode, findings, p.stdout, p.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def events_of(finding):
    for key in ("write", "overtaker", "submission", "overtaker_submission", "acknowledgment"):
        ev = finding.get(key)
        if ev:
            yield key, ev


def frames_of(finding):
    for key, ev in events_of(finding):
        for fr in ev.get("stack") or []:
            yield key, fr


def has_line(finding, source, line):
    """Which events of `finding` have a frame at source:line ([] if none)."""
    base = os.path.basename(source)
    where = []
    for key, fr in frames_of(finding):
        f = fr.get("file") or ""
        if fr.get("line") == line and (f == source or os.path.basename(f) == base):
            where.append(key)
    return where


def premature(findings, confidence=None, severity=None):
    out = []
    for f in findings.get("findings", []):
        if f.get("kind") != "premature-completion":
            continue
        if confidence and f.get("confidence") != confidence:
            continue
        if severity and f.get("severity") != severity:
            continue
        out.append(f)
    return out


def summarize(findings):
    """manifested / latent occurrence counts (finding counts summed)."""
    res = {"manifested": 0, "latent": 0, "errors": 0}
    for f in findings.get("findings", []):
        if f.get("kind") == "premature-completion":
            c = f.get("confidence")
            if c in res:
                res[c] += int(f.get("count", 1))
        if f.get("severity") == "error":
            res["errors"] += 1
    return res
