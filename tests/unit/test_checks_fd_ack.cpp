// Using an fd acknowledges the open that returned it: tokio's File::create
// runs open(O_CREAT) on a pool thread and the runtime thread later writes,
// stats and closes through the returned fd.  Only the fd's own open is
// acknowledged that way — never the writes made through it.
#include <doctest/doctest.h>

#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kPool = 2, kStatPool = 3;
constexpr int64_t kQ = 0x1000, kQ2 = 0x2000;
constexpr int64_t kWakePriv = 129, kWaitPriv = 128;

void pools(Script& s) {
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  s.ev(kMain, AA_THREAD_CREATE, {2, 0xb});
  s.ev(kStatPool, AA_THREAD_START, {2, kMain, 0xb});
}
void handoff(Script& s, int waker, int worker, int64_t addr) {
  auto& w = s.ev(waker, AA_FUTEX, {addr, kWakePriv, 1}, 1);
  auto& r = s.ev(worker, AA_FUTEX, {addr, kWaitPriv, 0}, 0, 500, 200);
  r.t_enter = w.t_enter - 50'000;
}
// File::create: the pool thread opens, main learns the fd through an atomic.
void create_on_pool(Script& s) {
  handoff(s, kMain, kPool, kQ);
  auto& o = s.ev(kPool, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 7);
  s.path(o, "/work/out.txt");
  o.st = Script::st(10, 0, 5'000);
}
int on_open(const std::vector<RawFinding>& f) {
  int n = 0;
  for (auto& x : f)
    if (x.write.kind == AA_OPEN) n += int(x.count);
  return n;
}
}  // namespace

TEST_CASE("fd use acknowledges its open: main writes, fstats and closes through the returned fd") {
  Script s;
  pools(s);
  create_on_pool(s);
  s.ev(kMain, AA_WRITE, {7, 10, -1, 0}, 10);  // main's own write through the fd
  auto& st = s.ev(kMain, AA_FSTAT, {7}, 0);
  st.st = Script::st(10, 10, 5'000);
  s.ev(kMain, AA_CLOSE, {7}, 0);
  auto f = s.run();
  CHECK(on_open(f) == 0);
  CHECK(count(f, "premature-completion") == 0);

  // Positive twin: main stats the path (no fd use) with nothing ordering it
  // after the pool's open: still a latent suspect.
  Script t;
  pools(t);
  create_on_pool(t);
  auto& sp = t.ev(kMain, AA_STATX, {-100, 0, 0xfff}, 0);
  t.path(sp, "/work/out.txt");
  sp.st = Script::st(10, 0, 5'000);
  auto g = t.run();
  CHECK(on_open(g) == 1);
  CHECK(count(g, "premature-completion", "latent") == 1);
}

TEST_CASE("fd use does not acknowledge writes made through that fd") {
  // write_all: the write goes to the pool; metadata() stats through the fd
  // on another pool thread before the write ran.  The fd use orders the
  // stat after the open only.
  Script s;
  pools(s);
  auto& o = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 7);
  s.path(o, "/work/out.txt");
  o.st = Script::st(10, 0, 5'000);
  handoff(s, kMain, kPool, kQ);
  handoff(s, kMain, kStatPool, kQ2);
  auto& st = s.ev(kStatPool, AA_STATX, {7, 0x1000, 0xfff}, 0);  // AT_EMPTY_PATH on fd 7
  st.st = Script::st(10, 0, 5'000);
  s.ev(kPool, AA_WRITE, {7, 10, -1, 0}, 10, 2000);
  auto f = s.run();
  CHECK(count(f, "premature-completion", "manifested") == 1);
}

TEST_CASE("a use that entered before the open returned proves nothing") {
  // A stale fd number reused by the open: the use cannot have learnt it
  // from the open's result, so no edge.
  Script s;
  pools(s);
  handoff(s, kMain, kPool, kQ);
  auto& o = s.ev(kPool, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 7, 50'000);
  s.path(o, "/work/out.txt");
  o.st = Script::st(10, 0, 5'000);
  auto& c = s.ev(kMain, AA_FSTAT, {7}, 0);  // enters inside the open's call
  c.st = Script::st(10, 0, 5'000);
  auto f = s.run();
  CHECK(on_open(f) == 1);
}
