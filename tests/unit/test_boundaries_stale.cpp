// Await boundaries: releases that cannot have handed a thread its job.
// The shape of CPython's
// test_threading.test_multithread_modify_file_noerror: threads started and
// joined in turn on one file, lock objects recycled at the same address.
#include <doctest/doctest.h>

#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kFirst = 2, kSecond = 3;
constexpr int64_t kOldLock = 0x5000, kRecycled = 0x6000;

// T1 rewrites the file (fstat, write) in a job main handed it; at its end
// it takes a lock main released long before (a stale "wake") and releases
// a lock object at an address the next thread's new lock will reuse.  Main
// joins it and starts T2, which takes that recycled lock and writes.
void sequential_threads(Script& s) {
  auto& o = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3);
  s.path(o, "/work/f.txt");
  o.st = Script::st(10, 0, 5'000);
  s.ev(kMain, AA_SEM_POST, {kOldLock});
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kFirst, AA_THREAD_START, {1, kMain, 0xa});
  auto& st = s.ev(kFirst, AA_FSTAT, {3}, 0);
  st.st = Script::st(10, 0, 5'000);
  s.ev(kFirst, AA_WRITE, {3, 1, -1, 0}, 1);
  s.ev(kFirst, AA_SEM_WAIT, {kOldLock, 0}, 0);
  s.ev(kFirst, AA_SEM_POST, {kRecycled});
  s.ev(kFirst, AA_THREAD_EXIT, {1, 0xa});
  s.ev(kMain, AA_THREAD_JOIN, {0xa});
  s.ev(kMain, AA_THREAD_CREATE, {2, 0xb});
  s.ev(kSecond, AA_THREAD_START, {2, kMain, 0xb});
  s.ev(kSecond, AA_SEM_WAIT, {kRecycled, 1}, 0);
  s.ev(kSecond, AA_WRITE, {3, 1, -1, 0}, 1);
}
}  // namespace

TEST_CASE("a release made before the thread was created never starts its job (nor a peer's forwarded one)") {
  Script s;
  sequential_threads(s);
  auto f = s.run();
  CHECK(count(f, "premature-completion") == 0);
  CHECK(count(f, "file-race") == 0);
}

TEST_CASE("twin: a peer forwards a wake newer than the thread -> still the job's submission") {
  // T2 is idle when main hands a job (sem post), T1 takes the wake and
  // passes it on (tokio's pool threads do), T2 writes; main stats first.
  Script s;
  open_and_start_two(s, kMain, "/work/f.txt", kFirst, kSecond);
  s.ev(kMain, AA_SEM_POST, {kOldLock});
  s.ev(kFirst, AA_SEM_WAIT, {kOldLock, 0}, 0);
  s.ev(kFirst, AA_SEM_POST, {kRecycled});
  s.ev(kSecond, AA_SEM_WAIT, {kRecycled, 0}, 0);
  auto& st = s.ev(kMain, AA_FSTAT, {3}, 0);
  st.st = Script::st(10, 0, 5'000);
  s.ev(kSecond, AA_WRITE, {3, 1, -1, 0}, 1);
  auto f = s.run();
  CHECK(count(f, "premature-completion", "manifested") == 1);
}
