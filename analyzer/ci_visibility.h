// What the shim could not see.  An LD_PRELOAD shim is blind to statically
// linked programs and to setuid/setgid ones (the loader drops LD_PRELOAD), so
// a clean report over a command that ran such binaries would be a lie of
// omission.  These checks find them from the exec records of traced
// processes and the ELF files themselves.
#pragma once
#include <string>
#include <vector>

namespace aa {

// Why a program cannot be traced ("statically linked", "setuid", ...), or ""
// when the shim will see it.  Scripts are judged by their interpreter.
std::string untraceable_reason(const std::string& path);

struct UnseenExec {
  std::string path;    // program exec'd
  std::string reason;  // untraceable_reason
  int pid = 0;         // process that exec'd it
  std::string by;      // that process's exe
};

// Every distinct untraceable program exec'd or spawned by a traced process
// of the logs in `log_dirs` (directories without logs are skipped).
std::vector<UnseenExec> find_unseen_execs(const std::vector<std::string>& log_dirs);

}  // namespace aa
