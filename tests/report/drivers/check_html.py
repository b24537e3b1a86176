#!/usr/bin/env python3
"""HTML report tests, rendered in headless Chromium.

  fixture  render a saved tokio finding (--from-json): lanes, marks, pixels
  escape   hostile strings in every log-derived field, from a saved report and
           from a real run on a file named <script>alert(1)</script>"'&.txt
           with odd argv: they show as text and inject nothing
  real     run a subject under the shim with a write delay and render its report:
           positive -> an error finding drawn with its real threads;
           --twin -> no error finding, the page says so
"""
import argparse
import json
import os
import shutil
import tempfile

from report_common import Dom, awaitaudit, check, fail, near, read_png, render, run_under_shim, SKIP

EVIL_NAME = "<script>alert(1)</script>\"'&.txt"
# If any of these ran or parsed as markup, the DOM would show it.
EVIL_ARGV = ["<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">",
             "\"><svg onload=alert(3)>", "&amp;lt;", "\x01ctl\x7f"]


def pixel_checks(png, expect_bars):
    w, h, rows = read_png(png)
    colours = set()
    amber = red = nonwhite = 0
    for row in rows:
        for px in row:
            colours.add(px)
            nonwhite += px != (255, 255, 255)
            amber += near(px, (245, 158, 11))
            red += near(px, (220, 38, 38))
    sampled = w * h
    print(f"screenshot {w}x{h}: {len(colours)} colours, {100.0 * nonwhite / sampled:.1f}% non-white, "
          f"amber {amber} px, red {red} px")
    check(len(colours) >= 50, f"screenshot is not blank ({len(colours)} distinct colours)")
    check(nonwhite > sampled * 0.03, "screenshot has drawn content (>3% non-white)")
    if expect_bars:
        # A 2 µs write in a 2 ms window is drawn at the minimum width (6 x 20 px).
        check(amber >= 60, f"the write bar is painted (amber pixels: {amber})")
        check(red >= 60, f"the overtaker bar / overtake line is painted (red pixels: {red})")


def no_injection(dom, raw):
    check(not dom.tags("script"), "no <script> element in the DOM")
    check(not dom.tags("img"), "no <img> element in the DOM")
    on = [(t, k) for t, a in dom.elements for k in a if k.lower().startswith("on")]
    check(not on, f"no on* event-handler attribute in the DOM ({on[:3]})")
    # The canary would set data-pwned on <body>; as escaped text it may appear, as an attribute never.
    check(not any("data-pwned" in a for t, a in dom.elements), "the onerror canary did not run (no data-pwned attribute)")


def lanes_and_marks(dom, write_tid, over_tid, origin_tid):
    lanes = {int(a["data-tid"]) for a in dom.with_class("aa-lane")}
    print(f"lanes: {sorted(lanes)}")
    check(write_tid in lanes and over_tid in lanes, f"lanes for the write's tid {write_tid} and the overtaker's {over_tid}")
    if origin_tid:
        check(origin_tid in lanes, f"a lane for the origin tid {origin_tid}")
    check(any(int(a["data-tid"]) == write_tid for a in dom.with_class("aa-write")), "the write bar sits on its helper lane")
    check(any(int(a["data-tid"]) == over_tid for a in dom.with_class("aa-overtaker")), "the overtaker bar sits on its lane")
    check(dom.with_class("aa-overtake-line"), "the overtake moment is marked")
    check(dom.with_class("aa-axis"), "a time axis is drawn")
    check(dom.with_class("aa-ack") or dom.with_class("aa-noack"), "the acknowledgment or its absence is drawn")


def mode_fixture(a, work):
    out = os.path.join(work, "fixture.html")
    rep = json.load(open(a.json))
    p = awaitaudit(a.aa, "report", "--from-json", a.json, "--html", out)
    check(p.returncode == 1, "report --from-json exits 1 for a report with an error finding")
    raw = render(out, os.path.join(work, "fixture.png"))
    dom = Dom(raw)
    f = rep["findings"][0]
    lanes_and_marks(dom, f["write"]["tid"], f["overtaker"]["tid"], f["origin_tid"])
    check(dom.with_class("aa-submission") and dom.with_class("aa-arrow-submission"), "the submission and its handoff arrow")
    check(dom.with_class("aa-noack"), "'no acknowledgment' drawn (the fixture has none)")
    check(len(dom.tags("details")) == 3, "three collapsible stacks (write, overtaker, submission)")
    user_li = [x for t, x in dom.elements if t == "li" and "aa-user" in (x.get("class") or "").split()]
    check(len(user_li) == 1, "the one user frame of the fixture is emphasised (li.aa-user)")
    check("write_then_stat::main::{{closure}}" in dom.text, "the user frame's function is shown")
    check("statx saw size 0; the write made it 10" in dom.text, "the stale value is shown")
    no_injection(dom, raw)
    pixel_checks(os.path.join(work, "fixture.png"), expect_bars=True)


