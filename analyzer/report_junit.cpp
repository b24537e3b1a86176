// JUnit has no notion of a warning: an error-level finding is a <failure>, a
// warning or note is a passing testcase whose <system-out> explains it (so a
// dashboard lists it without turning the build red; the exit code decides
// that, through --fail-on).  Limits the tool met (static binaries, io_uring)
// go to the suite's <system-err>.
#include "report_junit.h"

#include <fmt/format.h>

#include "ci_output.h"
#include "report_sarif.h"

#include "json_fields.h"

namespace aa {
using nlohmann::json;

namespace {


// XML 1.0 text/attribute escaping; control characters XML cannot carry are dropped.
std::string xml_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': case '\n': case '\r': out += char(c); break;
      default:
        if (c >= 0x20) out += char(c);
    }
  }
  return out;
}

std::string frame_text(const json& fr) {
  std::string fn = str_or(fr, "function", str_or(fr, "ip", "?"));
  std::string file = str_or(fr, "file");
  int64_t line = fr.value("line", int64_t{0});
  std::string where = file.empty() ? str_or(fr, "module") : (line > 0 ? fmt::format("{}:{}", file, line) : file);
  return fmt::format("    {}{}{}{}\n", fr.value("user", false) ? "> " : "  ", fn, where.empty() ? "" : "  at ", where);
}

std::string event_text(const char* role, const json& ev) {
  std::string out = fmt::format("  {}: {} pid {} tid {}", role, str_or(ev, "op", "?"),
                                ev.value("pid", int64_t{0}), ev.value("tid", int64_t{0}));
  if (ev.contains("t_rel_us") && ev["t_rel_us"].is_number())
    out += fmt::format(" at +{:.1f}us", ev["t_rel_us"].get<double>());
  out += "\n";
  if (auto st = ev.find("stack"); st != ev.end() && st->is_array())
    for (const auto& fr : *st)
      if (fr.is_object()) out += frame_text(fr);
  return out;
}

std::string finding_details(const json& f) {
  std::string out = str_or(f, "message") + "\n";
  for (const char* key : {"stale", "hint", "evidence"})
    if (std::string v = str_or(f, key); !v.empty()) out += fmt::format("{}: {}\n", key, v);
  for (const char* role : {"submission", "write", "overtaker", "acknowledgment"})
    if (auto it = f.find(role); it != f.end() && it->is_object()) out += event_text(role, *it);
  return out;
}

std::string testcase_name(const json& f) {
  std::string name = fmt::format("{} {}", str_or(f, "id", "F?"), str_or(f, "kind", "finding"));
  if (const json* fr = finding_anchor_frame(f)) {
    std::string file = str_or(*fr, "file");
    int64_t line = fr->value("line", int64_t{0});
    if (!file.empty()) name += line > 0 ? fmt::format(" at {}:{}", file, line) : " at " + file;
    else if (std::string fn = str_or(*fr, "function"); !fn.empty()) name += " in " + fn;
  } else if (std::string file = str_or(f, "file"); !file.empty()) {
    name += " on " + file;
  }
  return name;
}

}  // namespace

std::string render_junit(const json& report) {
  std::vector<const json*> findings;
  if (auto fs = report.find("findings"); fs != report.end() && fs->is_array())
    for (const auto& f : *fs) findings.push_back(&f);
  int failures = 0;
  for (const json* f : findings) failures += str_or(*f, "severity") == "error";

  std::string cases;
  for (const json* fp : findings) {
    const json& f = *fp;
    std::string sev = str_or(f, "severity", "warning");
    cases += fmt::format("    <testcase classname=\"awaitaudit.{}\" name=\"{}\" file=\"{}\">\n",
                         xml_escape(str_or(f, "kind", "finding")), xml_escape(testcase_name(f)),
                         xml_escape(str_or(f, "file")));
    std::string details = xml_escape(finding_details(f));
    if (sev == "error")
      cases += fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                           xml_escape(fmt::format("{} {}", str_or(f, "confidence", "?"), str_or(f, "kind"))),
                           xml_escape(str_or(f, "message")), details);
    else
      cases += fmt::format("      <system-out>{}: {}</system-out>\n", xml_escape(sev), details);
    cases += "    </testcase>\n";
  }

  std::string notes;
  if (auto ns = report.find("notes"); ns != report.end() && ns->is_array())
    for (const auto& n : *ns)
      notes += fmt::format("{}: pid {}: {}\n", str_or(n, "level", "warning"), n.value("pid", int64_t{0}),
                           str_or(n, "message"));

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"awaitaudit\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n",
                     findings.size(), failures);
  out += fmt::format("  <testsuite name=\"awaitaudit\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
                     findings.size(), failures);
  out += cases;
  if (!notes.empty()) out += fmt::format("    <system-err>{}</system-err>\n", xml_escape(notes));
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

void write_junit(const json& report, const std::string& path) {
  check_output_path(path);
  write_output_file(path, render_junit(report));
}

}  // namespace aa
