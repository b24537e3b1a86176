// The fresh log directory of one `awaitaudit run`.
#pragma once
#include <string>

namespace aa {

// Creates the directory a run logs into, mode 0700, and returns its absolute
// path.  `requested` empty: ./awaitaudit-logs/run-<YYYYmmdd-HHMMSS>-<pid>
// (./awaitaudit-logs is created if needed).  Otherwise `requested` itself,
// which must not exist yet or be an empty directory, and whose parent must
// exist.  Throws ToolError(kExitCantCreate) with the reason.
std::string make_run_log_dir(const std::string& requested);

}  // namespace aa
