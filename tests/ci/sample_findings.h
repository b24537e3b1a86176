// A hand-made findings report (docs/findings-schema.md) shared by the SARIF
// and JUnit unit tests: one manifested tokio finding with full stacks, one
// latent generic finding without any source line, one note.
#pragma once
#include <nlohmann/json.hpp>

inline nlohmann::json ci_sample_findings() {
  return nlohmann::json::parse(R"json({
  "tool": {"name": "awaitaudit", "version": "0.1.0", "schema": 1},
  "processes": [{"pid": 100, "ppid": 1, "exe": "/proj/target/debug/demo", "argv": ["demo"],
                 "log": "logs/demo.100.aalog", "records": 50, "clean_exit": true, "skipped": 0}],
  "notes": [{"level": "warning", "pid": 100, "message": "io_uring_setup called: its I/O is invisible"}],
  "findings": [
    {"id": "F1", "kind": "premature-completion", "confidence": "manifested", "severity": "error",
     "count": 3, "file": "/tmp/x/out.txt", "rule": "tokio-file-write",
     "message": "statx on /tmp/x/out.txt overtook write(10 bytes) handed to tid 101",
     "stale": "statx saw size 0; the write made it 10",
     "hint": "call `flush().await` before observing the file",
     "evidence": "submission: futex wake; no happens-before edge from the write's return to the statx",
     "origin_tid": 100,
     "write": {"op": "write", "pid": 100, "tid": 101, "t_enter_ns": 2000, "t_exit_ns": 3000, "t_rel_us": 1.0,
               "ret": 10, "errno": 0, "errno_name": null, "fd": 7, "offset": 0, "length": 10, "path": "/tmp/x/out.txt",
               "stack": [{"ip": "0x1000", "function": "write", "file": "", "line": 0, "module": "/lib/libc.so.6", "user": false},
                         {"ip": "0x2000", "function": "tokio::fs::file::File::poll_write",
                          "file": "/usr/share/cargo/registry/tokio-1.24.2/src/fs/file.rs", "line": 612,
                          "module": "/proj/target/debug/demo", "user": false}]},
     "overtaker": {"op": "statx", "pid": 100, "tid": 102, "t_enter_ns": 1500, "t_exit_ns": 1600, "t_rel_us": 0.5,
                   "ret": 0, "errno": 0, "errno_name": null, "path": "/tmp/x/out.txt", "size": 0,
                   "stack": [{"ip": "0x1100", "function": "statx", "file": "", "line": 0, "module": "/lib/libc.so.6", "user": false},
                             {"ip": "0x3000", "function": "demo::main::{{closure}}", "file": "/proj/src/main.rs", "line": 12,
                              "module": "/proj/target/debug/demo", "user": true}]},
     "submission": {"op": "futex", "pid": 100, "tid": 100, "t_enter_ns": 1000, "t_exit_ns": 1010, "t_rel_us": 0.0,
                    "ret": 1, "errno": 0, "errno_name": null,
                    "stack": [{"ip": "0x3100", "function": "demo::main::{{closure}}", "file": "/proj/src/main.rs", "line": 11,
                               "module": "/proj/target/debug/demo", "user": true}]},
     "acknowledgment": null},
    {"id": "F2", "kind": "premature-completion", "confidence": "latent", "severity": "warning",
     "count": 1, "file": "/tmp/y & <z>.txt", "rule": "generic",
     "message": "stat on /tmp/y & <z>.txt may overtake write(4 bytes) handed to tid 201",
     "stale": null, "hint": "wait for the job's completion before observing the file",
     "evidence": "no happens-before edge", "origin_tid": 200,
     "write": {"op": "pwrite", "pid": 100, "tid": 201, "t_enter_ns": 1, "t_exit_ns": 2, "ret": 4, "errno": 0,
               "errno_name": null, "path": "/tmp/y & <z>.txt",
               "stack": [{"ip": "0x4000", "function": "", "file": "", "line": 0, "module": "/opt/pool", "user": false}]},
     "overtaker": {"op": "stat", "pid": 100, "tid": 200, "t_enter_ns": 3, "t_exit_ns": 4, "ret": 0, "errno": 0,
                   "errno_name": null, "path": "/tmp/y & <z>.txt", "size": 4},
     "submission": null, "acknowledgment": null},
    {"id": "F3", "kind": "file-race", "confidence": "manifested", "severity": "note",
     "count": 1, "file": "/tmp/w.txt", "rule": "generic", "message": "unordered writes on /tmp/w.txt",
     "stale": null, "hint": "", "evidence": "no common origin", "origin_tid": 0,
     "write": null, "overtaker": null, "submission": null, "acknowledgment": null}
  ],
  "summary": {"errors": 1, "warnings": 1, "notes": 1, "suppressed": 0, "processes": 1}
})json");
}
