// The JSON report: stdout or a file (--json / --json-out).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {
void print_json(const nlohmann::json& report);
// Throws ToolError(kExitCantCreate) when the file cannot be written.
void write_json(const nlohmann::json& report, const std::string& path);
}  // namespace aa
