// A fork child's first records can come before its parent's fork record:
// the shim writes a record when the call returns, so the calls nested in a
// fork (jemalloc's pthread_atfork handlers lock and unlock every arena
// mutex, all recorded) precede the fork record in the parent thread's
// stream, and the reader keeps stream order.  Seen in rustc forking the
// linker: the linker's reads of rustc's symbols.o were reported as file
// races.  The child's records must wait for the fork's handoff.
#include <doctest/doctest.h>

#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kParent = 100, kChild = 101;
constexpr uint64_t kIno = 10;

// proc 0 is the parent (pid 100); the others are pid 101's images, each
// created by the one before (proc 1's creator is the parent).
void link_logs(Script& s) {
  for (size_t i = 0; i < s.procs.size(); ++i) {
    s.procs[i].log_id = 1 + i;
    if (i) s.procs[i].parent_log_id = i;  // 1 -> parent, 2 -> proc 1 (exec)
    if (i) s.procs[i].pid = kChild;
  }
}

// The parent creates and writes the file, then enters fork: jemalloc's
// prefork lock is recorded at once.  Returns the fork's entry time.
uint64_t write_then_enter_fork(Script& s) {
  auto& o = s.ev(kParent, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 5);
  s.path(o, "/work/symbols.o");
  o.st = Script::st(kIno, 0, 5'000);
  s.ev(kParent, AA_WRITE, {5, 1784, -1, 0}, 1784);
  s.ev(kParent, AA_CLOSE, {5}, 0);
  uint64_t enter = s.now + 1000;
  s.ev(kParent, AA_MUTEX_LOCK, {0x7000, 1}, 0, 100, 2000);
  return enter;
}
// The rest of the fork: the postfork unlock, then the fork's own record,
// which entered before both and so comes last in the thread's stream.
void finish_fork(Script& s, uint64_t enter) {
  s.ev(kParent, AA_MUTEX_UNLOCK, {0x7000}, 0, 100, 20'000);
  auto& f = s.ev(kParent, AA_FORK, {0}, kChild, 0, 500);
  f.t_exit = f.t_enter;
  f.t_enter = enter;
}
void child_reads(Script& s, uint32_t proc) {
  auto& o = s.ev(kChild, AA_OPEN, {-100, O_RDONLY, 0}, 3, 1000, 1000, proc);
  s.path(o, "/work/symbols.o");
  o.st = Script::st(kIno, 1784, 5'000);
  auto& st = s.ev(kChild, AA_FSTAT, {3}, 0, 1000, 1000, proc);
  st.st = Script::st(kIno, 1784, 5'000);
  s.ev(kChild, AA_READ, {3, 1784, -1, 0}, 1784, 1000, 1000, proc);
  s.ev(kChild, AA_CLOSE, {3}, 0, 1000, 1000, proc);
}
}  // namespace

TEST_CASE("a fork child's records that come before the parent's fork record wait for it") {
  for (bool streams : {true, false}) {
    Script s(2);
    link_logs(s);
    uint64_t fork = write_then_enter_fork(s);
    child_reads(s, 1);  // while the parent is still inside fork
    finish_fork(s, fork);
    auto f = s.run(true, streams);
    CAPTURE(streams);
    CHECK(count(f, "file-race") == 0);
    CHECK(f.empty());
  }
}

TEST_CASE("an exec'd image of a fork child waits for the fork too") {
  Script s(3);
  link_logs(s);
  uint64_t fork = write_then_enter_fork(s);
  auto& x = s.ev(kChild, AA_EXECVE, {0}, 0, 0, 1000, 1);
  s.path(x, "/usr/bin/cc");
  child_reads(s, 2);
  finish_fork(s, fork);
  auto f = s.run(true, true);
  CHECK(f.empty());
}

// The child's work is the parent's job: stat before waitpid is premature.
void child_writes_parent_stats(Script& s, bool wait_first) {
  link_logs(s);
  uint64_t fork = write_then_enter_fork(s);
  auto& o = s.ev(kChild, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3, 1000, 1000, 1);
  s.path(o, "/work/out.bin");
  o.st = Script::st(kIno + 1, 0, 6'000);
  s.ev(kChild, AA_WRITE, {3, 100, -1, 0}, 100, 1000, 1000, 1);
  s.ev(kChild, AA_CLOSE, {3}, 0, 1000, 1000, 1);
  finish_fork(s, fork);
  s.ev(kChild, AA_EXIT, {0, 1}, 0, 0, 1000, 1);
  if (wait_first) s.ev(kParent, AA_WAITPID, {kChild, 0}, kChild);
  auto& st = s.ev(kParent, AA_STATX, {-100, 0, 0xfff}, 0);
  s.path(st, "/work/out.bin");
  st.st = Script::st(kIno + 1, 100, 6'000);
}

TEST_CASE("a fork child's write that the parent observes before waitpid is still found") {
  Script s(2);
  child_writes_parent_stats(s, false);
  auto f = s.run(true, true);
  CHECK(count(f, "premature-completion", "latent") > 0);  // the open(O_CREAT) and the write
  CHECK(count(f, "file-race") == 0);

  Script twin(2);  // waitpid first: ordered, nothing to report
  child_writes_parent_stats(twin, true);
  CHECK(twin.run(true, true).empty());
}

TEST_CASE("a child whose fork record never comes is still analysed") {
  // The parent's log lacks the fork (a fork glibc made internally, a
  // truncated log): the child's records are not lost, only late.
  Script s(2);
  link_logs(s);
  auto& o = s.ev(kParent, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 5);
  s.path(o, "/work/symbols.o");
  o.st = Script::st(kIno, 0, 5'000);
  s.ev(kParent, AA_WRITE, {5, 1784, -1, 0}, 1784);
  child_reads(s, 1);
  auto f = s.run(true, true);
  CHECK(count(f, "file-race") > 0);
}

TEST_CASE("a child whose fork record was lost goes on when its parent reaps it") {
  // The child read the file; the parent reaped it and then rewrote the
  // file.  Held until the end, the child's read would come after the
  // parent's write and look like a manifested race with it.
  Script s(2);
  link_logs(s);
  s.ev(kParent, AA_MUTEX_LOCK, {0x7000, 1}, 0);  // the parent's log starts, no fork record
  auto& o = s.ev(kChild, AA_OPEN, {-100, O_RDONLY, 0}, 3, 1000, 1000, 1);
  s.path(o, "/work/config.txt");
  o.st = Script::st(kIno, 100, 5'000);
  s.ev(kChild, AA_READ, {3, 4096, -1, 0}, 100, 1000, 1000, 1);
  s.ev(kChild, AA_CLOSE, {3}, 0, 1000, 1000, 1);
  s.ev(kChild, AA_EXIT, {0, 0}, 0, 0, 1000, 1);
  s.ev(kParent, AA_WAITPID, {kChild, 0}, kChild);
  auto& w = s.ev(kParent, AA_OPEN, {-100, O_WRONLY | O_APPEND, 0}, 4);
  s.path(w, "/work/config.txt");
  w.st = Script::st(kIno, 100, 5'000);
  s.ev(kParent, AA_WRITE, {4, 10, -1, 0}, 10);
  auto f = s.run(true, true);
  CHECK(f.empty());
}
