// Exit codes, sanitizer habit: 0 clean, 1 findings at or above --fail-on,
// sysexits-style codes for tool errors so CI can tell "bug found" from "tool broke".
#pragma once
#include <stdexcept>
#include <string>

namespace aa {
enum ExitCode : int {
  kExitClean = 0,
  kExitFindings = 1,
  kExitTestFailed = 2,  // `ci`: no findings at or above --fail-on, but the test command itself failed
  kExitUsage = 64,      // bad command line
  kExitDataErr = 65,    // log exists but is corrupt, truncated or foreign
  kExitNoInput = 66,    // log or directory missing / unreadable, or no logs in it
  kExitNoCommand = 127, // `run`: command not found or not executable
  kExitCantCreate = 73, // output path cannot be written
  kExitSoftware = 70,   // internal error (a bug in awaitaudit)
};

// Thrown by any stage; main() prints "awaitaudit: error: <what>" once and exits with code.
struct ToolError : std::runtime_error {
  int code;
  ToolError(int c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};
}  // namespace aa
