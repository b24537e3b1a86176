// TOML rule files (format in rules/README.md).  Strict: unknown keys, wrong
// types and unknown kinds are errors with the line they are on, because a
// typo in a rule silently turning it off is worse than a refusal.
#include <toml++/toml.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "exit_codes.h"
#include "rules_parse.h"

namespace aa::rules_parse {
namespace {

struct Ctx {
  const std::string& origin;

  [[noreturn]] void fail(uint32_t line, const std::string& msg) const {
    throw ToolError(kExitDataErr, fmt::format("{}:{}: {}", origin, line, msg));
  }
  std::string where(uint32_t line) const { return fmt::format("{}:{}", origin, line); }
};

uint32_t line_of(const toml::node& n) { return n.source().begin.line; }

std::string as_string(const Ctx& c, const toml::node& n, std::string_view key) {
  auto v = n.value<std::string>();
  if (!n.is_string() || !v) c.fail(line_of(n), fmt::format("'{}' must be a string", key));
  return *v;
}

std::vector<std::string> as_strings(const Ctx& c, const toml::node& n, std::string_view key) {
  const toml::array* arr = n.as_array();
  if (!arr) c.fail(line_of(n), fmt::format("'{}' must be an array of strings", key));
  std::vector<std::string> out;
  for (const auto& el : *arr) {
    if (!el.is_string()) c.fail(line_of(el), fmt::format("'{}' must hold only strings", key));
    std::string s = *el.value<std::string>();
    if (s.empty()) c.fail(line_of(el), fmt::format("empty pattern in '{}'", key));
    out.push_back(std::move(s));
  }
  return out;
}

const toml::array& as_tables(const Ctx& c, const toml::node& n, std::string_view key) {
  const toml::array* arr = n.as_array();
  if (!arr || !arr->is_array_of_tables())
    c.fail(line_of(n), fmt::format("'{}' must be an array of tables ([[{}]])", key, key));
  return *arr;
}

void check_wording(const Ctx& c, uint32_t line, std::string_view w) {
  static constexpr std::string_view kKnown[] = {"op", "file", "write", "tid", "origin_tid"};
  for (size_t open = w.find('{'); open != std::string_view::npos; open = w.find('{', open + 1)) {
    size_t close = w.find('}', open);
    if (close == std::string_view::npos) c.fail(line, "unclosed '{' in wording");
    std::string_view name = w.substr(open + 1, close - open - 1);
    if (std::find(std::begin(kKnown), std::end(kKnown), name) == std::end(kKnown))
      c.fail(line, fmt::format("unknown placeholder '{{{}}}' in wording (known: op, file, write, tid, origin_tid)", name));
  }
}

// toml++ 3.3 calls its key parser on whatever follows `[` / `[[` in a table
// header and only asserts that it starts a key; in a release build that is
// undefined behaviour (fuzz_rules found it with "[ %o]").  Check header
// starts ourselves.  Cost: a line inside a multi-line string or a nested
// array that starts with such a bracket is refused too; rule files need neither.
void check_table_headers(const Ctx& c, std::string_view text) {
  auto key_start = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '"' || ch == '\'' ||
           ch == ']';
  };
  uint32_t line = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    size_t i = l.find_first_not_of(" \t");
    if (i == std::string_view::npos || l[i] != '[') continue;
    ++i;
    if (i < l.size() && l[i] == '[') ++i;
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    if (i >= l.size() || !key_start(l[i])) c.fail(line, "table header must start with a key: [name] or [[name]]");
  }
}

ConflictRule conflict_of(const Ctx& c, const toml::table& t) {
  ConflictRule r;
  uint32_t line = t.source().begin.line;
  r.origin = c.where(line);
  bool has_wording = false, has_severity = false;
  for (const auto& [k, v] : t) {
    std::string_view key = k.str();
    if (key == "name") {
      r.name = as_string(c, v, key);
    } else if (key == "kinds") {
      for (const auto& name : as_strings(c, v, key)) {
        auto kind = kind_named(name);
        if (!kind) c.fail(line_of(v), fmt::format("unknown kind '{}' (use a log-format name such as statx, pwrite)", name));
        r.kinds.push_back(*kind);
      }
    } else if (key == "classes") {
      for (const auto& name : as_strings(c, v, key)) {
        auto kinds = kinds_of_class(name);
        if (!kinds) c.fail(line_of(v), fmt::format("unknown class '{}' (FD, WRITE, READ, STAT, SYNCFILE, NAMESPACE, PROC, ...)", name));
        r.kinds.insert(r.kinds.end(), kinds->begin(), kinds->end());
      }
    } else if (key == "severity") {
      r.severity = as_string(c, v, key);
      has_severity = true;
      if (r.severity != "error" && r.severity != "warning" && r.severity != "note")
        c.fail(line_of(v), fmt::format("severity '{}' is not error, warning or note", r.severity));
    } else if (key == "wording") {
      r.wording = as_string(c, v, key);
      has_wording = true;
      check_wording(c, line_of(v), r.wording);
    } else if (key == "condition") {
      r.condition = as_string(c, v, key);
      if (r.condition != "" && r.condition != "overlap" && r.condition != "last-fd")
        c.fail(line_of(v), fmt::format("condition '{}' is not overlap or last-fd", r.condition));
    } else {
      c.fail(k.source().begin.line, fmt::format("unknown key '{}' in [[conflict]]", key));
    }
  }
  if (r.name.empty()) c.fail(line, "[[conflict]] needs a name");
  if (r.kinds.empty()) c.fail(line, fmt::format("conflict '{}' names no kinds or classes", r.name));
  if (!has_severity) c.fail(line, fmt::format("conflict '{}' needs a severity", r.name));
  if (!has_wording) c.fail(line, fmt::format("conflict '{}' needs a wording", r.name));
  return r;
}

