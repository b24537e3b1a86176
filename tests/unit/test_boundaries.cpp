// Await boundaries: which handoff a job came from when the helper took it
// without a visible wake, and the overtaker's own submission.  Synthetic
// sequences shaped like tokio's pool (one queue condvar, jobs popped under
// an uncontended lock) and CPython's GIL.
#include <doctest/doctest.h>

#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kPool = 2, kStatPool = 3;
constexpr int64_t kQ = 0x1000, kLock = 0x4000, kDone = 0x3000;
constexpr int64_t kWakePriv = 129, kWaitPriv = 128;
// Stack ids stand for the user's call sites.
constexpr uint32_t kCreateSite = 11, kWriteSite = 12, kMetaSite = 13;

void start_pool(Script& s) {
  open_and_start_two(s, kMain, "out.txt", kPool, kStatPool);
}
Event& wake(Script& s, int tid, int64_t addr, uint32_t site = 0) {
  auto& w = s.ev(tid, AA_FUTEX, {addr, kWakePriv, 1}, 1);
  w.stack_id = site;
  return w;
}
void woken(Script& s, int tid, int64_t addr, const Event& by) {
  auto& r = s.ev(tid, AA_FUTEX, {addr, kWaitPriv, 0}, 0, 500, 200);
  r.t_enter = by.t_enter - 50'000;  // it had been waiting
}
void fstat(Script& s, int tid, int64_t size) {
  auto& e = s.ev(tid, AA_FSTAT, {3}, 0, 1000);
  e.st = Script::st(10, size, 5'000);
}
// The pool thread runs a first job (File::create's, here a stat) after a
// visible wake, tells main, and main queues write_all's job: a notify that
// wakes nobody, because the same thread pops it without waiting.
void first_job_then_queue_write(Script& s) {
  start_pool(s);
  woken(s, kPool, kQ, wake(s, kMain, kQ, kCreateSite));
  fstat(s, kPool, 0);
  woken(s, kMain, kDone, wake(s, kPool, kDone));
  wake(s, kMain, kQ, kWriteSite);
}
const RawFinding* manifested(const std::vector<RawFinding>& f) {
  for (auto& x : f)
    if (x.kind == "premature-completion" && x.confidence == "manifested") return &x;
  return nullptr;
}
}  // namespace

TEST_CASE("job popped without a wake: the origin's queue release after the previous op is the submission") {
  Script s;
  first_job_then_queue_write(s);
  woken(s, kStatPool, kQ, wake(s, kMain, kQ, kMetaSite));  // metadata(): statx on another thread
  fstat(s, kStatPool, 0);
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000, 5000);  // delayed: enters after both queue releases
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  REQUIRE(m->submission);
  // The earliest queue release since the previous op, not metadata()'s later one.
  CHECK(m->submission->stack_id == kWriteSite);
  REQUIRE(m->overtaker_submission);
  CHECK(m->overtaker_submission->stack_id == kMetaSite);
}

TEST_CASE("job popped without a wake: no queue release since the previous op -> the job goes on") {
  // The write job was queued while the thread was still busy: nothing was
  // released after its previous op returned, so the submission is inherited.
  Script s;
  start_pool(s);
  woken(s, kPool, kQ, wake(s, kMain, kQ, kCreateSite));
  wake(s, kMain, kQ, kWriteSite);
  fstat(s, kPool, 0);
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  fstat(s, kMain, 0);
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  REQUIRE(m->submission);
  CHECK(m->submission->stack_id == kCreateSite);
}

TEST_CASE("job popped without a wake: a lock the thread shares with the origin never starts a job") {
  // The pool thread both waits on and wakes kLock (a contended mutex): the
  // origin's unlock wake after the previous op is not a job handoff.
  Script s;
  start_pool(s);
  woken(s, kPool, kQ, wake(s, kMain, kQ, kCreateSite));
  woken(s, kPool, kLock, wake(s, kMain, kLock));
  wake(s, kPool, kLock);
  fstat(s, kPool, 0);
  wake(s, kMain, kLock, kWriteSite);
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  fstat(s, kMain, 0);  // main observes the file itself, before the write returned
  auto f = s.run();
  for (auto& x : f)
    if (x.submission) CHECK(x.submission->stack_id == kCreateSite);
}

