// run_analysis: read -> model -> happens-before -> boundaries -> checks ->
// report, shared by `analyze`, `run` and `report`.
#include "analyze_entry.h"

#include <cstdio>
#include <fstream>
#include <set>

#include "check_pipeline.h"
#include "exit_codes.h"
#include "findings.h"
#include "log_reader.h"
#include "markers.h"
#include "report_html.h"
#include "report_json.h"
#include "report_junit.h"
#include "report_sarif.h"
#include "report_text.h"
#include "rules.h"

namespace aa {
namespace {
// Call sites ("MODULE 0xOFFSET", stable across ASLR; the format the shim's
// AWAITAUDIT_DELAY_SITES reads) of writes behind premature-completion
// findings, one per line, for targeted delays.
void write_delay_sites(const nlohmann::json& report, const std::string& path) {
  std::set<std::string> sites;
  for (const auto& f : report["findings"]) {
    if (f["kind"] != "premature-completion") continue;
    for (const auto& fr : f["write"]["stack"])
      if (fr.value("user", false) || &fr == &f["write"]["stack"].back()) {
        sites.insert(fr.value("module", "") + " " + fr.value("module_offset", "0x0"));  // the shim's "MODULE OFFSET"
        break;
      }
  }
  std::ofstream out(path);
  for (const auto& s : sites) out << s << '\n';
  if (!out) throw ToolError(kExitCantCreate, "cannot write " + path);
}
}  // namespace

int run_analysis(const AnalyzeOptions& opts) {
  RuleSet rules = RuleSet::load(opts.rule_files, opts.suppressions);
  LogSet logs = LogSet::open(opts.inputs);
  Pipeline pipe(logs.processes(), rules, opts.show_latent);
  MarkerAnalysis marks(logs.processes());  // runtime adapters' request/delivery markers
  // Without any adapter marker the marker analysis has nothing to refine:
  // skip its per-event fd tracking (about 4% of the analysis).
  bool any_markers = false;
  for (const auto& p : logs.processes()) any_markers |= p.markers > 0;
  if (any_markers) logs.for_each([&](const Event& e) { pipe.feed(e); marks.feed(e); });
  else logs.for_each([&](const Event& e) { pipe.feed(e); });
  pipe.finish();

  ReportInput in;
  in.logs = &logs;
  in.rules = &rules;
  in.raw = marks.refine(pipe.findings());
  in.notes = pipe.notes();
  in.show_latent = opts.show_latent;
  nlohmann::json report = build_report(std::move(in));

  if (opts.json) print_json(report);
  else {
    std::string text = render_text(report, TextStyle{opts.color, opts.stacks});
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  std::fflush(stdout);
  if (!opts.json_out.empty()) write_json(report, opts.json_out);
  if (!opts.sarif_out.empty()) write_sarif(report, opts.sarif_out);
  if (!opts.junit_out.empty()) write_junit(report, opts.junit_out);
  if (!opts.html_out.empty()) write_html(report, opts.html_out);
  if (!opts.delay_sites_out.empty()) write_delay_sites(report, opts.delay_sites_out);
  return exit_code_for(report, opts.fail_on);
}

}  // namespace aa
