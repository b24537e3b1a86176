#include "check_stale.h"

#include <cerrno>
#include <fmt/format.h>

namespace aa {

std::string describe_write(const EvCopy& w, const Touch& wt) {
  if (w.kind == AA_OPEN) return wt.size_after == 0 && !(w.a[1] & 0100) ? "open(O_TRUNC)" : "open(O_CREAT)";
  if (w.kind == AA_FTRUNCATE || w.kind == AA_TRUNCATE)
    return fmt::format("{}(to {})", kind_name(w.kind), w.a[1]);
  int64_t n = w.ret >= 0 ? w.ret : wt.len;
  return fmt::format("{}({} bytes)", kind_name(w.kind), n);
}

std::string stale_wording(const EvCopy& b, const EvCopy& w, const Touch& wt) {
  const char* op = kind_name(b.kind);
  std::string wd = describe_write(w, wt);
  if (b.ret < 0 && b.err == ENOENT)
    return wt.created ? fmt::format("{} failed with ENOENT; the {} created the file", op, wd)
                      : fmt::format("{} failed with ENOENT", op);
  if (b.kind == AA_EXECVE && b.err == ETXTBSY) return fmt::format("{} failed with ETXTBSY", op);
  switch (kind_class(b.kind)) {
    case AA_CLASS_STAT:
      if (b.has_stat && wt.size_after >= 0 && b.stat_size != wt.size_after &&
          (b.stat_size < wt.size_after || wt.created || w.kind == AA_FTRUNCATE || w.kind == AA_TRUNCATE))
        return fmt::format("{} saw size {}; the {} made it {}", op, b.stat_size, wd, wt.size_after);
      break;
    case AA_CLASS_READ: {
      int64_t want = b.a[1];
      if (b.ret >= 0 && b.ret < want)
        return fmt::format("{} returned {} of {} bytes; the {} covered [{}, {})", op, b.ret, want, wd,
                           wt.off, wt.len < 0 ? wt.size_after : wt.off + (w.ret > 0 ? w.ret : wt.len));
      break;
    }
    default:
      break;
  }
  return "";
}

}  // namespace aa
