// Premature completion, its negative twins, races, recycled files, lost
// write errors: synthetic sequences shaped like the runtimes' real ones.
#include <doctest/doctest.h>

#include <cerrno>

#include "check_stale.h"
#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kPool = 2, kStatPool = 3;
constexpr int64_t kQ = 0x1000, kQ2 = 0x2000, kDone = 0x3000;
constexpr int64_t kWakePriv = 129, kWaitPriv = 128;

// main opens the file itself, starts two pool threads.
void prologue(Script& s) {
  open_and_start_two(s, kMain, "out.txt", kPool, kStatPool);
}
// A pool thread that idled in a futex wait and is woken by `waker`'s wake.
void handoff(Script& s, int waker, int worker, int64_t addr) {
  auto& w = s.ev(waker, AA_FUTEX, {addr, kWakePriv, 1}, 1);
  auto& r = s.ev(worker, AA_FUTEX, {addr, kWaitPriv, 0}, 0, 500, 200);
  r.t_enter = w.t_enter - 50'000;  // it had been waiting
}
void write10(Script& s, int tid) { s.ev(tid, AA_WRITE, {3, 10, -1, 0}, 10, 2000); }
void statx(Script& s, int tid, int64_t size, int64_t ret = 0) {
  auto& e = s.ev(tid, AA_STATX, {-100, 0, 0xfff}, ret, 1000);
  s.path(e, "/work/out.txt");
  if (ret == 0) e.st = Script::st(10, size, 5'000);
  else e.err = ENOENT;
}
}  // namespace

TEST_CASE("tokio shape: statx on another pool thread overtakes the write -> manifested, stale size") {
  Script s;
  prologue(s);
  handoff(s, kMain, kPool, kQ);        // write_all hands the write to the pool
  handoff(s, kMain, kStatPool, kQ2);   // metadata() hands statx to another thread
  statx(s, kStatPool, 0);              // runs first
  write10(s, kPool);
  auto f = s.run();
  REQUIRE(count(f, "premature-completion", "manifested") == 1);
  CHECK(count(f, "premature-completion", "latent") == 0);
  const RawFinding* m = nullptr;
  for (auto& x : f) if (x.kind == "premature-completion") m = &x;
  CHECK(m->stale == "statx saw size 0; the write(10 bytes) made it 10");
  CHECK(m->path == "/work/out.txt");
  CHECK(m->origin_tid == kMain);
  CHECK(m->severity == "error");
}

TEST_CASE("negative twin: the write's completion is awaited before metadata() -> nothing") {
  Script s;
  prologue(s);
  handoff(s, kMain, kPool, kQ);
  write10(s, kPool);
  handoff(s, kPool, kMain, kDone);     // completion wakes main
  handoff(s, kMain, kStatPool, kQ2);
  statx(s, kStatPool, 10);
  auto f = s.run();
  CHECK(count(f, "premature-completion") == 0);
  CHECK(count(f, "file-race") == 0);
}

TEST_CASE("latent: the write happened to finish first, nothing visible ordered it") {
  Script s;
  prologue(s);
  handoff(s, kMain, kPool, kQ);
  write10(s, kPool);
  handoff(s, kMain, kStatPool, kQ2);   // no completion edge (an atomic, say)
  statx(s, kStatPool, 10);
  auto f = s.run();
  CHECK(count(f, "premature-completion", "manifested") == 0);
  CHECK(count(f, "premature-completion", "latent") == 1);
  for (auto& x : f) if (x.confidence == "latent") CHECK(x.severity == "warning");
  CHECK(count(s.run(false), "premature-completion") == 0);  // --no-latent
}

TEST_CASE("GIL shape: the helper's later lock handoff from main is not the submission") {
  // Python: the worker wakes from its queue wait (the submission), then
  // needs the GIL, which main drops only after its getsize().  Taking the
  // last acquire (the GIL) as the submission would order the stat before it.
  constexpr int64_t kGilCond = 0x5000, kGilMutex = 0x5100;
  Script s;
  prologue(s);
  // Earlier the worker both waited on and signalled the GIL's condvar: a lock.
  s.ev(kPool, AA_COND_WAIT, {kGilCond, kGilMutex, 1});
  s.ev(kPool, AA_COND_SIGNAL, {kGilCond});
  handoff(s, kMain, kPool, kQ);                       // submit(): queue wake
  statx(s, kMain, 0);                                  // os.path.getsize() before result()
  s.ev(kMain, AA_COND_SIGNAL, {kGilCond});             // main drops the GIL
  auto& g = s.ev(kPool, AA_COND_WAIT, {kGilCond, kGilMutex, 1}, 0, 500, 100);  // worker takes it
  g.t_enter -= 20'000;
  write10(s, kPool);
  auto f = s.run();
  CHECK(count(f, "premature-completion", "manifested") == 1);
}

