// The file model: fd table semantics, offsets, identities, paths.
#include <doctest/doctest.h>

#include "model_files.h"
#include "model_paths.h"
#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
struct Model {
  Script s{2};
  FileModel m{s.procs};
  bool begun[2] = {false, false};
  FileEffects apply(Event& e) {
    if (!begun[e.proc]) { begun[e.proc] = true; m.begin_process(e.proc); }
    return m.apply(e);
  }
  FileEffects open(const std::string& path, int64_t flags, int fd, uint64_t ino, int64_t size = 0,
                   int64_t btime = 5'000, uint32_t proc = 0) {
    auto& e = s.ev(1, AA_OPEN, {-100, flags, 0644}, fd, 1000, 1000, proc);
    s.path(e, path);
    e.st = Script::st(ino, size, btime);
    return apply(e);
  }
  FileEffects ev(aa_kind k, std::initializer_list<int64_t> a, int64_t ret = 0, uint32_t proc = 0) {
    return apply(s.ev(1, k, a, ret, 1000, 1000, proc));
  }
};
}  // namespace

TEST_CASE("paths are made absolute and normalized") {
  CHECK(absolute_path("/work", "a/../b/./c") == "/work/b/c");
  CHECK(absolute_path("/work", "/x//y/") == "/x/y");
  CHECK(normalize_path("/..") == "/");
  // The already-normal fast path must not swallow any of these.
  CHECK(normalize_path("/") == "/");
  CHECK(normalize_path("/a/.b/..c/c.") == "/a/.b/..c/c.");
  CHECK(normalize_path("/a/b/") == "/a/b");
  CHECK(normalize_path("/a//b") == "/a/b");
  CHECK(normalize_path("/a/./b") == "/a/b");
  CHECK(normalize_path("/a/b/.") == "/a/b");
  CHECK(normalize_path("/a/b/..") == "/a");
  CHECK(normalize_path("/a/../b") == "/b");
  CHECK(normalize_path("//") == "/");
  CHECK(normalize_path("a/b") == "/a/b");
}

TEST_CASE("dup shares the offset; O_APPEND writes land at the end") {
  Model m;
  m.open("f", O_WRONLY | O_CREAT, 3, 10);
  auto w1 = m.ev(AA_WRITE, {3, 5, -1}, 5);
  REQUIRE(w1.n == 1);
  CHECK(w1.touch[0].off == 0);
  m.ev(AA_DUP, {3, 4, 0}, 4);
  auto w2 = m.ev(AA_WRITE, {4, 5, -1}, 5);
  CHECK(w2.touch[0].off == 5);  // shared open file description
  CHECK(w2.touch[0].file == w1.touch[0].file);
  m.ev(AA_LSEEK, {3, 0, 0}, 0);
  CHECK(m.ev(AA_WRITE, {4, 1, -1}, 1).touch[0].off == 0);
  // A second open of the same file with O_APPEND appends at the known size.
  m.open("/work/f", O_WRONLY | O_APPEND, 5, 10, 10);
  CHECK(m.ev(AA_WRITE, {5, 3, -1}, 3).touch[0].off == 10);
}

TEST_CASE("closing the last fd of a file is a last close; dup keeps it open") {
  Model m;
  m.open("f", O_WRONLY | O_CREAT, 3, 10);
  m.ev(AA_DUP, {3, 4, 0}, 4);
  auto c1 = m.ev(AA_CLOSE, {3});
  REQUIRE(c1.n == 1);
  CHECK_FALSE(c1.touch[0].last_close);
  auto c2 = m.ev(AA_CLOSE, {4});
  CHECK(c2.touch[0].last_close);
}

