// `awaitaudit report --html OUT.html LOG|DIR...`: the analysis with the HTML
// report as its point; `--from-json findings.json` renders a saved report
// (from `analyze --json`) without the logs.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "analyze_entry.h"
#include "analyze_options_cli.h"
#include "command.h"
#include "exit_codes.h"
#include "report_html.h"

namespace aa {
namespace {

nlohmann::json load_findings(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ToolError(kExitNoInput, fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("findings"))
    throw ToolError(kExitDataErr, fmt::format("{}: not a findings JSON report (docs/findings-schema.md)", path));
  return j;
}

// Same meaning as --fail-on in `analyze`, read from the saved summary.
int exit_for_saved(const nlohmann::json& j, const std::string& fail_on) {
  auto count = [&](const char* k) {
    auto s = j.find("summary");
    if (s == j.end() || !s->is_object()) return 0LL;
    auto it = s->find(k);
    return it != s->end() && it->is_number() ? it->get<long long>() : 0LL;
  };
  long long n = 0;
  if (fail_on == "never") return kExitClean;
  n += count("errors");
  if (fail_on == "warning" || fail_on == "note") n += count("warnings");
  if (fail_on == "note") n += count("notes");
  return n > 0 ? kExitFindings : kExitClean;
}

void setup_report(CLI::App& sub, int& exit_code) {
  static AnalyzeOptions opts;
  static std::string from_json;
  add_analyze_options(sub, opts);
  sub.add_option("--from-json", from_json, "render a saved findings JSON report instead of analysing logs");
  sub.add_option("logs", opts.inputs, "log files (*.aalog) or directories holding them");
  sub.callback([&exit_code] {
    if (opts.html_out.empty()) throw ToolError(kExitUsage, "report needs --html OUT.html");
    if (!from_json.empty()) {
      if (!opts.inputs.empty()) throw ToolError(kExitUsage, "give either --from-json or logs, not both");
      nlohmann::json j = load_findings(from_json);
      write_html(j, opts.html_out);
      exit_code = exit_for_saved(j, opts.fail_on);
      return;
    }
    if (opts.inputs.empty()) throw ToolError(kExitUsage, "report needs logs (LOG|DIR...) or --from-json FILE");
    finish_analyze_options(opts);
    exit_code = run_analysis(opts);  // writes opts.html_out through write_html
  });
}
}  // namespace
AA_COMMAND("report", "write the self-contained HTML report (timeline per finding) of logs or a saved JSON report",
           setup_report);
}  // namespace aa
