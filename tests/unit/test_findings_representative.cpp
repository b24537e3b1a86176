// Which occurrence a deduplicated finding shows (findings_representative.h):
// occurrences that named different submissions stay apart in the checker,
// and the report shows the one consistent with the runtime profile and
// with itself, then the one most occurrences named — not simply the first,
// which on a real pool is often a start-up pop the log could not order.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "findings_representative.h"
#include "markers.h"
#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kPool = 2;
constexpr int64_t kWakePriv = 129, kWaitPriv = 128, kDone = 0x3000;
// Stack ids stand for call sites: the pool's write closure, main's stat,
// and the user lines whose handoffs started the jobs.
constexpr uint32_t kPoolWrite = 21, kStatSite = 22, kCreateSite = 11, kWriteSite = 12;

// Iteration i: main opens file i itself, queues the write with a wake made
// at `site`, and (positive) stats the file while the pool's write is still
// running; the twin first waits for the pool's completion wake.
void iteration(Script& s, int i, uint32_t site, bool twin) {
  int fd = 10 + i;
  open_and_hand_off(s, kMain, kPool, i, fmt::format("/work/out-{}.txt", i), site);
  if (twin) {
    auto& wr = s.ev(kPool, AA_WRITE, {fd, 10, -1, 0}, 10, 2000);
    wr.stack_id = kPoolWrite;
    auto& done = s.ev(kPool, AA_FUTEX, {kDone, kWakePriv, 1}, 1);
    auto& ack = s.ev(kMain, AA_FUTEX, {kDone, kWaitPriv, 0}, 0, 500, 200);
    ack.t_enter = done.t_enter - 1'000;
  }
  auto& st = s.ev(kMain, AA_STATX, {-100, 0, 0xfff}, 0, 1000);
  s.path(st, fmt::format("/work/out-{}.txt", i));
  st.st = Script::st(100 + i, twin ? 10 : 0, 5'000 + i);
  st.stack_id = kStatSite;
  if (!twin) {
    auto& wr = s.ev(kPool, AA_WRITE, {fd, 10, -1, 0}, 10, 2000);
    wr.stack_id = kPoolWrite;
    wr.t_enter = st.t_enter + 10;  // the stat overtook it
    wr.t_exit = st.t_exit + 500;
  }
}

// A loop whose first job was matched to the wrong handoff (File::create's
// site), the rest to write_all's.
std::vector<RawFinding> loop(bool twin) {
  Script s;
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  for (int i = 0; i < 4; ++i) iteration(s, i, i == 0 ? kCreateSite : kWriteSite, twin);
  return s.run();
}
auto no_api = [](const RawFinding&) { return ApiFit{}; };
}  // namespace

TEST_CASE("alternatives: occurrences naming different submissions stay apart, in one group") {
  auto raw = loop(false);
  REQUIRE(raw.size() == 2);
  CHECK(raw[0].group == raw[1].group);
  REQUIRE(raw[0].submission);
  CHECK(raw[0].submission->stack_id == kCreateSite);  // the first occurrence
  CHECK(raw[0].count == 1);
  CHECK(raw[1].count == 3);
  CHECK(raw[0].sure_count + raw[1].sure_count == 4);
}

TEST_CASE("representative: the submission most occurrences named, with the whole count and files") {
  auto shown = choose_representatives(loop(false), no_api);
  REQUIRE(shown.size() == 1);
  REQUIRE(shown[0].submission);
  CHECK(shown[0].submission->stack_id == kWriteSite);
  CHECK(shown[0].count == 4);
  CHECK(shown[0].file_ids.size() == 4);
  CHECK(shown[0].confidence == "manifested");
}

TEST_CASE("representative: a submission through the profile's API beats a more frequent one") {
  // Say only File::create's site passes through the submitting API: it is
  // shown although one occurrence named it against three.
  auto shown = choose_representatives(loop(false), [](const RawFinding& f) {
    return ApiFit{f.submission && f.submission->stack_id == kCreateSite, false};
  });
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].submission->stack_id == kCreateSite);
  CHECK(shown[0].count == 4);
}

TEST_CASE("representative: the write's and the overtaker's job cannot be one handoff") {
  // Two alternatives of one finding: the more frequent names the same
  // handoff for both jobs (impossible: a handoff starts one job).
  RawFinding a, b;
  EvCopy h{}, other{};
  h.tid = 1, h.t_enter = 100, h.kind = AA_FUTEX, h.stack_id = kWriteSite;
  other.tid = 1, other.t_enter = 200, other.kind = AA_FUTEX, other.stack_id = kCreateSite;
  for (RawFinding* f : {&a, &b}) {
    f->kind = "premature-completion";
    f->group = 7;
    f->submission = h;
  }
  a.overtaker_submission = h;
  a.count = a.sure_count = 5;
  b.overtaker_submission = other;
  b.count = b.sure_count = 2;
  auto shown = choose_representatives({a, b}, no_api);
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].overtaker_submission->stack_id == kCreateSite);
  CHECK(shown[0].count == 7);
}

