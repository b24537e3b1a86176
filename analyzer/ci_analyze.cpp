// run_analysis prints its report to stdout; the JSON is captured by pointing
// fd 1 at a temporary file for the duration of the call, which needs nothing
// from the analysis beyond its documented --json behaviour.
#include "ci_analyze.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "exit_codes.h"

namespace aa {

nlohmann::json analyze_to_json(AnalyzeOptions opts) {
  opts.json = true;
  opts.color = false;
  opts.json_out.clear();
  opts.sarif_out.clear();
  opts.junit_out.clear();
  opts.html_out.clear();

  char tmpl[] = "/tmp/awaitaudit-ci-json-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) throw ToolError(kExitCantCreate, fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
  std::fflush(stdout);
  std::cout.flush();
  int saved = ::dup(STDOUT_FILENO);
  ::dup2(fd, STDOUT_FILENO);
  ::close(fd);
  auto restore = [&] {
    std::fflush(stdout);
    std::cout.flush();
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
  };
  try {
    run_analysis(opts);
  } catch (...) {
    restore();
    ::unlink(tmpl);
    throw;
  }
  restore();
  std::ifstream in(tmpl);
  nlohmann::json report = nlohmann::json::parse(in, nullptr, false);
  ::unlink(tmpl);
  if (report.is_discarded() || !report.is_object())
    throw ToolError(kExitSoftware, "the analysis did not produce a JSON report");
  return report;
}

}  // namespace aa
