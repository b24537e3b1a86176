// Kind and class names for rule files, straight from the log format's AA_KINDS
// table so a kind added there is usable in rules without touching this file.
#include <strings.h>

#include "rules_parse.h"

namespace aa::rules_parse {
namespace {

struct KindRow {
  aa_kind kind;
  const char* name;
  const char* enum_name;
  const char* cls;
};

constexpr KindRow kRows[] = {
#define AA_X(e, n, c, a) {AA_##e, n, #e, #c},
    AA_KINDS(AA_X)
#undef AA_X
};

bool same(std::string_view a, const char* b) {
  return a.size() == std::char_traits<char>::length(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

}  // namespace

std::optional<aa_kind> kind_named(std::string_view name) {
  for (const auto& r : kRows)
    if (same(name, r.name) || same(name, r.enum_name)) return r.kind;
  return std::nullopt;
}

std::optional<std::vector<aa_kind>> kinds_of_class(std::string_view cls) {
  std::vector<aa_kind> out;
  bool known = false;
  for (const auto& r : kRows) {
    if (!same(cls, r.cls)) continue;
    known = true;
    out.push_back(r.kind);
  }
  if (!known) return std::nullopt;
  return out;
}

}  // namespace aa::rules_parse
