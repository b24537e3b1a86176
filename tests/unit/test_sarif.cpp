// SARIF 2.1.0 output: every property the 2.1.0 schema requires, checked
// explicitly on a hand-made report, plus what code-scanning UIs need (a
// physical location at the user's line, the stacks as code flows).
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "../ci/sample_findings.h"
#include "exit_codes.h"
#include "report_sarif.h"

using nlohmann::json;

namespace {

bool is_level(const json& v) {
  return v.is_string() && (v == "none" || v == "note" || v == "warning" || v == "error");
}

// message object: the schema requires "text" or "id".
void check_message(const json& m) {
  REQUIRE(m.is_object());
  bool has_text = m.contains("text") && m["text"].is_string();
  bool has_id = m.contains("id") && m["id"].is_string();
  CHECK((has_text || has_id));
}

// physicalLocation: the schema requires "address" or "artifactLocation".
void check_location(const json& loc) {
  REQUIRE(loc.is_object());
  if (loc.contains("message")) check_message(loc["message"]);
  if (loc.contains("id")) {
    REQUIRE(loc["id"].is_number_integer());
    CHECK(loc["id"].get<int>() >= -1);
  }
  if (!loc.contains("physicalLocation")) return;
  const json& p = loc["physicalLocation"];
  CHECK((p.contains("artifactLocation") || p.contains("address")));
  if (p.contains("artifactLocation")) {
    CHECK(p["artifactLocation"]["uri"].is_string());
    CHECK(!p["artifactLocation"]["uri"].get<std::string>().empty());
  }
  if (p.contains("region")) {
    REQUIRE(p["region"]["startLine"].is_number_integer());
    CHECK(p["region"]["startLine"].get<int>() >= 1);
  }
  if (loc.contains("logicalLocations"))
    for (const auto& l : loc["logicalLocations"]) CHECK(l.is_object());
}

void check_required(const json& log) {
  REQUIRE(log.is_object());
  CHECK(log["version"] == "2.1.0");
  REQUIRE(log["runs"].is_array());
  for (const auto& run : log["runs"]) {
    REQUIRE(run["tool"]["driver"].is_object());
    CHECK(run["tool"]["driver"]["name"].is_string());
    const json& rules = run["tool"]["driver"].value("rules", json::array());
    for (const auto& r : rules) {
      CHECK(r["id"].is_string());
      for (const char* k : {"shortDescription", "fullDescription", "help"})
        if (r.contains(k)) CHECK(r[k]["text"].is_string());  // multiformatMessageString requires text
      if (r.contains("defaultConfiguration")) CHECK(is_level(r["defaultConfiguration"]["level"]));
    }
    for (const auto& inv : run.value("invocations", json::array())) {
      CHECK(inv["executionSuccessful"].is_boolean());
      for (const auto& n : inv.value("toolExecutionNotifications", json::array())) {
        check_message(n["message"]);
        CHECK(is_level(n["level"]));
      }
    }
    if (run.contains("originalUriBaseIds"))
      for (auto& [k, v] : run["originalUriBaseIds"].items()) CHECK(v["uri"].get<std::string>().back() == '/');
    REQUIRE(run["results"].is_array());
    for (const auto& res : run["results"]) {
      check_message(res["message"]);
      CHECK(is_level(res["level"]));
      REQUIRE(res["ruleIndex"].is_number_integer());
      CHECK(rules.at(res["ruleIndex"].get<size_t>())["id"] == res["ruleId"]);
      for (const auto& l : res.value("locations", json::array())) check_location(l);
      for (const auto& l : res.value("relatedLocations", json::array())) check_location(l);
      for (const auto& cf : res.value("codeFlows", json::array())) {
        REQUIRE(cf["threadFlows"].is_array());
        CHECK(!cf["threadFlows"].empty());  // minItems 1
        for (const auto& tf : cf["threadFlows"]) {
          REQUIRE(tf["locations"].is_array());
          CHECK(!tf["locations"].empty());  // minItems 1
          for (const auto& tfl : tf["locations"])
            if (tfl.contains("location")) check_location(tfl["location"]);
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("sarif: every required 2.1.0 property is present") {
  json log = aa::render_sarif(ci_sample_findings(), "/proj");
  check_required(log);
  CHECK(log["runs"][0]["results"].size() == 3);
  // One rule per (kind, rule) pair: F1 and F2 share the kind but not the rule.
  CHECK(log["runs"][0]["tool"]["driver"]["rules"].size() == 3);
}

TEST_CASE("sarif: the primary location is the first user frame, relative to the source root") {
  json res = aa::render_sarif(ci_sample_findings(), "/proj")["runs"][0]["results"][0];
  const json& phys = res["locations"][0]["physicalLocation"];
  CHECK(phys["artifactLocation"]["uri"] == "src/main.rs");
  CHECK(phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%");
  CHECK(phys["region"]["startLine"] == 12);
  CHECK(res["level"] == "error");
  CHECK(res["ruleId"] == "premature-completion/tokio-file-write");
  CHECK(res["message"]["text"].get<std::string>().find("saw size 0") != std::string::npos);
}

TEST_CASE("sarif: the stacks are thread flows in the order things happened, and related locations") {
  json res = aa::render_sarif(ci_sample_findings(), "/proj")["runs"][0]["results"][0];
  const json& flows = res["codeFlows"][0]["threadFlows"];
  REQUIRE(flows.size() == 3);
  CHECK(flows[0]["id"] == "submission tid 100");
  CHECK(flows[1]["id"] == "write tid 101");
  CHECK(flows[2]["id"] == "overtaker tid 102");
  CHECK(flows[1]["locations"].size() == 2);
  // A frame outside the source root keeps an absolute file URI.
  CHECK(flows[1]["locations"][1]["location"]["physicalLocation"]["artifactLocation"]["uri"] ==
        "file:///usr/share/cargo/registry/tokio-1.24.2/src/fs/file.rs");
  CHECK(flows[2]["locations"][1]["importance"] == "important");
  // Related: submission (user line 11), write (tokio line 612), overtaker (user line 12).
  REQUIRE(res["relatedLocations"].size() == 3);
  CHECK(res["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 11);
  CHECK(res["relatedLocations"][1]["physicalLocation"]["region"]["startLine"] == 612);
}

TEST_CASE("sarif: a finding without source lines still has a physical location") {
  json results = aa::render_sarif(ci_sample_findings(), "/proj")["runs"][0]["results"];
  // F2: only an unsymbolized frame in /opt/pool: the data file is the location.
  CHECK(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "file:///tmp/y%20&%20%3Cz%3E.txt");
  CHECK(results[1]["level"] == "warning");
  // F3: no events at all.
  CHECK(results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///tmp/w.txt");
  CHECK(!results[2].contains("codeFlows"));
}

TEST_CASE("sarif: notes become tool execution notifications") {
  json inv = aa::render_sarif(ci_sample_findings(), "/proj")["runs"][0]["invocations"][0];
  REQUIRE(inv["toolExecutionNotifications"].size() == 1);
  CHECK(inv["toolExecutionNotifications"][0]["message"]["text"] ==
        "pid 100: io_uring_setup called: its I/O is invisible");
}

TEST_CASE("sarif: an empty report is a valid log with no results") {
  json log = aa::render_sarif(json::parse(R"({"findings": [], "notes": []})"), "/proj");
  check_required(log);
  CHECK(log["runs"][0]["results"].empty());
}

TEST_CASE("sarif: write_sarif writes parseable JSON and refuses unwritable paths") {
  std::string path = "/tmp/aa_test_sarif_" + std::to_string(::getpid()) + ".sarif";
  aa::write_sarif(ci_sample_findings(), path);
  std::ifstream in(path);
  json back = json::parse(in);
  CHECK(back["version"] == "2.1.0");
  ::unlink(path.c_str());
  try {
    aa::write_sarif(ci_sample_findings(), "/nonexistent-dir/x.sarif");
    FAIL("expected ToolError");
  } catch (const aa::ToolError& e) {
    CHECK(e.code == aa::kExitCantCreate);
    CHECK(std::string(e.what()).find("/nonexistent-dir/x.sarif") != std::string::npos);
  }
}
