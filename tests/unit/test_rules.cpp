// Rules as data: the shipped files load, bad files fail with file:line, and
// profiles / user frames / suppressions match stacks as the real runtimes
// produce them (function names as symbolize.cpp renders them).
#include <unistd.h>

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

#include "exit_codes.h"
#include "rules.h"
#include "rules_parse.h"

namespace {

aa::Frame fn(std::string function, std::string file = "", std::string module = "") {
  aa::Frame f;
  f.function = std::move(function);
  f.file = std::move(file);
  f.module = std::move(module);
  return f;
}

const aa::RuleSet& shipped() {
  static aa::RuleSet rs = aa::RuleSet::load_from(AA_SOURCE_RULES_DIR);
  return rs;
}

// The ToolError message of loading `text` as a rule file, or "" if it loaded.
std::string rule_error(const std::string& text) {
  aa::RuleSet rs;
  try {
    aa::rules_parse::rule_text(text, "bad.toml", rs);
  } catch (const aa::ToolError& e) {
    CHECK(e.code == aa::kExitDataErr);
    return e.what();
  }
  return "";
}

std::string supp_error(const std::string& text) {
  std::vector<aa::Suppression> out;
  try {
    aa::rules_parse::suppression_text(text, "my.supp", out);
  } catch (const aa::ToolError& e) {
    CHECK(e.code == aa::kExitDataErr);
    return e.what();
  }
  return "";
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/aa_rules_test_XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

// Stacks as the symbolizer renders them (innermost first), from tokio 1.24.2
// under gdb, /usr/bin/node's symtab and /usr/bin/python3.11's dynsym.
std::vector<aa::Frame> tokio_write_stack() {
  return {fn("write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
          fn("std::sys::fs::unix::File::write", "/rustc/59807616e1fa/library/std/src/sys/fs/unix.rs"),
          fn("std::io::Write::write_all", "/rustc/59807616e1fa/library/std/src/io/mod.rs"),
          fn("tokio::io::blocking::Buf::write_to", "/usr/share/cargo/registry/tokio-1.24.2/src/io/blocking.rs"),
          fn("<tokio::fs::file::File as tokio::io::async_write::AsyncWrite>::poll_write::{{closure}}",
             "/usr/share/cargo/registry/tokio-1.24.2/src/fs/file.rs"),
          fn("tokio::runtime::blocking::pool::Inner::run",
             "/usr/share/cargo/registry/tokio-1.24.2/src/runtime/blocking/pool.rs"),
          fn("start_thread", "", "/usr/lib/x86_64-linux-gnu/libc.so.6")};
}

}  // namespace

TEST_CASE("glob_match: * and ? over the whole text") {
  CHECK(aa::glob_match("*", ""));
  CHECK(aa::glob_match("a*c", "abbbc"));
  CHECK(aa::glob_match("a?c", "abc"));
  CHECK_FALSE(aa::glob_match("a?c", "ac"));
  CHECK(aa::glob_match("tokio::*", "tokio::fs::file::File::poll_write"));
  CHECK_FALSE(aa::glob_match("tokio::*", "<tokio::fs::file::File as X>::poll_write"));
  CHECK(aa::glob_match("*/libc.so*", "/usr/lib/x86_64-linux-gnu/libc.so.6"));
  CHECK(aa::glob_match("**a**b**", "xxaxxbxx"));
  CHECK_FALSE(aa::glob_match("abc", "abcd"));
  CHECK_FALSE(aa::glob_match("", "a"));
  CHECK(aa::glob_match("", ""));
  // Pathological backtracking stays fast (single backtrack point).
  std::string many_a(5000, 'a');
  CHECK_FALSE(aa::glob_match("*a*a*a*a*a*a*a*a*b", many_a));
}

TEST_CASE("suppression_match: substring unless anchored, TSan style") {
  CHECK(aa::suppression_match("poll_write", "<tokio::fs::file::File as X>::poll_write::{{closure}}"));
  CHECK(aa::suppression_match("^/tmp/*.log$", "/tmp/a/b.log"));
  CHECK_FALSE(aa::suppression_match("^/tmp/*.log$", "/var/tmp/b.log"));
  CHECK_FALSE(aa::suppression_match("^/tmp/*.log$", "/tmp/b.log.1"));
  CHECK(aa::suppression_match("tmp", "/var/tmp/x"));
}

TEST_CASE("kind and class names come from the log format table") {
  CHECK(aa::rules_parse::kind_named("statx") == AA_STATX);
  CHECK(aa::rules_parse::kind_named("PWRITE") == AA_PWRITE);
  CHECK(aa::rules_parse::kind_named("pthread_create") == AA_THREAD_CREATE);
  CHECK_FALSE(aa::rules_parse::kind_named("nope").has_value());
  auto reads = aa::rules_parse::kinds_of_class("READ");
  REQUIRE(reads);
  CHECK(reads->size() == 4);
  CHECK_FALSE(aa::rules_parse::kinds_of_class("BOGUS").has_value());
}

TEST_CASE("the shipped conflict table covers every conflicting kind") {
  const auto& rs = shipped();
  auto name_of = [&](aa_kind k) {
    const aa::ConflictRule* c = rs.conflict_for(k);
    return c ? c->name : std::string("none");
  };
  CHECK(name_of(AA_STATX) == "stat");
  CHECK(name_of(AA_FSTAT) == "stat");
  CHECK(name_of(AA_STAT) == "stat");
  CHECK(name_of(AA_PREAD) == "read");
  CHECK(name_of(AA_READV) == "read");
  CHECK(name_of(AA_PWRITE) == "write");
  CHECK(name_of(AA_FTRUNCATE) == "write");
  CHECK(name_of(AA_FDATASYNC) == "fsync");
  CHECK(name_of(AA_SYNC_FILE_RANGE) == "fsync");
  CHECK(name_of(AA_RENAME) == "rename");
  CHECK(name_of(AA_LINK) == "rename");
  CHECK(name_of(AA_UNLINK) == "unlink");
  CHECK(name_of(AA_CLOSE) == "last-close");
  CHECK(name_of(AA_EXECVE) == "exec");
  CHECK(name_of(AA_EXIT) == "exit");
  CHECK(name_of(AA_FUTEX) == "none");
  CHECK(name_of(AA_OPEN) == "none");
  CHECK(rs.conflict_for(AA_PREAD)->condition == "overlap");
  CHECK(rs.conflict_for(AA_CLOSE)->condition == "last-fd");
  CHECK(rs.conflict_for(AA_STATX)->severity == "error");
  CHECK(rs.conflict_for(AA_STATX)->origin.find("conflicts.toml:") != std::string::npos);
}

TEST_CASE("format_wording fills known placeholders") {
  const auto* c = shipped().conflict_for(AA_STATX);
  REQUIRE(c);
  CHECK(aa::format_wording(c->wording, {{"op", "statx"}, {"file", "/tmp/x/out.txt"}, {"write", "write(10 bytes)"},
                                        {"tid", "4712"}}) ==
        "statx on /tmp/x/out.txt overtook write(10 bytes) handed to tid 4712");
  CHECK(aa::format_wording("{a} {b", {{"a", "1"}}) == "1 {b");
}

TEST_CASE("profiles: the right runtime for realistic stacks") {
  const auto& rs = shipped();
  auto name = [&](const std::vector<aa::Frame>& w, const std::vector<aa::Frame>& s,
                  const std::vector<aa::Frame>& o = {}) {
    const aa::Profile* p = rs.match_profile(w, s, o);
    return p ? p->name : std::string("none");
  };
  // tokio: the write's own stack names poll_write's closure.
  CHECK(name(tokio_write_stack(), {}) == "tokio-file-write");
  const aa::Profile* tok = rs.match_profile(tokio_write_stack(), {}, {});
  REQUIRE(tok);
  CHECK(tok->hint.find("flush().await") != std::string::npos);
  CHECK(tok->runtime == "tokio");
  // tokio spawn_blocking of a user closure.
  CHECK(name({fn("write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6"), fn("tk::save::{{closure}}", "/tmp/tk/src/main.rs"),
              fn("tokio::runtime::blocking::pool::Inner::run")},
             {fn("tokio::runtime::blocking::pool::spawn_blocking"), fn("tk::main::{{closure}}", "/tmp/tk/src/main.rs")}) ==
        "tokio-spawn-blocking");
  // Node.js: worker in uv__fs_work, submission through node::fs::WriteBuffer.
  std::vector<aa::Frame> uv_worker = {fn("write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6"),
                                      fn("uv__fs_work", "", "/usr/bin/node"), fn("worker", "", "/usr/bin/node"),
                                      fn("start_thread", "", "/usr/lib/x86_64-linux-gnu/libc.so.6")};
  CHECK(name(uv_worker, {fn("uv_fs_write", "", "/usr/bin/node"),
                         fn("node::fs::WriteBuffer(v8::FunctionCallbackInfo<v8::Value> const&)", "", "/usr/bin/node"),
                         fn("Builtins_CallApiCallback", "", "/usr/bin/node")}) == "node-fs-write");
  // Plain libuv: the user's C code calls uv_fs_write.
  CHECK(name(uv_worker, {fn("uv_fs_write", "", "/usr/lib/x86_64-linux-gnu/libuv.so.1"),
                         fn("main", "/tmp/uvtest/main.c")}) == "libuv-fs-write");
  // CPython pool thread.
  CHECK(name({fn("write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6"), fn("_Py_write", "", "/usr/bin/python3.11"),
              fn("_PyEval_EvalFrameDefault", "", "/usr/bin/python3.11")},
             {}) == "cpython-thread-write");
  // A C pthread pool: only the generic fallback.
  CHECK(name({fn("write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6"), fn("pool_worker", "/tmp/c/pool.c"),
              fn("start_thread", "", "/usr/lib/x86_64-linux-gnu/libc.so.6")},
             {fn("pthread_cond_signal"), fn("main", "/tmp/c/pool.c")}) == "pthread-pool");
  // Nothing known: no profile (the analysis says "generic").
  CHECK(name({fn("write")}, {fn("main")}) == "none");
}

TEST_CASE("is_user_frame separates user code from libc, shim, std and runtimes") {
  const auto& rs = shipped();
  CHECK(rs.is_user_frame(fn("tk::main::{{closure}}", "/tmp/tk/src/main.rs", "/tmp/tk/target/debug/tk")));
  CHECK(rs.is_user_frame(fn("pool_worker", "/tmp/c/pool.c", "/tmp/c/pool")));
  CHECK(rs.is_user_frame(fn("<m::Widget<alloc::vec::Vec<u8>>>::poke", "/tmp/m.rs", "/tmp/m")));
  CHECK(rs.is_user_frame(fn("demo+0x1234", "", "/tmp/demo")));
  CHECK_FALSE(rs.is_user_frame(fn("__GI___libc_write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6")));
  CHECK_FALSE(rs.is_user_frame(fn("write", "", "/usr/lib/x86_64-linux-gnu/libc.so.6")));
  CHECK_FALSE(rs.is_user_frame(fn("aa_write", "preload/io.cpp", "/work/main/build/lib/libawaitaudit.so")));
  CHECK_FALSE(rs.is_user_frame(fn("std::io::Write::write_all", "/rustc/59807616e1fa/library/std/src/io/mod.rs",
                                  "/tmp/tk/target/debug/tk")));
  CHECK_FALSE(rs.is_user_frame(fn("<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop")));
  for (const auto& f : tokio_write_stack()) CHECK_FALSE(rs.is_user_frame(f));
  CHECK_FALSE(rs.is_user_frame(fn("<&mut T as tokio::io::async_write::AsyncWrite>::poll_write")));
  CHECK_FALSE(rs.is_user_frame(fn("uv__fs_work", "", "/usr/bin/node")));
  CHECK_FALSE(rs.is_user_frame(fn("_PyEval_EvalFrameDefault", "", "/usr/bin/python3.11")));
  CHECK_FALSE(rs.is_user_frame(aa::Frame{}));
}

TEST_CASE("bad rule files: one error naming file and line") {
  CHECK(rule_error("internal_frames = [\"a\"]\n\nbogus = 1\n") ==
        "bad.toml:3: unknown key 'bogus' (expected internal_frames, runtime, runtime_frames, [[profile]] or [[conflict]])");
  CHECK(rule_error("[[conflict]]\nname = \"x\"\nkinds = [\"stat\", \"statz\"]\nseverity = \"error\"\nwording = \"w\"\n") ==
        "bad.toml:3: unknown kind 'statz' (use a log-format name such as statx, pwrite)");
  CHECK(rule_error("[[conflict]]\nname = \"x\"\nkinds = [\"stat\"]\nseverity = \"fatal\"\nwording = \"w\"\n") ==
        "bad.toml:4: severity 'fatal' is not error, warning or note");
  CHECK(rule_error("[[conflict]]\nname = \"x\"\nkinds = [\"stat\"]\nseverity = \"error\"\nwording = \"{op} {oops}\"\n")
            .starts_with("bad.toml:5: unknown placeholder '{oops}'"));
  CHECK(rule_error("[[conflict]]\nname = \"x\"\nkinds = [\"stat\"]\nwording = \"w\"\n") ==
        "bad.toml:1: conflict 'x' needs a severity");
  CHECK(rule_error("\n\n[[profile]]\nname = \"p\"\nruntime = \"r\"\nhint = \"h\"\n") ==
        "bad.toml:3: profile 'p' needs write_frames");
  CHECK(rule_error("[[profile]]\nname = \"p\"\nwrite_frames = [\"x\"]\nhint = \"h\"\n") ==
        "bad.toml:1: profile 'p' needs a runtime (here or at the top of the file)");
  CHECK(rule_error("runtime = \"r\"\n[[profile]]\nname = \"p\"\nwrite_frames = \"x\"\nhint = \"h\"\n") ==
        "bad.toml:4: 'write_frames' must be an array of strings");
  CHECK(rule_error("runtime = \"r\"\n[[profile]]\nname = \"p\"\nwrite_frames = [\"x\", 3]\nhint = \"h\"\n") ==
        "bad.toml:4: 'write_frames' must hold only strings");
  CHECK(rule_error("runtime = \"r\"\nprofile = 3\n") == "bad.toml:2: 'profile' must be an array of tables ([[profile]])");
  // A NUL in a table header trips an assumption inside toml++ 3.3 (found by fuzz_rules): refused first.
  CHECK(rule_error(std::string("runtime = \"r\"\n\n[[\0rofile]]\n", 26)) == "bad.toml:3: NUL byte in rule file");
  // So does a table header not starting with a key ("[ %o[profile]]", fuzz_rules), and a newline after "[[".
  CHECK(rule_error("runtime = \"r\"\n[ %o[profile]]\n") ==
        "bad.toml:2: table header must start with a key: [name] or [[name]]");
  CHECK(rule_error("runtime = \"r\"\n\n[[\n") == "bad.toml:3: table header must start with a key: [name] or [[name]]");
  CHECK(rule_error("runtime = \"r\"\n[[ profile ]]\nname = \"p\"\nwrite_frames = [\"x\"]\nhint = \"h\"\n") == "");
  // TOML syntax errors keep toml++'s description and its line.
  CHECK(rule_error("a = \"b\"\n\nc = [1, \n").starts_with("bad.toml:3: "));
  CHECK(rule_error("runtime = \"r\"\n[[profile]]\nname = \"ok\"\nwrite_frames = [\"x\"]\nhint = \"h\"\n") == "");
}

TEST_CASE("user rule files add and override, missing files are no-input errors") {
  TempFile user(
      "runtime = \"mypool\"\n"
      "runtime_frames = [\"mypool_*\"]\n"
      "[[profile]]\nname = \"tokio-file-write\"\nruntime = \"tokio\"\n"
      "write_frames = [\"<tokio::fs::file::File as tokio::io::async_write::AsyncWrite>::poll_write*\"]\n"
      "hint = \"team hint\"\n"
      "[[profile]]\nname = \"mypool-submit\"\nwrite_frames = [\"mypool_submit\"]\nhint = \"call mypool_wait()\"\n"
      "[[conflict]]\nname = \"unlink\"\nkinds = [\"unlink\"]\nseverity = \"error\"\nwording = \"{op} {file}\"\n");
  aa::RuleSet rs = aa::RuleSet::load_from(AA_SOURCE_RULES_DIR, {user.path});
  const aa::Profile* tok = rs.match_profile(tokio_write_stack(), {}, {});
  REQUIRE(tok);
  CHECK(tok->hint == "team hint");
  CHECK(rs.match_profile({fn("write")}, {fn("mypool_submit")}, {})->name == "mypool-submit");
  CHECK_FALSE(rs.is_user_frame(fn("mypool_worker_loop")));
  CHECK(rs.conflict_for(AA_UNLINK)->severity == "error");
  CHECK(rs.conflicts.size() == shipped().conflicts.size());
  try {
    aa::RuleSet::load_from(AA_SOURCE_RULES_DIR, {"/nonexistent/rules.toml"});
    FAIL("no error");
  } catch (const aa::ToolError& e) {
    CHECK(e.code == aa::kExitNoInput);
    CHECK(std::string(e.what()) == "/nonexistent/rules.toml: cannot read rule file");
  }
}

TEST_CASE("suppression syntax: errors name the line") {
  CHECK(supp_error("# comment\n\npremature:poll_write\nfoo:bar\n") ==
        "my.supp:4: unknown suppression kind 'foo' (kinds: premature, race, lost, path)");
  CHECK(supp_error("race:\n") == "my.supp:1: empty pattern after 'race:'");
  CHECK(supp_error("path:^$\n") == "my.supp:1: empty pattern after 'path:'");
  CHECK(supp_error("\n\nno colon here") == "my.supp:3: expected kind:pattern (kinds: premature, race, lost, path)");
  CHECK(supp_error("  premature : poll_write  \r\n# x\nlost:*sync_all*\npath:^/tmp/*\n") == "");
}

TEST_CASE("suppressions match by kind, frame and path") {
  aa::RuleSet rs;
  aa::rules_parse::suppression_text("premature:tk::save\nrace:^pool.c$\nlost:*sync_all*\npath:^/data/cache/*\n",
                                    "user.supp", rs.suppressions);
  std::vector<aa::Frame> write = tokio_write_stack();
  std::vector<aa::Frame> sub = {fn("tk::save::{{closure}}", "/tmp/tk/src/main.rs")};
  std::vector<aa::Frame> c_pool = {fn("pool_worker", "pool.c")};
  const aa::Suppression* s = rs.suppressed("premature-completion", "/tmp/out.txt", {&write, &sub});
  REQUIRE(s);
  CHECK(s->origin == "user.supp:1");
  // Kind-specific: the premature pattern does not silence a race on the same stacks.
  CHECK(rs.suppressed("file-race", "/tmp/out.txt", {&write, &sub}) == nullptr);
  CHECK(rs.suppressed("race", "/tmp/out.txt", {&c_pool})->origin == "user.supp:2");
  CHECK(rs.suppressed("premature", "/tmp/out.txt", {&c_pool, nullptr}) == nullptr);
  // path: applies to every finding kind.
  CHECK(rs.suppressed("premature-completion", "/data/cache/x", {})->origin == "user.supp:4");
  CHECK(rs.suppressed("premature-completion", "/srv/data/cache/x", {}) == nullptr);
}

TEST_CASE("shipped suppressions load and skip pseudo files only") {
  const auto& rs = shipped();
  CHECK(rs.suppressed("premature-completion", "/proc/self/status", {}) != nullptr);
  CHECK(rs.suppressed("premature-completion", "/tmp/x/out.txt", {}) == nullptr);
  CHECK(rs.suppressed("premature-completion", "/home/u/proc/x", {}) == nullptr);
}

TEST_CASE("shipped_rules_dir honours AWAITAUDIT_RULES_DIR") {
  setenv("AWAITAUDIT_RULES_DIR", AA_SOURCE_RULES_DIR, 1);
  CHECK(aa::shipped_rules_dir() == AA_SOURCE_RULES_DIR);
  setenv("AWAITAUDIT_RULES_DIR", "/nonexistent/dir", 1);
  CHECK_THROWS_AS(aa::shipped_rules_dir(), aa::ToolError);
  unsetenv("AWAITAUDIT_RULES_DIR");
  CHECK(!aa::shipped_rules_dir().empty());
  CHECK(aa::RuleSet::load().profiles.size() >= 5);
}
