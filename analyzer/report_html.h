// The HTML report: one self-contained file (inline CSS and SVG, no script, no
// network) rendered from the findings JSON (docs/findings-schema.md).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {

// The whole page as a string.
std::string render_html(const nlohmann::json& report);

// Writes render_html(report) to `path`; throws ToolError(kExitCantCreate)
// when the file cannot be written.
void write_html(const nlohmann::json& report, const std::string& path);

}  // namespace aa
