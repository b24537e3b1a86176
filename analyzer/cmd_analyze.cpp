// `awaitaudit analyze [options] LOG|DIR...`: the offline analysis of logs
// written by the shim.
#include "analyze_entry.h"
#include "analyze_options_cli.h"
#include "command.h"

namespace aa {
namespace {
void setup_analyze(CLI::App& sub, int& exit_code) {
  static AnalyzeOptions opts;
  add_analyze_options(sub, opts);
  sub.add_option("logs", opts.inputs, "log files (*.aalog) or directories holding them")->required();
  sub.callback([&exit_code] {
    finish_analyze_options(opts);
    exit_code = run_analysis(opts);
  });
}
}  // namespace
AA_COMMAND("analyze", "analyse logs written by the shim and report premature completions", setup_analyze);
}  // namespace aa
