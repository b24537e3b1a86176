#include "ci_visibility.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "exit_codes.h"
#include "log_reader.h"

namespace aa {
namespace {

bool read_at(int fd, void* buf, size_t n, off_t off) {
  return ::pread(fd, buf, n, off) == ssize_t(n);
}

// "" for a dynamic ELF, "statically linked" for one without PT_INTERP,
// "not an ELF file" otherwise.
std::string elf_linkage(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "unreadable";
  Elf64_Ehdr eh{};
  std::string verdict = "not an ELF file";
  if (read_at(fd, &eh, sizeof eh, 0) && std::equal(eh.e_ident, eh.e_ident + SELFMAG, ELFMAG)) {
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
      verdict = "32-bit ELF (the shim is 64-bit)";
    } else {
      verdict = "statically linked";
      for (int i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        if (!read_at(fd, &ph, sizeof ph, off_t(eh.e_phoff + uint64_t(i) * eh.e_phentsize))) break;
        if (ph.p_type == PT_INTERP) {
          verdict = "";
          break;
        }
      }
    }
  }
  ::close(fd);
  return verdict;
}

std::string script_interpreter(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line.rfind("#!", 0) != 0) return "";
  size_t b = line.find_first_not_of(" \t", 2);
  if (b == std::string::npos) return "";
  size_t e = line.find_first_of(" \t", b);
  return line.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

std::string reason_for(const std::string& path, int depth) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";  // failed exec attempt
  if ((st.st_mode & S_ISUID) && st.st_uid != ::geteuid()) return "setuid (the loader ignores LD_PRELOAD)";
  if ((st.st_mode & S_ISGID) && st.st_gid != ::getegid()) return "setgid (the loader ignores LD_PRELOAD)";
  if (std::string interp = script_interpreter(path); !interp.empty())
    return depth < 2 ? reason_for(interp, depth + 1) : "";
  std::string linkage = elf_linkage(path);
  return linkage == "not an ELF file" || linkage == "unreadable" ? "" : linkage;
}

}  // namespace

std::string untraceable_reason(const std::string& path) { return reason_for(path, 0); }

std::vector<UnseenExec> find_unseen_execs(const std::vector<std::string>& log_dirs) {
  std::vector<UnseenExec> out;
  std::set<std::string> checked;
  for (const auto& dir : log_dirs) {
    std::optional<LogSet> logs;
    try {
      logs.emplace(LogSet::open({dir}));
    } catch (const ToolError&) {
      continue;  // a run that left no logs has nothing to say here
    }
    const auto& procs = logs->processes();
    logs->for_each([&](const Event& ev) {
      if ((ev.kind != AA_EXECVE && ev.kind != AA_SPAWN) || ev.path.empty()) return;
      std::string path(ev.path);
      if (path[0] != '/' && ev.proc < procs.size()) path = procs[ev.proc].cwd + "/" + path;
      if (!checked.insert(path).second) return;
      std::string why = untraceable_reason(path);
      if (why.empty()) return;
      out.push_back({path, why, ev.pid, ev.proc < procs.size() ? procs[ev.proc].exe : ""});
    });
  }
  return out;
}

}  // namespace aa