def evil_report(base):
    rep = json.load(open(base))
    f = rep["findings"][0]
    for k in ("file", "message", "stale", "hint", "evidence", "rule", "id"):
        f[k] = f"{EVIL_ARGV[0]} {EVIL_NAME}"
    f["kind"] = EVIL_ARGV[1]
    f["severity"] = "\" onmouseover=\"alert(4)"
    for ev in ("write", "overtaker", "submission"):
        f[ev]["path"] = "/tmp/" + EVIL_NAME
        f[ev]["op"] = EVIL_ARGV[1]
        for fr in f[ev]["stack"]:
            fr["function"] = EVIL_ARGV[0]
            fr["file"] = EVIL_NAME
    rep["processes"][0]["argv"] = ["prog", *EVIL_ARGV, EVIL_NAME]
    rep["processes"][0]["exe"] = EVIL_NAME
    rep["notes"] = [{"level": "<b>warning</b>", "pid": "<i>1</i>", "message": EVIL_ARGV[0]}]
    return rep


def mode_escape(a, work):
    # 1. every string field of a saved report made hostile
    path = os.path.join(work, "evil.json")
    json.dump(evil_report(a.json), open(path, "w"))
    out = os.path.join(work, "evil.html")
    awaitaudit(a.aa, "report", "--from-json", path, "--html", out)
    raw = render(out, os.path.join(work, "evil.png"))
    dom = Dom(raw)
    no_injection(dom, raw)
    check(EVIL_NAME in dom.text, "the hostile file name shows as text")
    check(EVIL_ARGV[0] in dom.text and EVIL_ARGV[1] in dom.text, "hostile argv shows as text")
    check(len(dom.with_class("aa-finding")) == 1, "the finding is still rendered")
    check(len(dom.tags("svg")) == 1 and dom.with_class("aa-write"), "the timeline still renders")

    # 2. a real run on a file with that name (its '/' makes it a directory
    #    `<script>alert(1)<` holding `script>"'&.txt`) and hostile argv
    if not a.subject:
        return
    d = os.path.join(work, "data")
    os.makedirs(os.path.join(d, "<script>alert(1)<"))
    target = os.path.join(d, EVIL_NAME)
    logs = os.path.join(work, "logs")
    os.makedirs(logs)
    run_under_shim(a.shim, logs, [a.subject, "--iters", "3", target, *EVIL_ARGV], delay="2ms")
    out = os.path.join(work, "real.html")
    js = os.path.join(work, "real.json")
    p = awaitaudit(a.aa, "report", "--html", out, "--json-out", js, logs)
    if not os.path.exists(out):
        if "not built yet" in p.stderr:
            print("SKIP: the analysis is not built yet (analyze_entry.cpp placeholder)")
            raise SystemExit(SKIP)
        fail("report wrote no HTML")
    raw = render(out, os.path.join(work, "real.png"))
    dom = Dom(raw)
    no_injection(dom, raw)
    check(EVIL_ARGV[0] in dom.text, "the real run's hostile argv shows as text")
    rep = json.load(open(js))
    if any(f.get("file", "").endswith(EVIL_NAME) for f in rep.get("findings", [])):
        check(target in dom.text, "the hostile file name of a real finding shows as text")
    else:
        fail("the analysis reported no finding on the hostile file (stale_write with a 2 ms delay should give one)")


