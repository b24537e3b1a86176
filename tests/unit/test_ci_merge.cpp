// The CI verdict over several runs: manifested anywhere = kept, latent then
// gone under targeted delay = dropped, latent still = unresolved warning.
#include <doctest/doctest.h>

#include "ci_merge.h"

using nlohmann::json;

namespace {

json finding(const std::string& confidence, const std::string& observer_fn, const std::string& file = "/tmp/a") {
  return {{"id", "F1"}, {"kind", "premature-completion"}, {"confidence", confidence},
          {"severity", confidence == "manifested" ? "error" : "warning"}, {"rule", "generic"}, {"file", file},
          {"message", observer_fn},
          {"write", {{"op", "write"}, {"stack", json::array({{{"function", "worker"}, {"file", "p.c"}, {"line", 7}}})}}},
          {"overtaker", {{"op", "stat"}, {"stack", json::array({{{"function", observer_fn}, {"file", "p.c"}, {"line", 9}}})}}}};
}

aa::CiRun run(const std::string& label, aa::RunRole role, std::vector<json> findings) {
  aa::CiRun r;
  r.label = label;
  r.role = role;
  r.report = {{"tool", {{"name", "awaitaudit"}}},
              {"processes", json::array({{{"pid", 1}, {"exe", "/bin/t"}}})},
              {"notes", json::array({{{"level", "warning"}, {"message", "same note every run"}}})},
              {"findings", findings},
              {"summary", {{"suppressed", 1}}}};
  return r;
}

}  // namespace

TEST_CASE("ci merge: verdicts from plain and confirmation runs") {
  std::vector<aa::CiRun> runs = {
      run("plain", aa::RunRole::Plain,
          {finding("latent", "confirmed"), finding("latent", "ordered"), finding("latent", "stays"),
           finding("manifested", "plain_bug")}),
      run("confirm-1", aa::RunRole::Confirm,
          {finding("manifested", "confirmed"), finding("latent", "stays", "/tmp/other-name")}),
  };
  json m = aa::merge_runs(runs);
  std::map<std::string, json> by;
  for (const auto& f : m["findings"]) by[f["message"]] = f;
  REQUIRE(m["findings"].size() == 3);
  CHECK(by["confirmed"]["severity"] == "error");
  CHECK(by["confirmed"]["confidence"] == "manifested");
  CHECK(by["confirmed"]["runs"]["manifested"] == 1);
  CHECK(by["confirmed"]["runs"]["latent"] == 1);
  CHECK(by.count("ordered") == 0);
  // Same code locations, different temporary file name: the same finding.
  CHECK(by["stays"]["severity"] == "warning");
  CHECK(by["stays"]["unresolved"] == true);
  CHECK(by["plain_bug"]["severity"] == "error");
  CHECK(m["ci"]["dropped"] == 1);
  CHECK(m["ci"]["unresolved"] == 1);
  CHECK(m["summary"]["errors"] == 2);
  CHECK(m["summary"]["warnings"] == 1);
  CHECK(m["summary"]["suppressed"] == 1);
  CHECK(m["processes"].size() == 2);
  CHECK(m["notes"].size() == 1);  // said once, not per run
  CHECK(m["findings"][0]["id"] == "F1");
  CHECK(aa::count_failing(m, "error") == 2);
  CHECK(aa::count_failing(m, "warning") == 3);
  CHECK(aa::count_failing(m, "never") == 0);
}

TEST_CASE("ci merge: without a confirmation run latent suspects stay warnings") {
  json m = aa::merge_runs({run("plain", aa::RunRole::Plain, {finding("latent", "x")})});
  REQUIRE(m["findings"].size() == 1);
  CHECK(m["findings"][0]["unresolved"] == true);
  CHECK(m["ci"]["dropped"] == 0);
}

TEST_CASE("ci merge: a suspect first seen in the last confirmation run was never targeted") {
  json m = aa::merge_runs({run("plain", aa::RunRole::Plain, {}),
                           run("confirm-1", aa::RunRole::Confirm, {finding("latent", "late")})});
  REQUIRE(m["findings"].size() == 1);
  CHECK(m["findings"][0]["unresolved"] == true);
}

TEST_CASE("ci merge: new latent keys") {
  json rep = {{"findings", json::array({finding("latent", "a"), finding("latent", "a"), finding("manifested", "b"),
                                        finding("latent", "c")})}};
  auto keys = aa::new_latent_keys(rep, {aa::finding_key(finding("latent", "c"))});
  REQUIRE(keys.size() == 1);
  CHECK(keys[0] == aa::finding_key(finding("latent", "a")));
}
