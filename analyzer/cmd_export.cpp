// `awaitaudit export --perfetto OUT.json LOG|DIR...`: the whole run as a
// Chrome/Perfetto trace.  Findings become instant events: from --findings
// FILE (a saved `analyze --json`), or by running the analysis here.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "analyze_entry.h"
#include "command.h"
#include "exit_codes.h"
#include "export_perfetto.h"
#include "log_reader.h"

namespace aa {
namespace {

struct ExportOptions {
  std::vector<std::string> inputs;
  std::string perfetto_out;
  std::string findings_in;
  bool no_findings = false;
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ToolError(kExitNoInput, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("findings"))
    throw ToolError(kExitDataErr, fmt::format("{}: not a findings JSON report (docs/findings-schema.md)", path));
  return j;
}

// run_analysis reports to stdout; here only its JSON file is wanted, so
// stdout is pointed at /dev/null for the call (the trace may go to stdout).
nlohmann::json analyse_quietly(const std::vector<std::string>& inputs) {
  char tmpl[] = "/tmp/awaitaudit-export-XXXXXX";
  int tfd = mkstemp(tmpl);
  if (tfd < 0) throw ToolError(kExitCantCreate, fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
  close(tfd);
  AnalyzeOptions o;
  o.inputs = inputs;
  o.json_out = tmpl;
  o.fail_on = "never";
  std::fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (saved >= 0 && devnull >= 0) dup2(devnull, STDOUT_FILENO);
  auto restore = [&] {
    std::fflush(stdout);
    if (saved >= 0) dup2(saved, STDOUT_FILENO), close(saved);
    if (devnull >= 0) close(devnull);
  };
  try {
    run_analysis(o);
  } catch (...) {
    restore();
    unlink(tmpl);
    throw;
  }
  restore();
  nlohmann::json j;
  std::ifstream in(tmpl, std::ios::binary);
  if (in) j = nlohmann::json::parse(in, nullptr, false);
  unlink(tmpl);
  if (j.is_discarded() || !j.is_object()) return nlohmann::json::object();  // analysis wrote nothing: no instants
  return j;
}

void setup_export(CLI::App& sub, int& exit_code) {
  static ExportOptions o;
  sub.add_option("--perfetto", o.perfetto_out, "write the Chrome trace event JSON to FILE ('-' for stdout)")->required();
  sub.add_option("--findings", o.findings_in, "take findings from a saved `analyze --json` report instead of analysing");
  sub.add_flag("--no-findings", o.no_findings, "do not run the analysis; calls and handoffs only");
  sub.add_option("logs", o.inputs, "log files (*.aalog) or directories holding them")->required();
  sub.callback([&exit_code] {
    LogSet logs = LogSet::open(o.inputs);
    nlohmann::json findings;
    if (!o.findings_in.empty()) findings = read_json(o.findings_in);
    else if (!o.no_findings) findings = analyse_quietly(o.inputs);
    PerfettoStats s = export_perfetto(logs, findings.is_object() ? &findings : nullptr, o.perfetto_out);
    std::fprintf(stderr, "awaitaudit: trace: %llu threads, %llu slices, %llu flows, %llu findings -> %s\n",
                 static_cast<unsigned long long>(s.threads), static_cast<unsigned long long>(s.slices),
                 static_cast<unsigned long long>(s.flows), static_cast<unsigned long long>(s.findings),
                 o.perfetto_out.c_str());
    exit_code = kExitClean;
  });
}
}  // namespace
AA_COMMAND("export", "export the run as a Chrome/Perfetto trace (slices per thread, handoff flows, findings)",
           setup_export);
}  // namespace aa