Profile profile_of(const Ctx& c, const toml::table& t, const std::string& runtime,
                   const std::vector<std::string>& runtime_frames) {
  Profile p;
  uint32_t line = t.source().begin.line;
  p.origin = c.where(line);
  p.runtime = runtime;
  p.runtime_frames = runtime_frames;
  for (const auto& [k, v] : t) {
    std::string_view key = k.str();
    if (key == "name") {
      p.name = as_string(c, v, key);
    } else if (key == "runtime") {
      p.runtime = as_string(c, v, key);
    } else if (key == "api") {
      p.api = as_string(c, v, key);
    } else if (key == "hint") {
      p.hint = as_string(c, v, key);
    } else if (key == "write_frames") {
      p.write_frames = as_strings(c, v, key);
    } else if (key == "observe_frames") {
      p.observe_frames = as_strings(c, v, key);
    } else if (key == "runtime_frames") {
      auto more = as_strings(c, v, key);
      p.runtime_frames.insert(p.runtime_frames.end(), more.begin(), more.end());
    } else if (key == "priority") {
      auto n = v.value<int64_t>();
      if (!v.is_integer() || !n || *n < -1000 || *n > 1000)
        c.fail(line_of(v), "'priority' must be an integer in [-1000, 1000]");
      p.priority = static_cast<int>(*n);
    } else {
      c.fail(k.source().begin.line, fmt::format("unknown key '{}' in [[profile]]", key));
    }
  }
  if (p.name.empty()) c.fail(line, "[[profile]] needs a name");
  if (p.runtime.empty()) c.fail(line, fmt::format("profile '{}' needs a runtime (here or at the top of the file)", p.name));
  if (p.write_frames.empty()) c.fail(line, fmt::format("profile '{}' needs write_frames", p.name));
  if (p.hint.empty()) c.fail(line, fmt::format("profile '{}' needs a hint", p.name));
  return p;
}

// Same name replaces (a user file can override a shipped rule), else appends.
template <class T>
void upsert(std::vector<T>& v, T item) {
  for (auto& old : v)
    if (old.name == item.name) {
      old = std::move(item);
      return;
    }
  v.push_back(std::move(item));
}

}  // namespace

void rule_text(std::string_view text, const std::string& origin, RuleSet& into) {
  Ctx c{origin};
  // toml++ 3.3 assumes (TOML_ASSERT_ASSUME) no NUL inside a table header: in a
  // release build that is undefined behaviour, so refuse NUL bytes up front
  // (TOML allows none outside strings, and none unescaped inside them).
  if (size_t nul = text.find('\0'); nul != std::string_view::npos)
    c.fail(static_cast<uint32_t>(std::count(text.begin(), text.begin() + nul, '\n') + 1), "NUL byte in rule file");
  check_table_headers(c, text);
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    c.fail(e.source().begin.line, std::string(e.description()));
  }
  // Top-level scalars first: profiles below inherit runtime and runtime_frames.
  std::string runtime;
  std::vector<std::string> runtime_frames;
  for (const auto& [k, v] : doc) {
    std::string_view key = k.str();
    if (key == "runtime") runtime = as_string(c, v, key);
    else if (key == "runtime_frames") runtime_frames = as_strings(c, v, key);
    else if (key == "internal_frames") {
      auto more = as_strings(c, v, key);
      into.internal_frames.insert(into.internal_frames.end(), more.begin(), more.end());
    } else if (key != "profile" && key != "conflict")
      c.fail(k.source().begin.line, fmt::format("unknown key '{}' (expected internal_frames, runtime, "
                                                "runtime_frames, [[profile]] or [[conflict]])", key));
  }
  if (const toml::node* n = doc.get("conflict"))
    for (const auto& t : as_tables(c, *n, "conflict")) upsert(into.conflicts, conflict_of(c, *t.as_table()));
  if (const toml::node* n = doc.get("profile"))
    for (const auto& t : as_tables(c, *n, "profile"))
      upsert(into.profiles, profile_of(c, *t.as_table(), runtime, runtime_frames));
}

void rule_file(const std::string& path, RuleSet& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ToolError(kExitNoInput, fmt::format("{}: cannot read rule file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  rule_text(ss.str(), path, into);
}

}  // namespace aa::rules_parse
