// Offline symbolization of instruction pointers from a process's memory-map
// snapshot: ELF symbols and DWARF lines through elfutils libdw, C++ and Rust
// (legacy and v0) demangling.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <span>
#include <string_view>
#include <vector>

namespace aa {

struct Frame {
  uint64_t ip = 0;
  std::string function;  // demangled; empty when unknown
  std::string file;      // source file; empty when no DWARF
  int line = 0;
  std::string module;    // path of the ELF object
  uint64_t module_offset = 0;  // ip - load bias: stable across runs despite ASLR (delay-site matching)
  bool user = false;     // user code, not libc/shim/runtime internals (see rules)
};

// One line of /proc/<pid>/maps.  `path` is empty for anonymous mappings,
// "[vdso]"-style for special ones; a " (deleted)" suffix is kept.
struct Mapping {
  uint64_t start = 0, end = 0, offset = 0;
  std::string perms;  // "r-xp"
  std::string path;
};
// Malformed lines are skipped, never fatal.
std::vector<Mapping> parse_maps(std::string_view maps);

class Symbolizer {
 public:
  Symbolizer();
  ~Symbolizer();
  // `maps` is /proc/<pid>/maps text.  Results are cached per (maps, ip).
  // `return_address`: ip is a return address (every frame but a stack's
  // first), so the call site is looked up at ip-1.  module_offset stays ip - bias.
  // Where calls were inlined at ip, this is the innermost of them.
  Frame resolve(std::string_view maps, uint64_t ip, bool return_address = false);
  // The first ip is taken as exact, the rest as return addresses.  Inlined
  // calls are expanded, innermost first, so one ip may give several frames
  // (all with that ip and module_offset), as `addr2line -i` does.
  // `taken_real_ns`: CLOCK_REALTIME when the snapshot was taken (0: unknown);
  // an ELF file modified since then, or mapped "(deleted)", is no longer the
  // code that ran, and its frames stay module+offset (a warning on stderr).
  std::vector<Frame> resolve_all(std::string_view maps, std::span<const uint64_t> ips, uint64_t taken_real_ns = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Demangles C++ (_Z), Rust legacy (_ZN..17h<hash>E, hash dropped) and Rust v0 (_R).
// Returns the input unchanged when it is not a mangled name.
std::string demangle(std::string_view symbol);

}  // namespace aa
