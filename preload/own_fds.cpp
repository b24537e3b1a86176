// The shim's own descriptors (the log file, the adapter marker channel) live
// high, close-on-exec, and step aside when the program reaches for them, so
// the program's fd numbers and results are what they would be without us.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "shim.h"

namespace aa {

int g_marker_fd = -1;

int own_fd_floor() {
  struct rlimit rl;
  if (AA_RAW(prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl) < 0) return 1000;
  if (rl.rlim_cur >= 1100) return 1000;
  long f = (long)rl.rlim_cur - 24;  // small limits: just under the top
  return f < 10 ? 10 : (int)f;
}

int own_fd_park(int fd) {
  long high = AA_RAW(fcntl, fd, F_DUPFD_CLOEXEC, own_fd_floor());
  if (high < 0) return (int)high;
  AA_RAW(close, fd);
  return (int)high;
}

bool own_fd_is(int fd) { return fd >= 0 && (fd == log_fd() || fd == g_marker_fd); }

namespace {
void publish_marker_fd() {
  char buf[16];
  int n = 0, v = g_marker_fd;
  char tmp[12];
  do { tmp[n++] = char('0' + v % 10); v /= 10; } while (v);
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  buf[n] = 0;
  setenv("AWAITAUDIT_MARKER_FD", buf, 1);
}

// Moves an own fd off `fd` (the program wants that number).
int move_off(int fd) {
  ThreadState& ts = thread_state();
  ts.in_shim++;
  long high = AA_RAW(fcntl, fd, F_DUPFD_CLOEXEC, fd + 1);
  if (high >= 0) AA_RAW(close, fd);
  ts.in_shim--;
  return (int)high;
}
}  // namespace

void marker_open() {
  long fd = AA_RAW(openat, AT_FDCWD, (long)"/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  int high = own_fd_park((int)fd);
  if (high < 0) return;
  g_marker_fd = high;
  publish_marker_fd();
}

void own_fds_before_dup(int newfd) {
  if (newfd == log_fd()) {
    int h = move_off(newfd);
    log_set_fd(h);
  } else if (newfd == g_marker_fd) {
    // The adapter learns the number from the environment; keep it current.
    g_marker_fd = move_off(newfd);
    if (g_marker_fd >= 0) publish_marker_fd();
  }
}

void own_fds_after_close_range(unsigned first, unsigned last, unsigned flags) {
  if (flags & 4u /*CLOSE_RANGE_CLOEXEC*/) return;  // ours are close-on-exec already
  // Restore at the same numbers, so the marker fd named in the environment stays valid.
  int lf = log_fd();
  if (lf >= 0 && (unsigned)lf >= first && (unsigned)lf <= last) {
    long fd = AA_RAW(openat, AT_FDCWD, (long)log_path(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && fd != lf) {
      AA_RAW(dup3, fd, lf, O_CLOEXEC);
      AA_RAW(close, fd);
    }
  }
  if (g_marker_fd >= 0 && (unsigned)g_marker_fd >= first && (unsigned)g_marker_fd <= last) {
    long fd = AA_RAW(openat, AT_FDCWD, (long)"/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0 && fd != g_marker_fd) {
      AA_RAW(dup3, fd, g_marker_fd, O_CLOEXEC);
      AA_RAW(close, fd);
    }
  }
}

}  // namespace aa
