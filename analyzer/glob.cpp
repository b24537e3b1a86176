// Glob matching for suppressions and profile frame patterns: '*' matches any
// run (including '/' and "::", since patterns name symbols as well as paths),
// '?' one character.  Iterative with single backtrack point: linear enough
// for the short patterns rules use, and no recursion for a fuzzer to blow up.
#include "rules.h"

namespace aa {

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star_p = p++;
      star_t = t;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace aa
