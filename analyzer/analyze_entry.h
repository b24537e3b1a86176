// The whole analysis as one call, shared by `analyze`, `run` and `report`.
#pragma once
#include <string>
#include <vector>

namespace aa {

struct AnalyzeOptions {
  std::vector<std::string> inputs;          // log files or directories
  std::vector<std::string> rule_files;      // extra rules (--rules)
  std::vector<std::string> suppressions;    // --suppressions files (+ AWAITAUDIT_SUPPRESSIONS)
  std::string fail_on = "error";            // "error" | "warning" | "note" | "never"
  bool json = false;                        // JSON to stdout instead of text
  bool color = false;                       // text only; set when stdout is a tty
  bool show_latent = true;                  // latent suspects shown as warnings
  bool stacks = true;                       // print stacks in text
  std::string json_out, sarif_out, junit_out, html_out;  // extra outputs written to files
  std::string delay_sites_out;              // write call sites of latent writes (targeted perturbation)
};

// Runs read -> model -> happens-before -> checks -> report.  Returns the exit
// code (kExitClean / kExitFindings); throws ToolError on bad input.
int run_analysis(const AnalyzeOptions& opts);

}  // namespace aa
