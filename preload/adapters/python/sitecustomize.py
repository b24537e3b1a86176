"""awaitaudit runtime adapter for CPython, loaded as `sitecustomize`.

`awaitaudit run` puts this directory first on PYTHONPATH (keeping the
user's).  When the shim published its marker fd (AWAITAUDIT_MARKER_FD), the
adapter writes one-line JSON markers to it; the shim logs each as a MARKER
record on the calling thread, in program order:

  {"t":"request","op":"job","api":"ThreadPoolExecutor.submit","id":N,"loc":"/abs/f.py:12","fn":"main"}
  {"t":"job-start","id":N} / {"t":"job-end","id":N}   on the worker, around the job
  {"t":"delivered","id":N,"api":"Future.result"}       result()/exception() returned,
                                                        a done callback runs, wait()/as_completed
  {"t":"site","op":"write","path":..,"loc":..,"fn":..} the user line of the write that follows
  {"t":"observe","op":"stat","path":..,"loc":..,"fn":..}

Without the variable nothing is patched.  Afterwards the next
`sitecustomize` on the path (Debian ships one) is loaded as if we were not
there.
"""

import os
import sys


def _chain_next_sitecustomize():
    # Ours was found first; load the one the user's path would have found.
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path[:] = rest  # our directory is an implementation detail: out of the program's way
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


