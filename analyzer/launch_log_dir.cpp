#include "launch_log_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "exit_codes.h"

namespace aa {
namespace fs = std::filesystem;

namespace {
// mkdir that accepts an existing empty directory (a user may pre-create it),
// but never mixes a run's logs with older ones.
void make_fresh_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return;
  int e = errno;
  std::error_code ec;
  if (e == EEXIST && fs::is_directory(dir, ec)) {
    if (fs::is_empty(dir, ec) && !ec) return;
    throw ToolError(kExitCantCreate, fmt::format("log directory {} is not empty (give a new one)", dir));
  }
  throw ToolError(kExitCantCreate, fmt::format("cannot create log directory {}: {}", dir, std::strerror(e)));
}
}  // namespace

std::string make_run_log_dir(const std::string& requested) {
  std::string dir = requested;
  if (dir.empty()) {
    const char* base = "awaitaudit-logs";
    if (::mkdir(base, 0755) != 0 && errno != EEXIST)
      throw ToolError(kExitCantCreate, fmt::format("cannot create {}: {}", base, std::strerror(errno)));
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    dir = fmt::format("{}/run-{}-{}", base, stamp, ::getpid());
  }
  make_fresh_dir(dir);
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  return ec ? dir : abs.lexically_normal().string();
}

}  // namespace aa