def mode_malformed(a, work):
    """Every field of a saved report replaced, one at a time, by each JSON
    type: `report --from-json` renders a page (exit 0/1), never crashes."""
    base = json.load(open(a.json))
    values = [None, 5, -1.5, "x", [], {}, True, "<b>x</b>"]
    paths = [[]] + [["findings", 0, k] for k in base["findings"][0]]
    for ev in ("write", "overtaker", "submission"):
        paths += [["findings", 0, ev, k] for k in base["findings"][0][ev]]
        paths += [["findings", 0, ev, "stack", 0, k] for k in base["findings"][0][ev]["stack"][0]]
    paths += [["processes", 0, k] for k in base["processes"][0]] + [["summary"], ["findings"], ["processes"], ["tool"]]
    runs = 0
    for path in paths:
        for v in values:
            rep = json.loads(json.dumps(base))
            node = rep
            for k in path[:-1]:
                node = node[k]
            if path:
                node[path[-1]] = v
            src = os.path.join(work, "m.json")
            out = os.path.join(work, "m.html")
            json.dump(rep if path else {"findings": v}, open(src, "w"))
            if os.path.exists(out):
                os.unlink(out)
            p = awaitaudit(a.aa, "report", "--from-json", src, "--html", out, ok_codes=(0, 1, 65))
            runs += 1
            if p.returncode != 65 and not os.path.exists(out):
                fail(f"no page for {path}={v!r}")
    check(True, f"{runs} malformed reports rendered or refused with exit 65, none crashed")


def mode_real(a, work):
    logs = os.path.join(work, "logs")
    os.makedirs(logs)
    data = os.path.join(work, "data")
    os.makedirs(data)
    cmd = [a.subject, *a.arg]
    cmd = [c.replace("@DATA@", data) for c in cmd]
    stdout = run_under_shim(a.shim, logs, cmd, delay=a.delay)
    print(f"subject: {stdout.strip()}")
    out = os.path.join(a.keep or work, "report.html")
    js = os.path.join(work, "report.json")
    p = awaitaudit(a.aa, "report", "--html", out, "--json-out", js, logs)
    if not os.path.exists(out):
        if "not built yet" in p.stderr:
            print("SKIP: the analysis is not built yet (analyze_entry.cpp placeholder)")
            raise SystemExit(SKIP)
        fail("report wrote no HTML")
    rep = json.load(open(js))
    png = os.path.join(a.keep or work, "report.png")
    raw = render(out, png, size=a.size)
    dom = Dom(raw)
    no_injection(dom, raw)
    errors = [f for f in rep["findings"] if f.get("severity") == "error"]
    drawn = [s for s in dom.with_class("aa-finding") if "aa-sev-error" in s["class"].split()]
    print(f"findings: {len(rep['findings'])} ({len(errors)} error); error sections drawn: {len(drawn)}")
    if a.twin:
        check(not errors, "the twin has no error-level finding")
        check(not drawn, "the twin's page draws no error finding")
        return
    check(errors, "the positive run has an error-level finding")
    check(len(drawn) == len(errors), "every error finding has its section")
    f = errors[0]
    check(f.get("overtaker") and f["overtaker"]["op"] in a.overtaker_ops.split(","),
          f"the overtaker is one of {a.overtaker_ops}")
    lanes_and_marks(dom, f["write"]["tid"], f["overtaker"]["tid"], f.get("origin_tid"))
    check(f"tid {f['write']['tid']}" in dom.text and f"tid {f['overtaker']['tid']}" in dom.text, "lane labels name the tids")
    pixel_checks(png, expect_bars=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aa", required=True)
    ap.add_argument("--mode", required=True, choices=["fixture", "escape", "real", "malformed"])
    ap.add_argument("--json", help="saved findings report (fixture, escape)")
    ap.add_argument("--shim")
    ap.add_argument("--subject")
    ap.add_argument("--arg", action="append", default=[], help="subject argument; @DATA@ is a scratch dir")
    ap.add_argument("--delay", default="2ms")
    ap.add_argument("--twin", action="store_true")
    ap.add_argument("--overtaker-ops", default="statx,stat,fstat,newfstatat")
    ap.add_argument("--size", default="1200,1400", help="window for real runs: tall enough for the first timeline")
    ap.add_argument("--keep", help="directory to keep report.html/report.png in")
    a = ap.parse_args()
    if a.subject and not os.path.exists(a.subject):
        print(f"SKIP: subject {a.subject} not built")
        raise SystemExit(SKIP)
    work = tempfile.mkdtemp(prefix="aa-report-")
    try:
        {"fixture": mode_fixture, "escape": mode_escape, "real": mode_real, "malformed": mode_malformed}[a.mode](a, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
