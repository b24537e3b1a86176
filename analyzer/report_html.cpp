#include "report_html.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "exit_codes.h"
#include "html_escape.h"
#include "html_json.h"
#include "html_stack.h"
#include "html_style.h"
#include "html_timeline.h"

namespace aa {
namespace {

using nlohmann::json;

std::string esc(const std::string& s) { return html_escape(s); }

// Class-safe token from a value we expect to be one of a few words; anything
// else (a hand-edited report) becomes "other" rather than reaching an attribute raw.
std::string token(const std::string& s) {
  for (const char* ok : {"error", "warning", "note", "manifested", "latent", "premature-completion", "file-race",
                         "lost-write-error"})
    if (s == ok) return s;
  return "other";
}

const json& array_at(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

std::string render_processes(const json& report) {
  const json& procs = array_at(report, "processes");
  if (procs.empty()) return "";
  std::string o = "<h2>Processes</h2>\n<table class=\"aa-processes\"><thead><tr><th>pid</th><th>exe</th><th>argv</th>"
                  "<th>records</th><th>exit</th></tr></thead><tbody>\n";
  for (auto& p : procs) {
    std::string argv;
    for (auto& a : array_at(p, "argv")) {
      if (!argv.empty()) argv += " ";
      argv += "<span class=\"aa-arg\">" + esc(html::text(a)) + "</span>";
    }
    bool clean = html::flag(p, "clean_exit", true);
    o += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     esc(html::str(p, "pid")), esc(html::str(p, "exe")), argv, esc(html::str(p, "records")),
                     clean ? "clean" : "<span class=\"aa-warn\">killed or still running: partial</span>");
  }
  return o + "</tbody></table>\n";
}

std::string render_notes(const json& report) {
  const json& notes = array_at(report, "notes");
  if (notes.empty()) return "";
  std::string o = "<h2>Limits met</h2>\n<ul class=\"aa-notes\">\n";
  for (auto& n : notes)
    o += fmt::format("<li class=\"aa-note-{}\">{} (pid {}): {}</li>\n", token(html::str(n, "level")),
                     esc(html::str(n, "level")), esc(html::str(n, "pid")), esc(html::str(n, "message")));
  return o + "</ul>\n";
}

std::string render_summary_table(const json& findings) {
  std::string o = "<table class=\"aa-summary\"><thead><tr><th>id</th><th>kind</th><th>confidence</th><th>severity</th>"
                  "<th>count</th><th>file</th><th>rule</th></tr></thead><tbody>\n";
  size_t i = 0;
  for (auto& f : findings) {
    ++i;
    std::string sev = html::str(f, "severity");
    o += fmt::format("<tr class=\"aa-sev-{}\"><td><a href=\"#finding-{}\">{}</a></td><td>{}</td><td>{}</td>"
                     "<td><span class=\"aa-badge aa-sev-{}\">{}</span></td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                     token(sev), i, esc(html::str(f, "id", fmt::format("#{}", i))), esc(html::str(f, "kind")),
                     esc(html::str(f, "confidence")), token(sev), esc(sev), esc(html::str(f, "count", "1")),
                     esc(html::str(f, "file")), esc(html::str(f, "rule")));
  }
  return o + "</tbody></table>\n";
}

std::string event_row(const char* role, const json* ev) {
  if (!ev) return fmt::format("<tr><th>{}</th><td colspan=\"6\" class=\"aa-none\">none</td></tr>\n", role);
  double d = html::num(*ev, "t_exit_ns").value_or(0) - html::num(*ev, "t_enter_ns").value_or(0);
  std::string result = html::str(*ev, "ret");
  if (auto en = html::str(*ev, "errno_name"); !en.empty()) result += " " + en;
  if (ev->contains("size")) result += " (size " + html::str(*ev, "size") + ")";
  auto rel = html::num(*ev, "t_rel_us");
  return fmt::format("<tr><th>{}</th><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     role, esc(html::str(*ev, "op")), esc(html::str(*ev, "tid")),
                     rel ? fmt::format("{:+.1f} µs", *rel) : "", fmt::format("{:.1f} µs", d / 1000.0),
                     esc(result), esc(html::str(*ev, "path")));
}

std::string render_finding(const json& f, size_t i) {
  std::string dom = fmt::format("finding-{}", i);
  std::string sev = html::str(f, "severity");
  std::string o = fmt::format("<section class=\"aa-finding aa-sev-{}\" id=\"{}\">\n", token(sev), dom);
  o += fmt::format("<h3><span class=\"aa-badge aa-sev-{}\">{}</span> {} — {} {}{}</h3>\n", token(sev), esc(sev),
                   esc(html::str(f, "id", fmt::format("#{}", i))), esc(html::str(f, "confidence")),
                   esc(html::str(f, "kind")),
                   html::num(f, "count").value_or(1) > 1 ? fmt::format(" ×{}", esc(html::str(f, "count"))) : "");
  o += "<p class=\"aa-message\">" + esc(html::str(f, "message")) + "</p>\n";
  o += "<p class=\"aa-file\">file <code>" + esc(html::str(f, "file")) + "</code> · rule <code>" +
       esc(html::str(f, "rule")) + "</code></p>\n";
  if (std::string stale = html::str(f, "stale"); !stale.empty())
    o += "<p class=\"aa-stale\"><b>stale value:</b> " + esc(stale) + "</p>\n";
  if (std::string hint = html::str(f, "hint"); !hint.empty())
    o += "<p class=\"aa-hint\"><b>fix:</b> " + esc(hint) + "</p>\n";
  o += render_timeline_svg(f, dom + "-timeline");
  o += "<table class=\"aa-events\"><thead><tr><th></th><th>op</th><th>tid</th><th>start</th><th>took</th><th>result</th>"
       "<th>path</th></tr></thead><tbody>\n";
  o += event_row("submission", html::obj(f, "submission"));
  o += event_row("write", html::obj(f, "write"));
  o += event_row("overtaker", html::obj(f, "overtaker"));
  if (const json* bs = html::obj(f, "overtaker_submission")) o += event_row("overtaker asked at", bs);
  o += event_row("acknowledgment", html::obj(f, "acknowledgment"));
  o += "</tbody></table>\n";
  if (std::string ev = html::str(f, "evidence"); !ev.empty())
    o += "<p class=\"aa-evidence\"><b>evidence:</b> " + esc(ev) + "</p>\n";
  for (auto [title, key] : {std::pair{"write", "write"}, std::pair{"overtaker", "overtaker"},
                            std::pair{"submission", "submission"},
                            std::pair{"overtaker asked at", "overtaker_submission"},
                            std::pair{"acknowledgment", "acknowledgment"}})
    if (const json* e = html::obj(f, key)) o += render_stack_html(title, *e);
  return o + "</section>\n";
}

}  // namespace

std::string render_html(const json& report) {
  const json* tool = html::obj(report, "tool");
  const json* summary = html::obj(report, "summary");
  const json& findings = array_at(report, "findings");
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  // No script may run and nothing may be fetched, whatever a log smuggles in.
  o += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<title>awaitaudit report</title>\n<style>\n";
  o += html_style();
  o += "</style></head><body>\n";
  o += fmt::format("<header><h1>awaitaudit report</h1><p class=\"aa-tool\">{} {} · schema {}</p></header>\n",
                   esc(tool ? html::str(*tool, "name", "awaitaudit") : "awaitaudit"),
                   esc(tool ? html::str(*tool, "version") : ""), esc(tool ? html::str(*tool, "schema") : "?"));
  if (summary)
    o += fmt::format("<p class=\"aa-counts\"><span class=\"aa-badge aa-sev-error\">{} errors</span> "
                     "<span class=\"aa-badge aa-sev-warning\">{} warnings</span> "
                     "<span class=\"aa-badge aa-sev-note\">{} notes</span> · {} suppressed · {} processes</p>\n",
                     esc(html::str(*summary, "errors", "0")), esc(html::str(*summary, "warnings", "0")),
                     esc(html::str(*summary, "notes", "0")), esc(html::str(*summary, "suppressed", "0")),
                     esc(html::str(*summary, "processes", "0")));
  o += "<h2>Findings</h2>\n";
  if (findings.empty())
    o += "<p class=\"aa-clean\">No findings: every observed file operation was ordered after the writes it depends on.</p>\n";
  else
    o += render_summary_table(findings);
  size_t i = 0;
  for (auto& f : findings) o += render_finding(f, ++i);
  o += render_notes(report);
  o += render_processes(report);
  o += "</body></html>\n";
  return o;
}

void write_html(const json& report, const std::string& path) {
  std::string page = render_html(report);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw ToolError(kExitCantCreate, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  out.write(page.data(), static_cast<std::streamsize>(page.size()));
  out.close();
  if (!out) throw ToolError(kExitCantCreate, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
}

}  // namespace aa
