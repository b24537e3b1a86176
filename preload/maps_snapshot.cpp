// /proc/self/maps snapshots (start, after dlopen, before exec, at exit) so
// stacks can be symbolized offline.  Uses only raw system calls: also runs
// in fork children and right before exec.
#include <fcntl.h>
#include <sys/mman.h>

#include "shim.h"

namespace aa {

void maps_snapshot(ThreadState& ts, MapsReason why) {
  const size_t cap = 4u << 20;
  long buf = AA_RAW(mmap, 0, (long)cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf < 0 && buf > -4096) return;
  char* text = (char*)buf;
  size_t n = 0;
  uint64_t t0 = now_ns();
  long fd = AA_RAW(openat, AT_FDCWD, (long)"/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    while (n + 1 < cap) {
      long r = AA_RAW(read, fd, (long)(text + n), (long)(cap - 1 - n));
      if (r <= 0) break;
      n += (size_t)r;
    }
    AA_RAW(close, fd);
  }
  RecordSpec r;
  r.kind = AA_MAPS;
  r.a[0] = why;
  r.path = text;
  r.path_len = n;
  r.t_enter = t0;
  r.t_exit = now_ns();
  log_emit(ts, r);
  AA_RAW(munmap, buf, (long)cap);
}

}  // namespace aa
