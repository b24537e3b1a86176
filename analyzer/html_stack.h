// A stack of the findings JSON as a collapsible <details> block: the summary
// names the first user frame (what a reader wants without expanding), the
// list marks user frames (class aa-user) and dims runtime/libc ones.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {

// `title` is trusted text ("write", "overtaker", ...); the stack is not.
std::string render_stack_html(const std::string& title, const nlohmann::json& event);

}  // namespace aa
