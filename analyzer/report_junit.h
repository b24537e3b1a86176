// JUnit XML rendering of the findings JSON (docs/findings-schema.md), for CI
// dashboards: one <testcase> per finding, errors as <failure>.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {

std::string render_junit(const nlohmann::json& report);

// Writes render_junit(report) to `path` ("-" = stdout).  Throws
// ToolError(kExitCantCreate) when the path cannot be written.
void write_junit(const nlohmann::json& report, const std::string& path);

}  // namespace aa