TEST_CASE("recycled file: iteration i's write is not paired with iteration i-1's stat") {
  Script s;
  prologue(s);
  // Iteration 1, correct: submit, write, completion, stat.
  handoff(s, kMain, kPool, kQ);
  write10(s, kPool);
  // Iteration 2's submission comes after iteration 1's stat on the pool: the
  // stat ran before the write of iteration 2 started, but before its submission.
  handoff(s, kMain, kStatPool, kQ2);
  statx(s, kStatPool, 10);
  handoff(s, kStatPool, kMain, kDone);  // main learns the stat's result
  handoff(s, kMain, kPool, kQ);         // iteration 2 submits its write
  write10(s, kPool);
  auto f = s.run();
  // Iteration 1: latent (no completion edge to main) is fine; but the stat
  // must never be called a manifested overtaker of iteration 2's write.
  CHECK(count(f, "premature-completion", "manifested") == 0);
}

TEST_CASE("Node shape: stat fails with ENOENT before the worker's open(O_CREAT)") {
  Script s;
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  handoff(s, kMain, kPool, kQ);
  statx(s, kMain, 0, -1);  // ENOENT
  auto& o = s.ev(kPool, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 7);
  s.path(o, "/work/out.txt");
  o.st = Script::st(10, 0, 5'000);
  auto f = s.run();
  REQUIRE(count(f, "premature-completion", "manifested") == 1);
  for (auto& x : f)
    if (x.kind == "premature-completion")
      CHECK(x.stale == "statx failed with ENOENT; the open(O_CREAT) created the file");
}

TEST_CASE("file race: two threads with no common origin, unordered") {
  // The writer is started by a helper thread (4), the stat thread by main:
  // no thread handed out both jobs.
  constexpr int kHelper = 4;
  auto build = [](Script& s, bool join) {
    s.ev(kMain, AA_THREAD_CREATE, {3, 0xc});
    s.ev(kHelper, AA_THREAD_START, {3, kMain, 0xc});
    s.ev(kMain, AA_THREAD_CREATE, {2, 0xb});
    s.ev(kStatPool, AA_THREAD_START, {2, kMain, 0xb});
    s.ev(kHelper, AA_THREAD_CREATE, {1, 0xa});
    s.ev(kPool, AA_THREAD_START, {1, kHelper, 0xa});
    auto& o = s.ev(kPool, AA_OPEN, {-100, O_WRONLY, 0}, 3);
    s.path(o, "/work/out.txt");
    o.st = Script::st(10, 0, 5'000);
    write10(s, kPool);
    if (join) {  // twin: the stat thread joins the writer first
      s.ev(kPool, AA_THREAD_EXIT, {1, 0xa});
      s.ev(kStatPool, AA_THREAD_JOIN, {0xa});
    }
    statx(s, kStatPool, 10);
  };
  Script s;
  build(s, false);
  auto f = s.run();
  CHECK(count(f, "premature-completion") == 0);
  CHECK(count(f, "file-race") == 1);
  Script t;
  build(t, true);
  CHECK(count(t.run(), "file-race") == 0);
}

TEST_CASE("common origin: two jobs handed out by one thread are not a file race") {
  Script s;
  s.ev(kMain, AA_THREAD_CREATE, {2, 0xb});
  s.ev(kStatPool, AA_THREAD_START, {2, kMain, 0xb});
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  auto& o = s.ev(kPool, AA_OPEN, {-100, O_WRONLY, 0}, 3);
  s.path(o, "/work/out.txt");
  o.st = Script::st(10, 0, 5'000);
  write10(s, kPool);
  statx(s, kStatPool, 10);
  CHECK(count(s.run(), "file-race") == 0);
}

TEST_CASE("lost write error: the offloaded write fails, the origin's fsync succeeds") {
  Script s;
  prologue(s);
  handoff(s, kMain, kPool, kQ);
  auto& w = s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, -1);
  w.err = EFBIG;
  handoff(s, kMain, kStatPool, kQ2);
  s.ev(kStatPool, AA_FSYNC, {3}, 0);  // sync_all() on another pool thread: Ok
  auto f = s.run();
  CHECK(count(f, "lost-write-error") == 1);

  // Twin: the write succeeds.
  Script t;
  prologue(t);
  handoff(t, kMain, kPool, kQ);
  write10(t, kPool);
  handoff(t, kPool, kMain, kDone);
  handoff(t, kMain, kStatPool, kQ2);
  t.ev(kStatPool, AA_FSYNC, {3}, 0);
  auto g = t.run();
  CHECK(count(g, "lost-write-error") == 0);
  CHECK(count(g, "premature-completion") == 0);
}

TEST_CASE("own writes: a thread writing and then stating its own file is not a finding") {
  Script s;
  auto& o = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3);
  s.path(o, "/work/out.txt");
  o.st = Script::st(10, 0, 5'000);
  write10(s, kMain);
  statx(s, kMain, 10);
  CHECK(s.run().empty());
}

TEST_CASE("stale wording") {
  EvCopy w;
  w.kind = AA_WRITE;
  w.ret = 10;
  Touch wt;
  wt.size_after = 10;
  wt.off = 0;
  wt.len = 10;
  EvCopy b;
  b.kind = AA_STATX;
  b.has_stat = true;
  b.stat_size = 4;
  CHECK(stale_wording(b, w, wt) == "statx saw size 4; the write(10 bytes) made it 10");
  b.stat_size = 10;
  CHECK(stale_wording(b, w, wt) == "");
  EvCopy r;
  r.kind = AA_READ;
  r.a[1] = 4096;
  r.ret = 0;
  CHECK(stale_wording(r, w, wt) == "read returned 0 of 4096 bytes; the write(10 bytes) covered [0, 10)");
  EvCopy x;
  x.kind = AA_EXECVE;
  x.ret = -1;
  x.err = ETXTBSY;
  CHECK(stale_wording(x, w, wt) == "execve failed with ETXTBSY");
}

TEST_CASE("pool thread that takes the next job without a visible wake: ordered by time, same origin") {
  // tokio: the statx job is popped from the queue under an uncontended lock
  // by a pool thread that just finished another job for main: no record.
  Script s;
  prologue(s);
  handoff(s, kMain, kStatPool, kQ2);  // an earlier job of main's for the stat thread
  statx(s, kStatPool, 0);              // ... which ends with a file op
  handoff(s, kMain, kPool, kQ);        // write_all: the write goes to the pool
  statx(s, kStatPool, 0);              // metadata(): popped without a wake, before the write
  write10(s, kPool);
  auto f = s.run();
  CHECK(count(f, "premature-completion", "manifested") == 1);

  // Twin: the stat comes after main learned the write was done.
  Script t;
  prologue(t);
  handoff(t, kMain, kStatPool, kQ2);
  statx(t, kStatPool, 0);
  handoff(t, kMain, kPool, kQ);
  write10(t, kPool);
  handoff(t, kPool, kMain, kDone);
  handoff(t, kMain, kStatPool, kQ2);
  statx(t, kStatPool, 10);
  CHECK(count(t.run(), "premature-completion") == 0);
}

TEST_CASE("lost write error with no acknowledgment at all") {
  Script s;
  prologue(s);
  handoff(s, kMain, kPool, kQ);
  auto& w = s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 4);  // short count: the rest never lands
  (void)w;
  s.ev(kMain, AA_CLOSE_RANGE, {100, 200, 0});  // the origin moves on
  auto f = s.run();
  CHECK(count(f, "lost-write-error") == 1);
}

TEST_CASE("fork: the child's write is handed off by the fork; waitpid acknowledges it") {
  auto build = [](Script& s, bool wait) {
    auto& o = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3);
    s.path(o, "/work/out.txt");
    o.st = Script::st(10, 0, 5'000);
    s.ev(kMain, AA_FORK, {0}, s.procs[1].pid);
    auto& cw = s.ev(s.procs[1].pid, AA_WRITE, {3, 10, -1, 0}, 10, 50'000, 1000, 1);  // the child, slow
    s.ev(s.procs[1].pid, AA_EXIT, {0, 0}, 0, 1000, 1000, 1);
    if (wait) {
      auto& wp = s.ev(kMain, AA_WAITPID, {s.procs[1].pid, 0}, s.procs[1].pid, 100, 1000);
      wp.t_enter = cw.t_enter;  // it blocked until the child was gone
    }
    auto& st = s.ev(kMain, AA_FSTAT, {3}, 0, 1000, wait ? 1000 : 0);
    st.st = Script::st(10, wait ? 10 : 0, 5'000);
    if (!wait) { st.t_enter = cw.t_enter + 100; st.t_exit = st.t_enter + 1000; }
  };
  Script s(2);
  build(s, false);
  auto f = s.run();
  CHECK(count(f, "premature-completion", "manifested") == 1);
  Script t(2);
  build(t, true);
  CHECK(count(t.run(), "premature-completion") == 0);
}
