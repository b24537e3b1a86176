"""A child started with posix_spawn (os.posix_spawn calls libc's), the way
Rust's std::process::Command, GLib and many shells start programs.

`wait`: the parent writes in.txt, spawns a child that copies it to out.txt,
waits for it and reads out.txt: everything is ordered by the spawn and the
wait (the twin: no finding).  `early`: the parent spawns a child that appends
to out.txt after a delay and stats out.txt before waiting: the spawn handed
the write to the child, the stat overtook it (size 0)."""
import os
import sys

mode, tmp = sys.argv[1], sys.argv[2]
inp, out = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.txt")
if mode == "child-copy":
    with open(inp, "rb") as f:
        data = f.read()
    with open(out, "wb") as f:
        f.write(data)
    sys.exit(0)
if mode == "child-late":
    import time
    time.sleep(0.3)
    with open(out, "ab") as f:
        f.write(b"payload")
    sys.exit(0)

if mode == "wait":
    with open(inp, "wb") as f:
        f.write(b"payload")
    pid = os.posix_spawn(sys.executable, [sys.executable, __file__, "child-copy", tmp], os.environ)
    os.waitpid(pid, 0)
    with open(out, "rb") as f:
        print("size", len(f.read()))
else:
    open(out, "wb").close()
    pid = os.posix_spawn(sys.executable, [sys.executable, __file__, "child-late", tmp], os.environ)
    size = os.stat(out).st_size
    os.waitpid(pid, 0)
    print("size", size)
