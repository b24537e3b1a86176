// The human report (default): one block per finding, then a summary line.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {
struct TextStyle {
  bool color = false;   // ANSI colours (tty or --color=always)
  bool stacks = true;   // print stacks
};
std::string render_text(const nlohmann::json& report, const TextStyle& style);
}  // namespace aa
