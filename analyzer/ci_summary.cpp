#include "ci_summary.h"

#include <fmt/format.h>

#include <map>

#include "report_sarif.h"

#include "json_fields.h"

namespace aa {
using nlohmann::json;

namespace {
std::string basename(const std::string& p) { return p.substr(p.rfind('/') + 1); }
std::string plural(int n, std::string word) {
  if (n != 1) word += word.back() == 's' ? "es" : "s";
  return fmt::format("{} {}", n, word);
}
}  // namespace

std::string render_ci_summary(const json& merged, const std::string& command_line, const std::string& fail_on,
                              int exit_code) {
  std::string out = fmt::format("\nawaitaudit ci: `{}`\n", command_line);
  const json& ci = merged.value("ci", json::object());
  for (const auto& r : ci.value("runs", json::array()))
    out += fmt::format("  run {:<10} test exit {:>3}, {:.1f}s, {} manifested, {} latent\n", str_or(r, "label"),
                       r.value("exit_code", 0), r.value("seconds", 0.0), r.value("manifested_errors", 0),
                       r.value("latent", 0));

  // Audited processes, by program, across runs.
  std::map<std::string, int> by_exe;
  int partial = 0;
  for (const auto& p : merged.value("processes", json::array())) {
    ++by_exe[basename(str_or(p, "exe", "?"))];
    partial += !p.value("clean_exit", true);
  }
  out += fmt::format("audited: {}", plural(int(merged.value("processes", json::array()).size()), "process"));
  if (!by_exe.empty()) {
    out += ":";
    for (const auto& [exe, n] : by_exe) out += n > 1 ? fmt::format(" {} (x{})", exe, n) : " " + exe;
  }
  out += "\n";
  if (partial) out += fmt::format("  {} did not exit cleanly: their analysis is partial\n", plural(partial, "process"));
  for (const auto& u : ci.value("not_audited", json::array()))
    out += fmt::format("warning: not audited: {} ({}), run by pid {} {}\n", str_or(u, "path"), str_or(u, "reason"),
                       u.value("pid", 0), basename(str_or(u, "by")));
  for (const auto& n : merged.value("notes", json::array()))
    if (str_or(n, "source") != "ci")
      out += fmt::format("{}: pid {}: {}\n", str_or(n, "level", "note"), n.value("pid", 0), str_or(n, "message"));

  for (const auto& f : merged.value("findings", json::array())) {
    const json& runs = f.value("runs", json::object());
    int of = runs.value("of", 0);
    std::string seen = f.value("unresolved", false)
                           ? fmt::format("latent in {} of {} runs, unresolved", runs.value("latent", 0), of)
                           : fmt::format("{} in {} of {} runs", str_or(f, "confidence"),
                                         str_or(f, "confidence") == "latent" ? runs.value("latent", 0)
                                                                             : runs.value("manifested", 0), of);
    out += fmt::format("{} {} {} ({}): {}\n", str_or(f, "severity"), str_or(f, "id"), str_or(f, "kind"), seen,
                       str_or(f, "message"));
    if (std::string stale = str_or(f, "stale"); !stale.empty()) out += "    " + stale + "\n";
    if (const json* fr = finding_anchor_frame(f)) {
      std::string file = str_or(*fr, "file");
      out += fmt::format("    at {}:{} in {}\n", file.empty() ? str_or(*fr, "module") : file, fr->value("line", 0),
                         str_or(*fr, "function", "?"));
    }
    if (std::string hint = str_or(f, "hint"); !hint.empty()) out += "    fix: " + hint + "\n";
  }

  const json& s = merged.value("summary", json::object());
  out += fmt::format("result: {}, {}, {}; {} dropped after confirmation (the delay showed them ordered), {} "
                     "unresolved; {} suppressed\n",
                     plural(s.value("errors", 0), "error"), plural(s.value("warnings", 0), "warning"),
                     plural(s.value("notes", 0), "note"), plural(ci.value("dropped", 0), "suspect"),
                     ci.value("unresolved", 0), s.value("suppressed", 0));
  out += fmt::format("exit {} (--fail-on {})\n", exit_code, fail_on);
  return out;
}

}  // namespace aa
