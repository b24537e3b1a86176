"""Helpers for the report tests: run a program under the real shim, render a
page in headless Chromium (screenshot + DOM), decode the PNG, walk the DOM."""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}", flush=True)


def run_under_shim(shim, log_dir, cmd, delay=None, stacks=True, timeout=300):
    """Runs cmd with LD_PRELOAD=shim, logs into log_dir.  Returns stdout."""
    env = dict(os.environ)
    env["LD_PRELOAD"] = shim
    env["AWAITAUDIT_DIR"] = log_dir
    if stacks:
        env["AWAITAUDIT_STACKS"] = "1"
    if delay:
        env["AWAITAUDIT_DELAY"] = delay
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        fail(f"{cmd[0]} exited {p.returncode}: {p.stderr[-2000:]}")
    return p.stdout


def awaitaudit(aa_bin, *args, ok_codes=(0, 1)):
    p = subprocess.run([aa_bin, *args], capture_output=True, text=True, timeout=600)
    if p.returncode not in ok_codes:
        fail(f"awaitaudit {' '.join(args)} exited {p.returncode}: {p.stderr[-2000:]}")
    return p


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render(html_path, png_path, size="1200,900"):
    """Screenshot and serialized DOM of a local page in headless Chromium,
    with networking features off (the page must not need any)."""
    exe = chromium_binary()
    if exe is None:
        print("SKIP: chromium not installed (scripts/packages.extra lists it)")
        sys.exit(SKIP)
    profile = tempfile.mkdtemp(prefix="aa-chromium-")
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              f"--user-data-dir={profile}", f"--window-size={size}", "--hide-scrollbars"]
    url = "file://" + os.path.abspath(html_path)
    try:
        p = subprocess.run(common + [f"--screenshot={png_path}", url], capture_output=True, timeout=120)
        if not os.path.exists(png_path):
            fail(f"chromium wrote no screenshot: {p.stderr.decode(errors='replace')[-1500:]}")
        p = subprocess.run(common + ["--dump-dom", url], capture_output=True, timeout=120)
        if p.returncode != 0 or not p.stdout:
            fail(f"chromium --dump-dom failed ({p.returncode}): {p.stderr.decode(errors='replace')[-1500:]}")
        return p.stdout.decode("utf-8")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def read_png(path):
    """(width, height, rows of RGB tuples) of an 8-bit non-interlaced PNG,
    which is what Chromium's --screenshot writes."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path} is not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or color not in (2, 6) or interlace:
                fail(f"unexpected PNG format depth={depth} color={color} interlace={interlace}")
            bpp = 3 if color == 2 else 4
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def near(px, rgb, tol=24):
    return all(abs(p - q) <= tol for p, q in zip(px, rgb))


class Dom(html.parser.HTMLParser):
    """Flat list of (tag, attrs dict) plus the page text, from --dump-dom output."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.text_parts = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self):
        return "".join(self.text_parts)

    def with_class(self, cls):
        return [a for t, a in self.elements if cls in (a.get("class") or "").split()]

    def tags(self, name):
        return [a for t, a in self.elements if t == name]
