"""The runtime subjects as data: (name, mode, tools needed, env, argv) with
argv relative to a build tree and the source tree.  Used by scripts/rates;
tests/runtimes/CMakeLists.txt lists the same programs for ctest."""
import os
import sys

NODE_ENV = {"UV_USE_IO_URING": "0"}


def subjects(build, src, iters):
    rt_build = os.path.join(build, "tests", "runtimes")
    rt_src = os.path.join(src, "tests", "runtimes")
    tokio = os.path.join(rt_build, "tokio-target", "debug", "tokio_subjects")
    pool = os.path.join(rt_build, "aa_rt_pthread_pool")
    libuv = os.path.join(rt_build, "aa_rt_libuv_write")
    gio = os.path.join(rt_build, "aa_rt_gio_write")
    std_async = os.path.join(rt_build, "aa_rt_std_async")
    node_js = os.path.join(rt_src, "node", "subjects.js")
    py = os.path.join(rt_src, "python", "subjects.py")
    n = ["--iters", str(iters)]
    out = []
    for scen in ("metadata-ct", "metadata-mt", "std-read", "drop-read"):
        out.append((f"tokio {scen}", "positive", ["cargo"], {}, [tokio, scen, *n]))
        for fix in ("flush", "sync"):
            out.append((f"tokio {scen} +{fix}", "twin", ["cargo"], {}, [tokio, scen, "--fix", fix, *n]))
    out.append(("c pthread_pool", "positive", [], {}, [pool, *n]))
    out.append(("c pthread_pool +wait", "twin", [], {}, [pool, "--twin", *n]))
    out.append(("c pthread_pool stdio", "positive", [], {}, [pool, "--stdio", *n]))
    out.append(("c pthread_pool stdio +wait", "twin", [], {}, [pool, "--stdio", "--twin", *n]))
    out.append(("c libuv_write", "positive", [], {}, [libuv, *n]))
    out.append(("c libuv_write +in-cb", "twin", [], {}, [libuv, "--twin", *n]))
    out.append(("glib gio_write", "positive", [], {}, [gio, *n]))
    out.append(("glib gio_write +in-cb", "twin", [], {}, [gio, "--twin", *n]))
    out.append(("c++ std_async", "positive", [], {}, [std_async, *n]))
    out.append(("c++ std_async +get", "twin", [], {}, [std_async, "--twin", *n]))
    for scen in ("filehandle", "append", "stream", "exists", "pappend", "pcopy", "pipeline", "pipe", "worker"):
        out.append((f"node {scen}", "positive", ["node"], NODE_ENV, ["node", node_js, scen, *n]))
        out.append((f"node {scen} +await", "twin", ["node"], NODE_ENV, ["node", node_js, scen, "--twin", *n]))
    for scen in ("executor", "to_thread", "run_in_executor", "submit_path", "copyfile"):
        out.append((f"python {scen}", "positive", [], {}, [sys.executable, py, scen, *n]))
        out.append((f"python {scen} +wait", "twin", [], {}, [sys.executable, py, scen, "--twin", *n]))
    return out
