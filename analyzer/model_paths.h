// Lexical path handling: absolute paths from a base directory and a
// possibly relative name, with "." and ".." folded (symlinks are not
// resolved: the log has no view of the file system beyond the calls).
#pragma once
#include <string>
#include <string_view>

namespace aa {
std::string normalize_path(std::string_view path);
// `name` if absolute, else `base`/`name`; both normalized.
std::string absolute_path(std::string_view base, std::string_view name);
}  // namespace aa