TEST_CASE("close_range closes, or marks CLOEXEC; exec drops CLOEXEC fds") {
  Model m;
  m.open("a", O_WRONLY | O_CREAT, 3, 10);
  m.open("b", O_WRONLY | O_CREAT, 4, 11);
  m.open("c", O_WRONLY | O_CREAT | O_CLOEXEC, 5, 12);
  m.ev(AA_CLOSE_RANGE, {4, 4, 4});  // CLOSE_RANGE_CLOEXEC
  CHECK(m.ev(AA_WRITE, {4, 1, -1}, 1).n == 1);  // still open
  m.ev(AA_CLOSE_RANGE, {3, 3, 0});
  CHECK(m.ev(AA_WRITE, {3, 1, -1}, 1).n == 0);  // closed: an unknown fd is not a file
  // exec: process 1 (pid 101) is the new image of process 0 (pid 100 here
  // stands in: same pid is what links them).
  m.s.procs[1].pid = m.s.procs[0].pid;
  Model* mm = &m;
  auto& ex = m.s.ev(1, AA_EXECVE, {0}, 0);
  m.s.path(ex, "/bin/prog");
  mm->apply(ex);
  CHECK(m.ev(AA_WRITE, {4, 1, -1}, 1, 1).n == 0);  // CLOEXEC (from close_range) gone
  CHECK(m.ev(AA_WRITE, {5, 1, -1}, 1, 1).n == 0);  // O_CLOEXEC gone
}

TEST_CASE("fork copies the table; the child's fds name the same files") {
  Model m;
  m.open("a", O_WRONLY | O_CREAT, 3, 10);
  auto w = m.ev(AA_WRITE, {3, 4, -1}, 4);
  m.ev(AA_FORK, {0}, m.s.procs[1].pid);
  auto c = m.ev(AA_WRITE, {3, 4, -1}, 4, 1);
  REQUIRE(c.n == 1);
  CHECK(c.touch[0].file == w.touch[0].file);
  CHECK(c.touch[0].off == 4);  // shared open file description across fork
}

TEST_CASE("identity: an unlinked inode number reused by a new file is a new file") {
  Model m;
  auto a = m.open("f", O_WRONLY | O_CREAT | O_TRUNC, 3, 10, 0, 0);  // no birth time
  m.ev(AA_CLOSE, {3});
  auto& u = m.s.ev(1, AA_UNLINK, {-100, 0}, 0);
  m.s.path(u, "f");
  m.apply(u);
  auto b = m.open("f", O_WRONLY | O_CREAT | O_EXCL, 3, 10, 0, 0);
  REQUIRE(a.n == 1);
  REQUIRE(b.n == 1);
  CHECK(a.touch[0].file != b.touch[0].file);
  // Birth time tells them apart even without seeing the unlink.
  auto c = m.open("/work/g", O_WRONLY | O_CREAT | O_TRUNC, 4, 20, 0, 7'000);
  auto d = m.open("/work/g", O_WRONLY | O_CREAT | O_TRUNC, 5, 20, 0, 9'000);
  CHECK(c.touch[0].file != d.touch[0].file);
}

TEST_CASE("a failed stat before the create lands on the file the create makes") {
  Model m;
  auto& st = m.s.ev(1, AA_STATX, {-100, 0, 0xfff}, -1);
  m.s.path(st, "/work/new.txt");
  auto before = m.apply(st);
  auto created = m.open("new.txt", O_WRONLY | O_CREAT, 3, 30);
  REQUIRE(before.n == 1);
  REQUIRE(created.n == 1);
  CHECK(created.touch[0].created);
  CHECK(before.touch[0].file == created.touch[0].file);
}

TEST_CASE("pipes and eventfds are channels, not files") {
  Model m;
  m.ev(AA_PIPE, {7, 8, 0}, 0);
  auto w = m.ev(AA_WRITE, {8, 1, -1}, 1);
  auto r = m.ev(AA_READ, {7, 1, -1}, 1);
  CHECK(w.n == 0);
  CHECK(w.channel != 0);
  CHECK(w.channel_write);
  CHECK(r.channel == w.channel);
  m.ev(AA_EVENTFD, {0, 0}, 9);
  CHECK(m.ev(AA_WRITE, {9, 8, -1}, 8).channel != w.channel);
}
