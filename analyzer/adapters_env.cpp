#include "adapters_env.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace aa {
namespace fs = std::filesystem;

namespace {
bool has_adapters(const fs::path& d) {
  std::error_code ec;
  return fs::exists(d / "node" / "awaitaudit-node.js", ec) || fs::exists(d / "python" / "sitecustomize.py", ec);
}

// The value the child would see: what `env` sets, else what we inherited.
std::string current(const std::map<std::string, std::string>& env, const char* name) {
  if (auto it = env.find(name); it != env.end()) return it->second;
  const char* v = std::getenv(name);
  return v ? v : "";
}

// NODE_OPTIONS splits on spaces; a path with spaces must be quoted.
std::string node_quote(const std::string& p) {
  if (p.find_first_of(" \t\"\\") == std::string::npos) return p;
  std::string q = "\"";
  for (char c : p) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}
}  // namespace

std::string adapters_dir() {
  if (const char* e = std::getenv("AWAITAUDIT_ADAPTERS_DIR"); e && *e && has_adapters(e)) return e;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path d = exe.parent_path().parent_path() / "share" / "awaitaudit" / "adapters";
    if (has_adapters(d)) return d.string();
  }
#ifdef AA_SOURCE_ADAPTERS_DIR
  if (has_adapters(AA_SOURCE_ADAPTERS_DIR)) return AA_SOURCE_ADAPTERS_DIR;
#endif
#ifdef AA_INSTALL_ADAPTERS_DIR
  if (has_adapters(AA_INSTALL_ADAPTERS_DIR)) return AA_INSTALL_ADAPTERS_DIR;
#endif
  return {};
}

void add_adapter_env(std::map<std::string, std::string>& env, bool enabled) {
  if (!enabled) return;
  std::string dir = adapters_dir();
  if (dir.empty()) return;
  std::error_code ec;
  fs::path js = fs::path(dir) / "node" / "awaitaudit-node.js";
  if (fs::exists(js, ec)) {
    std::string req = "--require " + node_quote(js.string());
    std::string old = current(env, "NODE_OPTIONS");
    if (old.find(req) == std::string::npos) env["NODE_OPTIONS"] = old.empty() ? req : req + " " + old;
  }
  fs::path py = fs::path(dir) / "python";
  if (fs::exists(py / "sitecustomize.py", ec)) {
    std::string old = current(env, "PYTHONPATH");
    if (old != py.string() && old.rfind(py.string() + ":", 0) != 0)
      env["PYTHONPATH"] = old.empty() ? py.string() : py.string() + ":" + old;
  }
}

}  // namespace aa
