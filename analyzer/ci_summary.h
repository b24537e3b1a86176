// The human summary `ci` prints at the end: what ran, what was audited, what
// was not visible, the findings with their user source line, the verdict.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {

// `merged` is merge_runs() output with "ci.not_audited" filled in.
std::string render_ci_summary(const nlohmann::json& merged, const std::string& command_line,
                              const std::string& fail_on, int exit_code);

}  // namespace aa
