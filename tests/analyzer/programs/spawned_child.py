"""A child started by libc on the program's behalf, the way Rust's
std::process::Command, GLib, shells and C programs start programs:
`spawn` is posix_spawn (os.posix_spawn calls libc's); `shell` is system()
for the twin and popen()/pclose() for the positive (glibc runs both through
its own hidden spawn and waitpid); `shellfork` the same with a command the
shell forks (`true; child`) instead of exec'ing.

`wait`: the parent writes in.txt, starts a child that copies it to out.txt,
waits for it and reads out.txt: everything is ordered by the start and the
wait (the twin: no finding).  `early`: the parent starts a child that
appends to out.txt after a delay and stats out.txt before waiting: the start
handed the write to the child, the stat overtook it (size 0)."""
import ctypes
import os
import shlex
import sys

mode, via, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
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

child = [sys.executable, __file__, "child-copy" if mode == "wait" else "child-late", via, tmp]
libc = ctypes.CDLL(None)  # resolves to the shim's popen/pclose when preloaded
libc.popen.restype = ctypes.c_void_p
libc.popen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.pclose.argtypes = [ctypes.c_void_p]
if mode == "wait":
    with open(inp, "wb") as f:
        f.write(b"payload")
    if via == "spawn":
        os.waitpid(os.posix_spawn(sys.executable, child, os.environ), 0)
    else:
        prefix = "true; " if via == "shellfork" else ""
        assert os.system(prefix + shlex.join(child)) == 0
    with open(out, "rb") as f:
        print("size", len(f.read()))
else:
    open(out, "wb").close()
    if via == "spawn":
        pid = os.posix_spawn(sys.executable, child, os.environ)
        size = os.stat(out).st_size
        os.waitpid(pid, 0)
    else:
        # exec: the shell becomes the child (the job goes on through exec);
        # shellfork: `true; child` makes the shell fork it instead
        prefix = "true; " if via == "shellfork" else "exec "
        stream = libc.popen((prefix + shlex.join(child)).encode(), b"r")
        assert stream
        size = os.stat(out).st_size
        assert libc.pclose(stream) == 0
    print("size", size)
