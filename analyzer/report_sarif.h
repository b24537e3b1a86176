// SARIF 2.1.0 rendering of the findings JSON (docs/findings-schema.md), for
// code-scanning UIs (GitHub, GitLab, VS Code SARIF viewer).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {

// The SARIF log as a JSON value.  Source files under `source_root` (default:
// the current directory) are made relative to %SRCROOT%, which is what code
// scanning UIs need to link a result to the repository.
nlohmann::json render_sarif(const nlohmann::json& report, const std::string& source_root = "");

// Writes render_sarif(report) to `path` ("-" = stdout).  Throws
// ToolError(kExitCantCreate) when the path cannot be written.
void write_sarif(const nlohmann::json& report, const std::string& path);

// The frame a report should point at for a finding: the first `user` frame of
// the overtaker, then the write, then the submission stack; failing that the
// first frame with a source line.  Null when no stack has one.
const nlohmann::json* finding_anchor_frame(const nlohmann::json& finding);

}  // namespace aa
