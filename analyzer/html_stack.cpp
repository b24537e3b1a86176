#include "html_stack.h"

#include <fmt/format.h>

#include "html_escape.h"
#include "html_json.h"

namespace aa {
namespace {
std::string frame_where(const nlohmann::json& fr) {
  std::string file = html::str(fr, "file");
  auto line = html::num(fr, "line");
  if (!file.empty()) return line && *line > 0 ? fmt::format("{}:{}", file, static_cast<long long>(*line)) : file;
  std::string mod = html::str(fr, "module");
  return mod.empty() ? "" : "in " + mod;
}
}  // namespace

std::string render_stack_html(const std::string& title, const nlohmann::json& event) {
  auto it = event.is_object() ? event.find("stack") : event.end();
  if (it == event.end() || !it->is_array() || it->empty())
    return fmt::format("<p class=\"aa-nostack\">{} stack: not recorded</p>\n", html_escape(title));
  const nlohmann::json& st = *it;
  std::string first_user;
  for (auto& fr : st)
    if (html::flag(fr, "user", false)) {
      first_user = html::str(fr, "function", "?") + "  " + frame_where(fr);
      break;
    }
  std::string o = "<details class=\"aa-stack\"><summary>";
  o += fmt::format("<b>{}</b> stack ({} frames)", html_escape(title), st.size());
  if (!first_user.empty()) o += " — <span class=\"aa-user\">" + html_escape(first_user) + "</span>";
  o += "</summary>\n<ol>\n";
  for (auto& fr : st) {
    bool user = html::flag(fr, "user", false);
    std::string fn = html::str(fr, "function");
    if (fn.empty()) fn = html::str(fr, "ip", "?");
    o += fmt::format("<li class=\"aa-frame{}\"><code class=\"aa-fn\">{}</code> <span class=\"aa-where\">{}</span></li>\n",
                     user ? " aa-user" : "", html_escape(fn), html_escape(frame_where(fr)));
  }
  o += "</ol></details>\n";
  return o;
}

}  // namespace aa
