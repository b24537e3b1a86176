// One analysis of one run's logs, as the findings JSON object.
#pragma once
#include <nlohmann/json.hpp>

#include "analyze_entry.h"

namespace aa {

// Calls run_analysis with JSON output captured instead of printed.  The
// file outputs in `opts` (SARIF, JUnit, ...) are ignored: `ci` writes those
// once, from the merged report.
nlohmann::json analyze_to_json(AnalyzeOptions opts);

}  // namespace aa