TEST_CASE("representative: a stat's job handed out by the write API is the wrong one, even if more frequent") {
  RawFinding a, b;
  EvCopy w{}, create{}, meta{}, stat{};
  w.tid = 1, w.t_enter = 100, w.kind = AA_FUTEX, w.stack_id = kWriteSite;
  create.tid = 1, create.t_enter = 50, create.kind = AA_FUTEX, create.stack_id = kCreateSite;
  meta.tid = 1, meta.t_enter = 150, meta.kind = AA_FUTEX, meta.stack_id = 13;
  stat.kind = AA_STATX;
  for (RawFinding* f : {&a, &b}) {
    f->kind = "premature-completion";
    f->group = 3;
    f->submission = w;
    f->overtaker = stat;
  }
  a.overtaker_submission = create;  // say File::create went through the write API: it must still lose
  a.count = 9;
  b.overtaker_submission = meta;
  b.count = 4;
  auto through_write_api = [](const RawFinding& f) {
    return ApiFit{true, f.overtaker_submission && f.overtaker_submission->stack_id == kCreateSite};
  };
  auto shown = choose_representatives({a, b}, through_write_api);
  REQUIRE(shown.size() == 1);
  CHECK(shown[0].overtaker_submission->stack_id == 13);
  CHECK(shown[0].count == 13);
  // An overtaking write may well be the write API's job: no preference then.
  a.overtaker->kind = b.overtaker->kind = AA_WRITE;
  shown = choose_representatives({a, b}, through_write_api);
  CHECK(shown[0].overtaker_submission->stack_id == kCreateSite);
}

TEST_CASE("representative: findings of their own and other groups pass through in order") {
  RawFinding lost, x, y;
  lost.kind = "lost-write-error";  // no group
  x.kind = y.kind = "premature-completion";
  x.group = 1;
  y.group = 2;
  x.conflict = "stat";
  y.conflict = "read";
  auto shown = choose_representatives({x, lost, y}, no_api);
  REQUIRE(shown.size() == 3);
  CHECK(shown[0].conflict == "stat");
  CHECK(shown[1].kind == "lost-write-error");
  CHECK(shown[2].conflict == "read");
}

TEST_CASE("twin: the same loop waiting for the pool's completion -> no finding, whatever it was handed") {
  auto raw = loop(true);
  CHECK(count(raw, "premature-completion") == 0);
  CHECK(count(raw, "file-race") == 0);
  CHECK(choose_representatives(std::move(raw), no_api).empty());
}

TEST_CASE("adapter markers: a finding's alternatives go together when the markers judged one of them") {
  // The adapter marked a write request on /work/a.txt; the pool's write is
  // its effect, so the markers judge it.  Another alternative of the same
  // finding (whose shown write, on b.txt, no marker names) goes with it; a
  // finding of another group stays.
  Script s;
  auto& o = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3);
  s.path(o, "/work/a.txt");
  auto& m = s.ev(kMain, AA_MARKER, {});
  s.path(m, R"({"t":"request","op":"write","id":1,"path":"/work/a.txt"})");
  auto& w = s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10);
  auto& ob = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 4);
  s.path(ob, "/work/b.txt");  // no request names it: its writes are no effects
  auto& other = s.ev(kPool, AA_WRITE, {4, 10, -1, 0}, 10);
  auto& third = s.ev(kPool, AA_WRITE, {4, 10, -1, 0}, 10);
  MarkerAnalysis marks(s.procs);
  for (auto& e : s.events) marks.feed(e);
  RawFinding judged, sibling, stranger;
  judged.kind = sibling.kind = stranger.kind = "premature-completion";
  judged.write = EvCopy::of(w);
  sibling.write = EvCopy::of(other);
  stranger.write = EvCopy::of(third);
  judged.group = sibling.group = 4;
  stranger.group = 5;
  auto out = marks.refine({sibling, judged, stranger});
  int group4 = 0, group5 = 0;
  for (auto& f : out) (f.group == 4 ? group4 : f.group == 5 ? group5 : group4) += f.kind == "premature-completion";
  CHECK(group4 == 0);
  CHECK(group5 == 1);
}
