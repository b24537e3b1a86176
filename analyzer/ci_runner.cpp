#include "ci_runner.h"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "exit_codes.h"

extern char** environ;

namespace aa {
namespace fs = std::filesystem;

const char* const kDefaultCiExclude =
    "cargo:rustc:rustdoc:rustup:cc:c++:gcc:g++:gcc-*:g++-*:clang:clang++:clang-*:cc1:cc1plus:"
    "collect2:ld:ld.*:lld:rust-lld:as:ar:ranlib:strip:make:gmake:ninja:cmake:pkg-config:ccache:sccache";

std::string find_shim() {
  if (const char* env = std::getenv("AWAITAUDIT_SHIM"); env && *env) {
    if (::access(env, R_OK) != 0)
      throw ToolError(kExitSoftware, fmt::format("AWAITAUDIT_SHIM={}: {}", env, std::strerror(errno)));
    return env;
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  fs::path shim = self.parent_path().parent_path() / "lib" / "libawaitaudit.so";
  if (ec || !fs::exists(shim))
    throw ToolError(kExitSoftware, fmt::format("shim not found at {} (set AWAITAUDIT_SHIM)", shim.string()));
  return shim.string();
}

std::string resolve_command(const std::string& name) {
  auto check = [&](const std::string& p) -> bool {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(name.c_str(), &st) != 0) throw ToolError(kExitNoCommand, fmt::format("command not found: {}", name));
    if (!check(name)) throw ToolError(kExitNoCommand, fmt::format("{} is not an executable file", name));
    return name;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = end > start ? dirs.substr(start, end - start) : ".";
    if (std::string cand = dir + "/" + name; check(cand)) return cand;
    start = end + 1;
  }
  throw ToolError(kExitNoCommand, fmt::format("command not found: {}", name));
}

CommandResult run_under_shim(const std::vector<std::string>& argv, const std::string& shim,
                             const std::map<std::string, std::string>& env) {
  // The child's environment: ours, with the shim prepended to LD_PRELOAD and
  // the run's settings overriding anything inherited.
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::string preload = vars.count("LD_PRELOAD") ? vars["LD_PRELOAD"] : "";
  vars["LD_PRELOAD"] = preload.empty() ? shim : shim + ":" + preload;
  for (const auto& [k, v] : env) {
    if (v.empty()) vars.erase(k);
    else vars[k] = v;
  }
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  std::string exe = resolve_command(argv[0]);

  auto t0 = std::chrono::steady_clock::now();
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) throw ToolError(kExitSoftware, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::execve(exe.c_str(), args.data(), envp.data());
    std::fprintf(stderr, "awaitaudit: error: cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
    ::_exit(kExitNoCommand);
  }
  // Ctrl-C goes to the whole foreground group; we wait for the test to finish
  // dying instead of leaving it orphaned.
  struct sigaction ign {}, old_int {}, old_quit {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ign, &old_int);
  ::sigaction(SIGQUIT, &ign, &old_quit);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);

  CommandResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.exit_code = 128 + WTERMSIG(status);
  } else {
    r.exit_code = WEXITSTATUS(status);
  }
  return r;
}

void prepare_log_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw ToolError(kExitCantCreate, fmt::format("cannot create log directory {}: {}", dir,
                                                 ec ? ec.message() : "not a directory"));
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".aalog") fs::remove(entry.path(), ec);
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw ToolError(kExitCantCreate, fmt::format("cannot write log directory {}: {}", dir, std::strerror(errno)));
}

}  // namespace aa
