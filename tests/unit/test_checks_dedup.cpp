// Deduplication without stacks: a loop over distinct paths is one finding
// with a file count, not one finding per path; findings that read
// differently (another conflict, another op) stay apart.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "report_text.h"
#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kPool = 2;

// Iteration i: main opens report-i.txt, hands the write to the pool, and
// stats the path while the write is still running (manifested).
void iteration(Script& s, int i, bool close_too) {
  int fd = 10 + i;
  open_and_hand_off(s, kMain, kPool, i, fmt::format("/work/report-{}.txt", i));
  auto& st = s.ev(kMain, AA_STATX, {-100, 0, 0xfff}, 0, 1000);
  s.path(st, fmt::format("/work/report-{}.txt", i));
  st.st = Script::st(100 + i, 0, 5'000 + i);
  auto& wr = s.ev(kPool, AA_WRITE, {fd, 10, -1, 0}, 10, 2000);
  wr.t_enter = st.t_enter + 10;  // entered after the stat: the stat overtook it
  wr.t_exit = st.t_exit + 500;
  if (close_too) s.ev(kMain, AA_CLOSE, {fd}, 0, 100, 5'000);
}
}  // namespace

TEST_CASE("dedup without stacks: one finding for a loop over distinct paths, with a file count") {
  Script s;
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  for (int i = 0; i < 5; ++i) iteration(s, i, false);
  auto f = s.run();
  REQUIRE(f.size() == 1);
  CHECK(f[0].count == 5);
  CHECK(f[0].file_ids.size() == 5);
  CHECK(f[0].confidence == "manifested");

  // Twin: the same loop that also closes its files early gives a second,
  // different finding (last-close), not folded into the stat one.
  Script t;
  t.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  t.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  for (int i = 0; i < 5; ++i) iteration(t, i, true);
  auto g = t.run();
  int stat_findings = 0, close_findings = 0;
  for (auto& x : g) (x.conflict == "stat" ? stat_findings : close_findings) += 1;
  CHECK(stat_findings == 1);
  CHECK(close_findings == 1);
}

TEST_CASE("text report: the first file and how many more") {
  nlohmann::json f = {{"id", "F1"}, {"kind", "premature-completion"}, {"confidence", "manifested"},
                      {"severity", "error"}, {"count", 200}, {"files", 200}, {"file", "/tmp/r-0.txt"},
                      {"rule", "generic"}, {"message", "m"}, {"stale", nullptr}, {"submission", nullptr},
                      {"write", nullptr}, {"overtaker", nullptr}, {"acknowledgment", nullptr},
                      {"evidence", "e"}, {"hint", "h"}};
  nlohmann::json r = {{"notes", nlohmann::json::array()}, {"findings", {f}},
                      {"summary", {{"errors", 1}, {"warnings", 0}, {"notes", 0}, {"suppressed", 0}, {"processes", 1}}}};
  std::string text = render_text(r, TextStyle{});
  CHECK(text.find("file: /tmp/r-0.txt and 199 more files\n") != std::string::npos);
  r["findings"][0]["files"] = 1;
  CHECK(render_text(r, TextStyle{}).find("file: /tmp/r-0.txt\n") != std::string::npos);
}
