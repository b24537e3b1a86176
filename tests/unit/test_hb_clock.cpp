// Vector clocks: edges, transitivity, recycling, and speed with many
// short-lived threads.
#include <doctest/doctest.h>

#include <chrono>

#include "hb_clock.h"

using namespace aa;

namespace {
Event ev() { return Event{}; }
SyncKey obj(uint64_t v) { return {kSyncAddr, 0, v}; }
}  // namespace

TEST_CASE("release/acquire orders; no edge, no order") {
  HappensBefore hb;
  uint32_t a = hb.thread(0, 1), b = hb.thread(0, 2), c = hb.thread(0, 3);
  Epoch before = hb.now(a);
  hb.release(a, obj(1), ev());
  Epoch after = hb.now(a);
  CHECK_FALSE(hb.knows(b, before));
  hb.acquire(b, obj(1));
  CHECK(hb.knows(b, before));
  CHECK_FALSE(hb.knows(b, after));  // later events of a are not known
  // transitive: b -> c
  hb.release(b, obj(2), ev());
  hb.acquire(c, obj(2));
  CHECK(hb.knows(c, before));
  ClockSnap snap = hb.snapshot(c);
  hb.release(a, obj(1), ev());
  hb.acquire(c, obj(1));
  CHECK(hb.knows(c, after));
  CHECK_FALSE(snap.knows(after));  // snapshots do not move
}

TEST_CASE("a recycled index never makes the new thread's events look known") {
  HappensBefore hb;
  uint32_t main = hb.thread(0, 1);
  uint32_t t = hb.thread(0, 2);
  hb.release(t, obj(9), ev());
  hb.acquire(main, obj(9));  // main knows t's early events
  hb.exited(t);
  uint32_t n = hb.thread(0, 3);
  CHECK(n == t);  // index reused
  CHECK_FALSE(hb.knows(main, hb.now(n)));
}

TEST_CASE("thousands of short-lived threads stay fast and narrow") {
  HappensBefore hb;
  uint32_t main = hb.thread(0, 1);
  auto t0 = std::chrono::steady_clock::now();
  constexpr int kThreads = 20000;
  for (int i = 0; i < kThreads; ++i) {
    hb.release(main, {kSyncSpawn, 0, uint64_t(i)}, ev());
    uint32_t t = hb.thread(0, 100 + i);
    hb.acquire(t, {kSyncSpawn, 0, uint64_t(i)});
    for (int k = 0; k < 10; ++k) {
      hb.release(t, obj(0x100), ev());
      hb.acquire(main, obj(0x100));
    }
    hb.release(t, {kSyncExit, 0, uint64_t(i)}, ev());
    hb.exited(t);
    hb.acquire(main, {kSyncExit, 0, uint64_t(i)});
    hb.forget({kSyncSpawn, 0, uint64_t(i)});
    hb.forget({kSyncExit, 0, uint64_t(i)});
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE(kThreads << " threads, " << kThreads * 24 << " sync ops in " << s << " s; live indices "
                   << hb.live_indices());
  CHECK(hb.live_indices() <= 2);
  CHECK(s < 2.0);
}

TEST_CASE("snapshots do not move, narrow (inline copy) or wide (shared vector)") {
  for (int n : {4, 40}) {
    HappensBefore hb;
    std::vector<uint32_t> t;
    for (int i = 0; i < n; ++i) t.push_back(hb.thread(0, 100 + i));
    for (int i = 1; i < n; ++i) {  // a chain: each thread learns the previous ones
      hb.release(t[i - 1], obj(1000 + i), ev());
      hb.acquire(t[i], obj(1000 + i));
    }
    Epoch first = hb.now(t[0]);
    ClockSnap snap = hb.snapshot(t[n - 1]);
    CHECK(snap.knows(Epoch{t[0], first.e - 1}));  // the chain's start
    CHECK_FALSE(snap.knows(first));
    hb.release(t[0], obj(1), ev());
    hb.acquire(t[n - 1], obj(1));
    CHECK(hb.knows(t[n - 1], first));
    CHECK_FALSE(snap.knows(first));
    CHECK(snap.knows(Epoch{t[n - 1], snap.self_epoch}));
  }
}
