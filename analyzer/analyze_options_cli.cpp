#include "analyze_options_cli.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace aa {
namespace {
// --color is parsed into a string and turned into AnalyzeOptions::color later:
// whether stdout is a tty is only known once the command actually runs.
std::string& color_choice() {
  static std::string choice = "auto";
  return choice;
}
}  // namespace

void add_analyze_options(CLI::App& app, AnalyzeOptions& o) {
  app.add_flag("--json", o.json, "print the findings as JSON (docs/findings-schema.md) instead of text");
  app.add_option("--fail-on", o.fail_on, "exit 1 when findings at or above this level exist")
      ->check(CLI::IsMember({"error", "warning", "note", "never"}))
      ->default_str("error");
  app.add_option("--rules", o.rule_files, "extra rule file (TOML); repeatable")
      ->allow_extra_args(false);
  app.add_option("--suppressions", o.suppressions,
                 "suppression file; repeatable (also AWAITAUDIT_SUPPRESSIONS, colon-separated)")
      ->allow_extra_args(false);
  app.add_flag_callback("--no-latent", [&o] { o.show_latent = false; },
                        "hide latent suspects (writes that finished first with no visible ordering)");
  app.add_flag_callback("--no-stacks", [&o] { o.stacks = false; }, "omit stacks from the text report");
  app.add_option("--json-out", o.json_out, "also write the JSON report to FILE");
  app.add_option("--sarif", o.sarif_out, "also write a SARIF 2.1.0 report to FILE");
  app.add_option("--junit", o.junit_out, "also write a JUnit XML report to FILE");
  app.add_option("--html", o.html_out, "also write a self-contained HTML report to FILE");
  app.add_option("--delay-sites-out", o.delay_sites_out,
                 "write the call sites of suspect writes to FILE (for targeted perturbation)");
  app.add_option("--color", color_choice(), "colour the text report")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->default_str("auto");
}

void finish_analyze_options(AnalyzeOptions& o) {
  const std::string& c = color_choice();
  o.color = c == "always" || (c == "auto" && isatty(STDOUT_FILENO) && !o.json);
  if (const char* env = std::getenv("AWAITAUDIT_SUPPRESSIONS")) {
    std::string s = env;
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(':', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) o.suppressions.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
}

}  // namespace aa
