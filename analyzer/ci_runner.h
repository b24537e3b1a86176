// Running the test command under the shim, the way `ci` needs it: every child
// process traced (the shim puts itself back into exec'd environments), build
// tools excluded, perturbation settings per run.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace aa {

// Build tools that only slow the audit down and whose own file traffic is not
// what the user is testing.  Their children are still traced: an excluded
// process keeps the shim loaded, it just does not log.
extern const char* const kDefaultCiExclude;

// The shim: $AWAITAUDIT_SHIM, else ../lib/libawaitaudit.so next to this
// executable.  Throws ToolError(kExitSoftware) when it is missing.
std::string find_shim();

// argv[0] resolved like execvp would.  Throws ToolError(kExitNoCommand,
// "command not found: X") or ("X is not executable").
std::string resolve_command(const std::string& name);

struct CommandResult {
  int exit_code = 0;      // exit status, or 128 + signal
  bool signaled = false;
  double seconds = 0;
};

// Runs argv with the shim preloaded and `env` added to the environment
// (AWAITAUDIT_DIR, AWAITAUDIT_DELAY*, ...).  Output goes to our stdout and
// stderr.  The command's failure is a result, not an error.
CommandResult run_under_shim(const std::vector<std::string>& argv, const std::string& shim,
                             const std::map<std::string, std::string>& env);

// Makes `dir` (and its parents) exist and removes old *.aalog files from it,
// so a run's analysis sees only that run.  Throws ToolError(kExitCantCreate).
void prepare_log_dir(const std::string& dir);

}  // namespace aa