def _install(marker_fd):
    import builtins
    import itertools
    import json
    import sysconfig
    import threading

    raw_write = os.write  # the original: markers never go through our wrappers
    adapter_file = os.path.abspath(__file__)
    internal_dirs = tuple(
        os.path.join(os.path.realpath(p), "")
        for p in {sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")}
        if p
    )
    ids = itertools.count(1)
    local = threading.local()  # .api: >0 while a wrapped API runs (nested calls are its own)
    fd_paths = {}              # os.open fd -> absolute path

    def emit(obj):
        try:
            raw_write(marker_fd, (json.dumps(obj, separators=(",", ":")) + "\n").encode())
        except OSError:
            pass  # the program closed our fd: markers are best effort

    user_files = {}  # co_filename -> absolute path when it is user code, else None

    def classify(name):
        if name.startswith("<"):
            return None
        with inside:  # realpath stats: those must not be reported as observations
            absn = os.path.abspath(name)
            real = os.path.realpath(absn)
        if absn == adapter_file or real == adapter_file or real.startswith(internal_dirs):
            return None
        return absn

    def user_frame():
        f = sys._getframe(2)
        while f is not None:
            name = f.f_code.co_filename
            try:
                absn = user_files[name]
            except KeyError:
                absn = user_files[name] = classify(name)
            if absn is not None:
                return {"loc": f"{absn}:{f.f_lineno}", "fn": f.f_code.co_name}
            f = f.f_back
        return None

    def nested():
        return getattr(local, "api", 0) > 0

    class _Inside:
        def __enter__(self):
            local.api = getattr(local, "api", 0) + 1

        def __exit__(self, *exc):
            local.api -= 1

    inside = _Inside()

    def abspath_of(p):
        try:
            return os.path.abspath(os.fsdecode(p))
        except TypeError:
            return None

    # ---- writes on regular files: the user line of the write -------------------
    def site(op, path):
        if nested() or path is None:
            return
        u = user_frame()
        if u:
            emit({"t": "site", "op": op, "path": path, **u})

    def observe(op, path):
        if nested() or path is None:
            return
        u = user_frame()
        if u:
            emit({"t": "observe", "op": op, "path": path, **u})

    real_os_open = os.open

    def os_open(path, flags, *a, **kw):
        fd = real_os_open(path, flags, *a, **kw)
        if isinstance(path, (str, bytes, os.PathLike)):
            p = abspath_of(path)
            if p:
                fd_paths[fd] = p
        return fd

    os.open = os_open

    def os_write(fd, data):
        p = fd_paths.get(fd)
        if p is not None:
            site("write", p)
        return raw_write(fd, data)

    os.write = os_write

    real_os_close = os.close

    def os_close(fd):
        fd_paths.pop(fd, None)
        return real_os_close(fd)

    os.close = os_close

    class _WritableFile:
        """Proxy for a file opened for writing: write() names the user's line."""

        __slots__ = ("_f", "_aa_path")

        def __init__(self, f, path):
            object.__setattr__(self, "_f", f)
            object.__setattr__(self, "_aa_path", path)

        def write(self, data):
            site("write", self._aa_path)
            return self._f.write(data)

        def writelines(self, lines):
            site("write", self._aa_path)
            return self._f.writelines(lines)

        def __enter__(self):
            self._f.__enter__()
            return self

        def __exit__(self, *exc):
            return self._f.__exit__(*exc)

        def __iter__(self):
            return iter(self._f)

        def __next__(self):
            return next(self._f)

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __setattr__(self, name, value):
            setattr(self._f, name, value)

        def __repr__(self):
            return repr(self._f)

    real_open = builtins.open

    def aa_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if isinstance(file, int):
            return f
        p = abspath_of(file)
        if p is None:
            return f
        if any(c in mode for c in "wax+"):
            return _WritableFile(f, p)
        observe("read", p)
        return f

    builtins.open = aa_open

    for name, op in (("stat", "stat"), ("lstat", "stat"), ("access", "stat"),
                     ("rename", "rename"), ("replace", "rename"), ("unlink", "unlink"),
                     ("remove", "unlink"), ("truncate", "write")):
        real = getattr(os, name, None)
        if real is None:
            continue

        def wrapper(path, *a, __real=real, __op=op, **kw):
            if not isinstance(path, int):
                observe(__op, abspath_of(path))
            with inside:
                return __real(path, *a, **kw)

        wrapper.__name__ = name
        setattr(os, name, wrapper)

    # ---- concurrent.futures: submission and delivery of jobs -------------------
    def deliver(future, api):
        fid = getattr(future, "_aa_id", 0)
        if fid and future.done() and not getattr(future, "_aa_delivered", False):
            future._aa_delivered = True
            emit({"t": "delivered", "id": fid, "api": api})

    def patch_futures(cf):
        base = cf.Future
        if getattr(base, "_aa_patched", False):
            return
        base._aa_patched = True
        real_result, real_exception = base.result, base.exception
        real_add_cb = base.add_done_callback

        def result(self, timeout=None):
            try:
                return real_result(self, timeout)
            finally:
                deliver(self, "Future.result")

        def exception(self, timeout=None):
            try:
                return real_exception(self, timeout)
            finally:
                deliver(self, "Future.exception")

        def add_done_callback(self, fn):
            # Only the program's own callbacks deliver: asyncio's internal one
            # runs on the worker and merely forwards to the loop.
            caller = sys._getframe(1).f_code.co_filename
            if caller not in user_files:
                user_files[caller] = classify(caller)
            if user_files[caller] is None:
                return real_add_cb(self, fn)

            def cb(fut):
                deliver(fut, "Future done callback")
                return fn(fut)
            return real_add_cb(self, cb)

        base.result, base.exception, base.add_done_callback = result, exception, add_done_callback

        real_wait, real_as_completed = cf.wait, cf.as_completed

        def wait(fs, *a, **kw):
            r = real_wait(fs, *a, **kw)
            for f in r.done:
                deliver(f, "concurrent.futures.wait")
            return r

        def as_completed(fs, *a, **kw):
            for f in real_as_completed(fs, *a, **kw):
                deliver(f, "concurrent.futures.as_completed")
                yield f

        cf.wait, cf.as_completed = wait, as_completed
        import concurrent.futures._base as cfb
        cfb.wait, cfb.as_completed = wait, as_completed

        def wrap_submit(cls, api):
            real_submit = cls.submit

            def submit(self, fn, /, *args, **kwargs):
                if nested():
                    return real_submit(self, fn, *args, **kwargs)
                u = user_frame()
                if u is None:
                    return real_submit(self, fn, *args, **kwargs)
                jid = next(ids)
                emit({"t": "request", "op": "job", "api": api, "id": jid, **u})

                def job(*a, **kw):
                    emit({"t": "job-start", "id": jid})
                    try:
                        return fn(*a, **kw)
                    finally:
                        emit({"t": "job-end", "id": jid})

                with inside:
                    fut = real_submit(self, job, *args, **kwargs)
                fut._aa_id = jid
                local.last_job = jid
                return fut

            cls.submit = submit

        import concurrent.futures.thread as cft
        wrap_submit(cft.ThreadPoolExecutor, "ThreadPoolExecutor.submit")

    def patch_asyncio(base_events):
        # run_in_executor / to_thread: delivered when the loop resolves the
        # asyncio future, just before the awaiting coroutine resumes.
        loop_cls = base_events.BaseEventLoop
        real_rie = loop_cls.run_in_executor

        def run_in_executor(self, executor, func, *args):
            local.last_job = 0
            fut = real_rie(self, executor, func, *args)
            jid = local.last_job
            if jid:
                def on_done(_f, jid=jid):
                    emit({"t": "delivered", "id": jid, "api": "asyncio run_in_executor"})
                fut.add_done_callback(on_done)
            return fut

        loop_cls.run_in_executor = run_in_executor

    patches = {"concurrent.futures.thread": lambda _m: patch_futures(sys.modules["concurrent.futures"]),
               "asyncio.base_events": patch_asyncio}

    # concurrent.futures and asyncio may be imported later: patch right after
    # their import instead of importing them ourselves (startup cost).
    class _PostImport:
        def find_spec(self, name, path=None, target=None):
            if name not in patches:
                return None
            sys.meta_path.remove(self)
            try:
                import importlib.util
                spec = importlib.util.find_spec(name)
            finally:
                sys.meta_path.insert(0, self)
            if spec is None or spec.loader is None:
                return spec
            real_exec = spec.loader.exec_module

            def exec_module(module):
                real_exec(module)
                patches.pop(name)(module)
                if not patches:
                    sys.meta_path[:] = [m for m in sys.meta_path if m is not self]

            spec.loader.exec_module = exec_module
            return spec

    for name in [n for n in patches if n in sys.modules]:
        patches.pop(name)(sys.modules[name])
    if patches:
        sys.meta_path.insert(0, _PostImport())


def _marker_fd():
    try:
        fd = int(os.environ.get("AWAITAUDIT_MARKER_FD", ""))
    except ValueError:
        return -1
    return fd if fd >= 0 else -1


if _marker_fd() >= 0:
    _install(_marker_fd())
_chain_next_sitecustomize()
