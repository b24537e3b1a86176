#include "report_text.h"

#include <fmt/format.h>

namespace aa {
namespace {
struct Paint {
  bool on;
  std::string operator()(const char* code, const std::string& s) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  }
};
constexpr const char* kBold = "1";
constexpr const char* kRed = "1;31";
constexpr const char* kYellow = "1;33";
constexpr const char* kDim = "2";

std::string str(const nlohmann::json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string event_line(const nlohmann::json& e) {
  std::string res = fmt::format("= {}", e["ret"].dump());
  if (!e["errno_name"].is_null()) res += " " + e["errno_name"].get<std::string>();
  std::string extra;
  if (e.contains("size")) extra += fmt::format(", size {}", e["size"].dump());
  if (e.contains("offset") && e.contains("length"))
    extra += fmt::format(", [{}, +{})", e["offset"].dump(), e["length"].dump());
  return fmt::format("{} tid {} at {:+.1f} µs (took {:.1f} µs) {}{}", e["op"].get<std::string>(), e["tid"].dump(),
                     e["t_rel_us"].get<double>(),
                     (e["t_exit_ns"].get<double>() - e["t_enter_ns"].get<double>()) / 1000.0, res, extra);
}

// User frames in full; runs of runtime/library frames collapsed to one dim line.
void stack_lines(std::string& out, const nlohmann::json& stack, const Paint& p) {
  int hidden = 0;
  auto flush = [&] {
    if (hidden) out += p(kDim, fmt::format("        ... {} runtime frame{}\n", hidden, hidden > 1 ? "s" : ""));
    hidden = 0;
  };
  int shown_runtime = 0;
  for (const auto& f : stack) {
    bool user = f.value("user", false);
    std::string fn = str(f, "function");
    if (fn.empty()) fn = str(f, "ip");
    std::string where = str(f, "file").empty() ? str(f, "module") : fmt::format("{}:{}", str(f, "file"), f["line"].dump());
    if (!user && shown_runtime >= 2) {
      ++hidden;
      continue;
    }
    flush();
    if (user) out += "        " + p(kBold, fn) + "  " + where + "\n";
    else {
      ++shown_runtime;
      out += p(kDim, "        " + fn + "  " + where) + "\n";
    }
  }
  flush();
}
}  // namespace

std::string render_text(const nlohmann::json& report, const TextStyle& style) {
  Paint p{style.color};
  std::string out;
  for (const auto& n : report["notes"])
    out += fmt::format("{} [pid {}]: {}\n", p(kYellow, str(n, "level")), n["pid"].dump(), str(n, "message"));
  if (!report["notes"].empty()) out += "\n";
  for (const auto& f : report["findings"]) {
    std::string sev = str(f, "severity");
    const char* color = sev == "error" ? kRed : kYellow;
    out += p(color, fmt::format("{} {}: {} ({})", str(f, "id"), sev, str(f, "kind"), str(f, "confidence")));
    out += fmt::format("  x{}  rule {}\n", f["count"].dump(), str(f, "rule"));
    out += "  " + p(kBold, str(f, "message")) + "\n";
    out += "  file: " + str(f, "file");
    // Occurrences merged over several files (a loop over distinct paths).
    if (int64_t more = f.value("files", int64_t(1)) - 1; more > 0)
      out += fmt::format(" and {} more file{}", more, more == 1 ? "" : "s");
    out += "\n";
    if (!f["stale"].is_null()) out += "  stale: " + p(kBold, f["stale"].get<std::string>()) + "\n";
    auto block = [&](const char* label, const nlohmann::json& e) {
      if (e.is_null()) return;
      out += fmt::format("  {:<12} {}\n", label, event_line(e));
      if (style.stacks && !e["stack"].empty()) stack_lines(out, e["stack"], p);
    };
    block("submission:", f["submission"]);
    block("write:", f["write"]);
    block("overtaker:", f["overtaker"]);
    if (auto it = f.find("overtaker_submission"); it != f.end()) block("overtaker asked at:", *it);
    block("ack:", f["acknowledgment"]);
    out += "  evidence: " + str(f, "evidence") + "\n";
    out += "  hint: " + str(f, "hint") + "\n\n";
  }
  const auto& s = report["summary"];
  out += fmt::format("awaitaudit: {} error{}, {} warning{}, {} note{}, {} suppressed in {} process{}\n",
                     s["errors"].get<int>(), s["errors"].get<int>() == 1 ? "" : "s", s["warnings"].get<int>(),
                     s["warnings"].get<int>() == 1 ? "" : "s", s["notes"].get<int>(),
                     s["notes"].get<int>() == 1 ? "" : "s", s["suppressed"].get<int>(),
                     s["processes"].get<int>(), s["processes"].get<int>() == 1 ? "" : "es");
  return out;
}

}  // namespace aa
