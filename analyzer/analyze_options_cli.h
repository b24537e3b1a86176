// The analysis options as command-line flags, shared by `analyze` and `run`
// so both commands accept exactly the same reporting switches.
#pragma once
#include <CLI/CLI.hpp>

#include "analyze_entry.h"

namespace aa {

// Adds --json, --fail-on, --rules, --suppressions, --no-latent, --no-stacks,
// --json-out/--sarif/--junit/--html, --delay-sites-out and --color to `app`.
// Call finish_analyze_options() from the command's callback once parsing is
// done: it resolves --color against the tty and folds in
// AWAITAUDIT_SUPPRESSIONS.
void add_analyze_options(CLI::App& app, AnalyzeOptions& o);
void finish_analyze_options(AnalyzeOptions& o);

}  // namespace aa
