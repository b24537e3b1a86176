// Finding messages: every placeholder filled, in one pass; latent findings
// do not claim an overtaking that did not happen.
#include <doctest/doctest.h>

#include "check_wording.h"
#include "test_checks_synth.h"

using namespace aa;
using namespace aa::synth;

namespace {
constexpr int kMain = 1, kPool = 2;
constexpr int64_t kWakePriv = 129, kWaitPriv = 128;

// main hands a write to the pool, then stats `path`; `late`: after the write returned.
std::vector<RawFinding> scenario(const std::string& path, bool late) {
  Script s;
  auto& o = s.ev(kMain, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, 3);
  s.path(o, path);
  o.st = Script::st(10, 0, 5'000);
  s.ev(kMain, AA_THREAD_CREATE, {1, 0xa});
  s.ev(kPool, AA_THREAD_START, {1, kMain, 0xa});
  auto& w = s.ev(kMain, AA_FUTEX, {0x1000, kWakePriv, 1}, 1);
  auto& r = s.ev(kPool, AA_FUTEX, {0x1000, kWaitPriv, 0}, 0, 500, 200);
  r.t_enter = w.t_enter - 50'000;
  auto& wr = s.ev(kPool, AA_WRITE, {3, 10, -1, 0}, 10, late ? 1000 : 50'000);
  auto& st = s.ev(kMain, AA_STATX, {-100, 0, 0xfff}, 0, 1000, late ? 5'000 : 1'000);
  s.path(st, path);
  st.st = Script::st(10, late ? 10 : 0, 5'000);
  (void)wr;
  return s.run();
}
}  // namespace

TEST_CASE("latent wording: no unfilled placeholder, no 'overtook'") {
  auto f = scenario("/work/out.txt", true);
  REQUIRE(f.size() == 1);
  CHECK(f[0].confidence == "latent");
  CHECK(f[0].message.find('{') == std::string::npos);
  CHECK(f[0].message.find("overtook") == std::string::npos);
  CHECK(f[0].message ==
        "statx on /work/out.txt came after write(10 bytes) handed to tid 2 returned, but nothing visible ordered it "
        "after that return (latent: the write happened to finish first)");

  // Twin: the manifested one keeps the rule's wording.
  auto g = scenario("/work/out.txt", false);
  REQUIRE(g.size() == 1);
  CHECK(g[0].confidence == "manifested");
  CHECK(g[0].message == "statx on /work/out.txt overtook write(10 bytes) handed to tid 2");
}

TEST_CASE("wording fills in one pass: a path containing a placeholder stays as written") {
  auto f = scenario("/work/{tid}{write}.txt", false);
  REQUIRE(f.size() == 1);
  CHECK(f[0].message == "statx on /work/{tid}{write}.txt overtook write(10 bytes) handed to tid 2");
}

TEST_CASE("every shipped conflict wording is fully filled, latent and manifested") {
  RuleSet rs = RuleSet::load_from(AA_SOURCE_RULES_DIR);
  REQUIRE(!rs.conflicts.empty());
  for (const auto& c : rs.conflicts)
    for (bool manifested : {true, false}) {
      RawFinding f;
      f.kind = "premature-completion";
      f.path = "/p";
      f.wording = c.wording;
      f.origin_tid = 1;
      EvCopy b, w;
      b.kind = c.kinds.front();
      w.kind = AA_WRITE;
      w.ret = 3;
      std::string m = finding_message(f, b, w, Touch{}, manifested);
      CHECK_MESSAGE(m.find('{') == std::string::npos, c.name << ": " << m);
    }
}
