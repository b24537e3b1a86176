#include "model_paths.h"

#include <vector>

namespace aa {

namespace {
// Already absolute and folded: no empty, "." or ".." component, no trailing
// slash.  Most logged paths are (runtimes pass absolute paths), and copying
// them is far cheaper than splitting them.
bool is_normal(std::string_view path) {
  if (path.empty() || path[0] != '/') return false;
  if (path.size() == 1) return true;
  if (path.back() == '/') return false;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    std::string_view rest = path.substr(i + 1);
    if (rest.empty() || rest[0] == '/') return false;
    if (rest[0] == '.' && (rest.size() == 1 || rest[1] == '/' || (rest[1] == '.' && (rest.size() == 2 || rest[2] == '/'))))
      return false;
  }
  return true;
}
}  // namespace

std::string normalize_path(std::string_view path) {
  if (is_normal(path)) return std::string(path);
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

std::string absolute_path(std::string_view base, std::string_view name) {
  if (!name.empty() && name[0] == '/') return normalize_path(name);
  std::string joined(base);
  joined += '/';
  joined += name;
  return normalize_path(joined);
}

}  // namespace aa