TEST_CASE("GIL shape with a job popped without a wake: main's GIL drop after the stat is never taken") {
  constexpr int64_t kGilCond = 0x5000, kGilMutex = 0x5100;
  Script s;
  start_pool(s);
  // The worker waited on and signalled the GIL's condvar: a lock to it.
  s.ev(kPool, AA_COND_WAIT, {kGilCond, kGilMutex, 1});
  s.ev(kPool, AA_COND_SIGNAL, {kGilCond});
  woken(s, kPool, kQ, wake(s, kMain, kQ, kWriteSite));  // submit(): queue wake
  fstat(s, kPool, 0);                                     // the job's first file op
  fstat(s, kMain, 0);                                     // getsize() before result()
  auto& drop = s.ev(kMain, AA_COND_SIGNAL, {kGilCond});   // main drops the GIL
  drop.stack_id = kMetaSite;
  auto& g = s.ev(kPool, AA_COND_WAIT, {kGilCond, kGilMutex, 1}, 0, 500, 100);
  g.t_enter -= 20'000;
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  auto f = s.run();
  for (auto& x : f)
    if (x.submission) CHECK(x.submission->stack_id == kWriteSite);
}

TEST_CASE("overtaker_submission: null when the overtaker runs on its own thread") {
  Script s;
  first_job_then_queue_write(s);
  fstat(s, kMain, 0);  // std::fs::read on the runtime thread itself
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  CHECK_FALSE(m->overtaker_submission);
  REQUIRE(m->submission);
  CHECK(m->submission->stack_id == kWriteSite);
}

TEST_CASE("negative twin: the write's completion reaches main before the stat -> no finding") {
  Script s;
  first_job_then_queue_write(s);
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  woken(s, kMain, kDone, wake(s, kPool, kDone));  // flush().await
  woken(s, kStatPool, kQ, wake(s, kMain, kQ, kMetaSite));
  fstat(s, kStatPool, 10);
  auto f = s.run();
  CHECK(count(f, "premature-completion") == 0);
  CHECK(count(f, "file-race") == 0);
}

// FIFO pools (tokio 1.24's blocking pool): the k-th job popped is the k-th
// pushed, whatever wake the popping thread consumed.
namespace {
constexpr int kNew = 4;
// The pool thread has run File::create's job and is idle on kQ; main queues
// write_all's job with a wake and metadata()'s by creating a new thread.
struct TwoPushes {
  Event* wake_w = nullptr;
  Event* create_m = nullptr;
};
TwoPushes queue_write_then_spawn_meta(Script& s) {
  start_pool(s);
  woken(s, kPool, kQ, wake(s, kMain, kQ, kCreateSite));
  fstat(s, kPool, 0);
  woken(s, kMain, kDone, wake(s, kPool, kDone));
  TwoPushes p;
  p.wake_w = &wake(s, kMain, kQ, kWriteSite);
  p.create_m = &s.ev(kMain, AA_THREAD_CREATE, {3, 0xc});
  p.create_m->stack_id = kMetaSite;
  s.ev(kNew, AA_THREAD_START, {3, kMain, 0xc});
  return p;
}
}  // namespace

TEST_CASE("FIFO: the thread created for a job pops the older one; the woken thread gets the newer") {
  // The new thread was ready (started) before the woken one returned from
  // its wait, so it popped write_all's job; its write enters last (delayed),
  // after the woken thread's statx for metadata().
  Script s;
  auto p = queue_write_then_spawn_meta(s);
  woken(s, kPool, kQ, *p.wake_w);
  fstat(s, kPool, 0);
  s.ev(kNew, AA_WRITE, {3, 10, -1, 0}, 10, 2000, 5000);
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  REQUIRE(m->submission);
  CHECK(m->submission->stack_id == kWriteSite);
  REQUIRE(m->overtaker_submission);
  CHECK(m->overtaker_submission->stack_id == kMetaSite);
}

