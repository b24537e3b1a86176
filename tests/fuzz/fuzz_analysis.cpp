// libFuzzer target for the whole analysis of one log: read -> file model ->
// happens-before -> await boundaries -> checks -> marker refinement -> report
// (build_report: symbolization, profiles, suppressions, merging) -> every
// renderer (text, JSON, SARIF, JUnit, HTML).  fuzz_log_reader stops at the
// decoded records; most of what a hostile log can steer (fd tables keyed by
// logged numbers, thread ids, sync addresses, adapter marker JSON, finding
// merging) lives after it.
//
// The contract under test is the CLI's: ToolError(kExitDataErr) for a log the
// reader refuses, otherwise a report whatever the records say; never another
// exception, a crash, a sanitizer report or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "check_pipeline.h"
#include "exit_codes.h"
#include "findings.h"
#include "log_reader.h"
#include "markers.h"
#include "report_html.h"
#include "report_junit.h"
#include "report_sarif.h"
#include "report_text.h"
#include "rules.h"

namespace {
// The shipped rules, parsed once: rule parsing has its own target (fuzz_rules).
const aa::RuleSet& shipped_rules() {
  static const aa::RuleSet rules = aa::RuleSet::load();
  return rules;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const aa::RuleSet& rules = shipped_rules();
  try {
    aa::LogSet logs = aa::LogSet::open_memory(std::span<const uint8_t>(data, size), "fuzz.aalog");
    // Latent suspects on: the path that reports the most.
    aa::Pipeline pipe(logs.processes(), rules, /*latent=*/true);
    aa::MarkerAnalysis marks(logs.processes());
    logs.for_each([&](const aa::Event& e) {
      pipe.feed(e);
      marks.feed(e);
    });
    pipe.finish();

    aa::ReportInput in;
    in.logs = &logs;
    in.rules = &rules;
    in.raw = marks.refine(pipe.findings());
    in.notes = pipe.notes();
    in.show_latent = true;
    nlohmann::json report = aa::build_report(std::move(in));

    (void)report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)aa::render_text(report, aa::TextStyle{true, true});
    (void)aa::render_sarif(report, "/tmp").dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)aa::render_junit(report);
    (void)aa::render_html(report);
    (void)aa::exit_code_for(report, "note");
  } catch (const aa::ToolError& e) {
    if (e.code != aa::kExitDataErr) std::abort();
  }
  return 0;
}
