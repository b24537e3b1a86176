#include "ci_output.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "exit_codes.h"

namespace aa {
namespace {
[[noreturn]] void cant_create(const std::string& path, int err) {
  throw ToolError(kExitCantCreate, fmt::format("cannot write {}: {}", path, std::strerror(err)));
}

std::string parent_dir(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}
}  // namespace

void check_output_path(const std::string& path) {
  if (path.empty() || path == "-") return;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) cant_create(path, EISDIR);
    if (::access(path.c_str(), W_OK) != 0) cant_create(path, errno);
    return;
  }
  auto dir = parent_dir(path);
  if (::stat(dir.c_str(), &st) != 0) cant_create(path, errno);
  if (!S_ISDIR(st.st_mode)) cant_create(path, ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) cant_create(path, errno);
}

void write_output_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  check_output_path(path);
  std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) cant_create(path, errno);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  int err = errno;
  if (std::fclose(f) != 0 && ok) { ok = false; err = errno; }
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    std::remove(tmp.c_str());
    cant_create(path, err);
  }
}

}  // namespace aa
