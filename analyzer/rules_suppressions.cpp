// Suppression files, TSan style: one `kind:pattern` per line, `#` comments,
// blank lines ignored.  Kinds: premature, race, lost (frame patterns) and
// path (file path pattern).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "exit_codes.h"
#include "rules_parse.h"

namespace aa::rules_parse {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kKinds[] = {"premature", "race", "lost", "path"};

}  // namespace

void suppression_text(std::string_view text, const std::string& origin, std::vector<Suppression>& into) {
  size_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++lineno;
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const std::string& msg) {
      throw ToolError(kExitDataErr, fmt::format("{}:{}: {}", origin, lineno, msg));
    };
    if (line.find('\0') != std::string_view::npos) fail("NUL byte in suppression");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) fail("expected kind:pattern (kinds: premature, race, lost, path)");
    std::string_view kind = trim(line.substr(0, colon));
    std::string_view pattern = trim(line.substr(colon + 1));
    if (std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds))
      fail(fmt::format("unknown suppression kind '{}' (kinds: premature, race, lost, path)", kind));
    if (pattern.empty() || pattern == "^" || pattern == "$" || pattern == "^$")
      fail(fmt::format("empty pattern after '{}:'", kind));
    into.push_back({std::string(kind), std::string(pattern), fmt::format("{}:{}", origin, lineno)});
  }
}

void suppression_file(const std::string& path, std::vector<Suppression>& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ToolError(kExitNoInput, fmt::format("{}: cannot read suppression file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  suppression_text(ss.str(), path, into);
}

}  // namespace aa::rules_parse
