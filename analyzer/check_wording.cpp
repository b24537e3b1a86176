#include "check_wording.h"

#include <fmt/format.h>

#include "check_stale.h"
#include "rules.h"

namespace aa {

std::string finding_message(const RawFinding& f, const EvCopy& b, const EvCopy& w, const Touch& wt, bool manifested) {
  std::string op = b.kind == AA_EXIT ? "process exit" : kind_name(b.kind);
  std::vector<std::pair<std::string, std::string>> vars = {
      {"op", b.kind == AA_EXIT ? "exit" : kind_name(b.kind)},
      {"file", f.path},
      {"write", describe_write(w, wt)},
      {"tid", std::to_string(w.tid)},
      {"origin_tid", std::to_string(f.origin_tid)},
  };
  if (manifested) return format_wording(f.wording, vars);
  if (f.kind == "file-race")
    return format_wording(op + " on {file} by tid " + std::to_string(b.tid) +
                              " and {write} on tid {tid} are unordered (the write happened to finish first)",
                          vars);
  return format_wording(op + " on {file} came after {write} handed to tid {tid} returned, but nothing visible "
                             "ordered it after that return (latent: the write happened to finish first)",
                        vars);
}

}  // namespace aa
