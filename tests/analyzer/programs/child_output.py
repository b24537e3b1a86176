"""CPython's test_os environment tests: read a child shell's stdout, then
the main thread's own truncate fails with ENOENT (a synchronous call: the
caller gets the exception).  The child's pipe write is a report back, not a
job handed to the main thread."""
import os
import subprocess
import sys

work = sys.argv[1]
for i in range(3):
    out = subprocess.run(["sh", "-c", "echo $_TEST_VAR_"], env=dict(os.environ, _TEST_VAR_=str(i)),
                         capture_output=True, check=True).stdout
    assert out == f"{i}\n".encode(), out
    try:
        os.truncate(os.path.join(work, f"missing-{i}"), 0)
    except FileNotFoundError:
        pass
    with open(os.path.join(work, f"data-{i}"), "wb") as f:
        f.write(b"x" * (i + 1))
    os.stat(os.path.join(work, f"data-{i}"))
print("ok")
