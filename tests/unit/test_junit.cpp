// JUnit XML output: one testcase per finding, errors as failures, and text
// that would break XML escaped.  Well-formedness is checked by a real XML
// parser in tests/ci (python's xml.etree); here the structure and escaping.
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "../ci/sample_findings.h"
#include "exit_codes.h"
#include "report_junit.h"

namespace {
size_t count_of(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("junit: one testcase per finding, only errors fail") {
  std::string xml = aa::render_junit(ci_sample_findings());
  CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0) == 0);
  CHECK(count_of(xml, "<testcase ") == 3);
  CHECK(count_of(xml, "</testcase>") == 3);
  CHECK(count_of(xml, "<failure ") == 1);
  CHECK(xml.find("tests=\"3\" failures=\"1\"") != std::string::npos);
  CHECK(xml.find("name=\"F1 premature-completion at /proj/src/main.rs:12\"") != std::string::npos);
}

TEST_CASE("junit: markup characters in paths and messages are escaped") {
  std::string xml = aa::render_junit(ci_sample_findings());
  CHECK(xml.find("/tmp/y & <z>.txt") == std::string::npos);
  CHECK(xml.find("/tmp/y &amp; &lt;z&gt;.txt") != std::string::npos);
  CHECK(xml.find("`flush().await`") != std::string::npos);
}

TEST_CASE("junit: no findings is an empty, passing suite") {
  std::string xml = aa::render_junit(nlohmann::json::parse(R"({"findings": []})"));
  CHECK(count_of(xml, "<testcase ") == 0);
  CHECK(xml.find("tests=\"0\" failures=\"0\"") != std::string::npos);
}

TEST_CASE("junit: write_junit writes the file and refuses unwritable paths") {
  std::string path = "/tmp/aa_test_junit_" + std::to_string(::getpid()) + ".xml";
  aa::write_junit(ci_sample_findings(), path);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == aa::render_junit(ci_sample_findings()));
  ::unlink(path.c_str());
  try {
    aa::write_junit(ci_sample_findings(), "/proc/self/no/such/x.xml");
    FAIL("expected ToolError");
  } catch (const aa::ToolError& e) {
    CHECK(e.code == aa::kExitCantCreate);
  }
}