TEST_CASE("FIFO: same pops, the new thread's write shows first (no delay)") {
  Script s;
  auto p = queue_write_then_spawn_meta(s);
  s.ev(kNew, AA_WRITE, {3, 10, -1, 0}, 10, 20'000);  // a slow write: the statx overtakes it
  woken(s, kPool, kQ, *p.wake_w);
  fstat(s, kPool, 0);
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  REQUIRE(m->submission);
  CHECK(m->submission->stack_id == kWriteSite);
  REQUIRE(m->overtaker_submission);
  CHECK(m->overtaker_submission->stack_id == kMetaSite);
}

TEST_CASE("FIFO: two woken threads both acquire the latest wake; the first ready popped the first push") {
  Script s;
  start_pool(s);
  woken(s, kPool, kQ, wake(s, kMain, kQ, kCreateSite));
  fstat(s, kPool, 0);
  woken(s, kMain, kDone, wake(s, kPool, kDone));
  auto& ww = wake(s, kMain, kQ, kWriteSite);
  wake(s, kMain, kQ, kMetaSite);
  // Both threads were asleep on kQ before either wake; kPool returns first.
  auto& a = s.ev(kPool, AA_FUTEX, {kQ, kWaitPriv, 0}, 0, 500, 200);
  a.t_enter = ww.t_enter - 50'000;
  auto& b = s.ev(kStatPool, AA_FUTEX, {kQ, kWaitPriv, 0}, 0, 500, 200);
  b.t_enter = ww.t_enter - 40'000;
  fstat(s, kStatPool, 0);                                    // statx first
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000, 5000);     // the delayed write
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  REQUIRE(m->submission);
  CHECK(m->submission->stack_id == kWriteSite);
  REQUIRE(m->overtaker_submission);
  CHECK(m->overtaker_submission->stack_id == kMetaSite);
}

TEST_CASE("FIFO twin: flush before metadata() -> no finding, with the same pool traffic") {
  Script s;
  auto p = queue_write_then_spawn_meta(s);
  s.ev(kNew, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  woken(s, kMain, kDone, wake(s, kNew, kDone));  // flush().await learns the write is done
  woken(s, kPool, kQ, wake(s, kMain, kQ, kMetaSite));
  fstat(s, kPool, 10);
  (void)p;
  auto f = s.run();
  CHECK(count(f, "premature-completion") == 0);
  CHECK(count(f, "file-race") == 0);
}

TEST_CASE("a wait that acquires a release older than the thread's current job starts no job") {
  // A mutex contended for the first time names its last unlock-wake, long
  // before: taking it would make a write look like main's start-up job.
  constexpr int kWorker = 5;
  constexpr int64_t kPoolMutex = 0x6000;
  constexpr uint32_t kStartup = 21, kWorkerSite = 22;
  Script s;
  start_pool(s);
  wake(s, kMain, kPoolMutex, kStartup);  // start-up: nobody else ever wakes this mutex
  // A runtime worker started by another thread (not a sibling passing wakes on).
  s.ev(kStatPool, AA_THREAD_CREATE, {5, 0xd});
  s.ev(kWorker, AA_THREAD_START, {5, kStatPool, 0xd});
  woken(s, kPool, kQ, wake(s, kWorker, kQ, kCreateSite));
  fstat(s, kPool, 0);
  // The worker queues write_all's job; the pool thread meets the mutex contended.
  woken(s, kPool, kQ, wake(s, kWorker, kQ, kWorkerSite));
  auto& mw = s.ev(kPool, AA_FUTEX, {kPoolMutex, kWaitPriv, 0}, 0, 500, 200);
  (void)mw;
  s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, 2000);
  fstat(s, kWorker, 0);
  auto f = s.run();
  const RawFinding* m = manifested(f);
  REQUIRE(m);
  REQUIRE(m->submission);
  CHECK(m->submission->stack_id == kWorkerSite);
}

TEST_CASE("a lock handed over before a new thread's first job is not that job's submission") {
  // The thread's first record is a wait on the pool mutex, contended for
  // the first time, woken by main's unlock (inside metadata()'s
  // spawn_blocking); it then unlocks the mutex itself: a lock, not a queue.
  Script s;
  start_pool(s);
  auto& c = s.ev(kMain, AA_THREAD_CREATE, {3, 0xc});
  c.stack_id = kCreateSite;
  s.ev(kNew, AA_THREAD_START, {3, kMain, 0xc});
  wake(s, kMain, kQ, kWriteSite);
  woken(s, kNew, kLock, wake(s, kMain, kLock, kMetaSite));
  wake(s, kNew, kLock);
  s.ev(kNew, AA_WRITE, {3, 10, -1, 0}, 10, 20'000);
  fstat(s, kMain, 0);
  auto f = s.run();
  REQUIRE(manifested(f));
  for (auto& x : f)
    if (x.submission) CHECK(x.submission->stack_id != kMetaSite);
}
