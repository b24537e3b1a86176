// The generic syscall() entry point.  Rust's std sends futex and statx
// through it, libuv sends statx: decode those and the file numbers, forward
// all six arguments untouched, and pass everything else straight through.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "interceptor.h"

using namespace aa;

namespace {

bool decoded(long n) {
  switch (n) {
    case SYS_futex: case SYS_statx: case SYS_write: case SYS_pwrite64: case SYS_writev:
    case SYS_read: case SYS_pread64: case SYS_readv: case SYS_open: case SYS_openat:
    case SYS_close: case SYS_fsync: case SYS_fdatasync: case SYS_rename: case SYS_renameat:
    case SYS_renameat2: case SYS_unlink: case SYS_unlinkat: case SYS_newfstatat: case SYS_fstat:
    case SYS_ftruncate: case SYS_fallocate: case SYS_io_uring_setup: case SYS_exit_group:
    case SYS_dup2: case SYS_dup3: case SYS_close_range: case SYS_copy_file_range:
      return true;
    default:
      return false;
  }
}

}  // namespace

AA_INTERCEPTOR(long, syscall, (long n, ...)) {
  va_list ap;
  va_start(ap, n);
  long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
  long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
  va_end(ap);
  auto real = [&] { return REAL(syscall)(n, a1, a2, a3, a4, a5, a6); };
  if (!decoded(n)) return real();

  // Arguments arrive as longs; int-typed ones (fds, AT_FDCWD, flags) are
  // narrowed so -100 stays -100 whatever the caller left in the upper half.
  const int fd = (int)a1;
  Call c;
  switch (n) {
    case SYS_futex:
      call_begin(c, AA_FUTEX);
      c.args(a1, (int)a2, (unsigned)a3, a5, (unsigned)a6, a4);
      return traced(c, real);
    case SYS_statx: {
      call_begin(c, AA_STATX, -1, (int)a1, (const char*)a2);
      c.args((int)a1, (int)a3, (unsigned)a4);
      c.r.path = (const char*)a2;
      long r = real();
      if (c.ts) {
        if (r == 0 && a5) {
          stat_from_statx(c.st, *(const struct statx*)a5);
          c.r.st = &c.st;
        }
        call_end(c, r);
      }
      return r;
    }
    case SYS_newfstatat:
    case SYS_fstat: {
      bool at = n == SYS_newfstatat;
      const struct stat* st = (const struct stat*)(at ? a3 : a2);
      if (at) {
        call_begin(c, AA_STAT, -1, (int)a1, (const char*)a2);
        c.args((int)a1, (int)a4);
        c.r.path = (const char*)a2;
      } else {
        call_begin(c, AA_FSTAT, fd);
        c.args(fd);
      }
      long r = real();
      if (c.ts) {
        if (r == 0 && st) {
          stat_from_kstat(c.st, *st);
          c.r.st = &c.st;
        }
        call_end(c, r);
      }
      return r;
    }
    case SYS_write:
      if (AA_UNLIKELY(fd == g_marker_fd)) {
        if (call_begin(c, AA_MARKER)) {
          c.r.path = (const char*)a2;
          c.r.path_len = (size_t)a3;
        }
        return traced(c, real);
      }
      call_begin(c, AA_WRITE, fd);
      c.args(fd, a3, -1, 0);
      return traced(c, real);
    case SYS_pwrite64:
      call_begin(c, AA_PWRITE, fd);
      c.args(fd, a3, a4, 0);
      return traced(c, real);
    case SYS_writev:
    case SYS_readv: {
      int64_t total = 0;
      const struct iovec* iov = (const struct iovec*)a2;
      for (long i = 0; iov && i < a3; ++i) total += (int64_t)iov[i].iov_len;
      call_begin(c, n == SYS_writev ? AA_WRITEV : AA_READV, fd);
      c.args(fd, total, -1, a3);
      return traced(c, real);
    }
    case SYS_read:
      call_begin(c, AA_READ, fd);
      c.args(fd, a3, -1, 0);
      return traced(c, real);
    case SYS_pread64:
      call_begin(c, AA_PREAD, fd);
      c.args(fd, a3, a4, 0);
      return traced(c, real);
    case SYS_open:
    case SYS_openat: {
      bool at = n == SYS_openat;
      call_begin(c, AA_OPEN);
      c.args(at ? (int)a1 : AT_FDCWD, (int)(at ? a3 : a2), (unsigned)(at ? a4 : a3));
      c.r.path = (const char*)(at ? a2 : a1);
      long r = real();
      if (c.ts) {
        int e = errno;
        if (r >= 0 && stat_fd((int)r, c.st)) c.r.st = &c.st;
        errno = e;
        call_end(c, r);
      }
      return r;
    }
    case SYS_close:
      call_begin(c, AA_CLOSE);
      c.args(fd);
      if (AA_UNLIKELY(own_fd_is(fd))) return traced(c, [] { errno = EBADF; return -1L; });
      return traced(c, real);
    case SYS_close_range:
      call_begin(c, AA_CLOSE_RANGE);
      c.args((unsigned)a1, (unsigned)a2, (unsigned)a3);
      return traced(c, [&] {
        long r = real();
        int e = errno;
        if (r == 0) own_fds_after_close_range((unsigned)a1, (unsigned)a2, (unsigned)a3);
        errno = e;
        return r;
      });
    case SYS_dup2:
    case SYS_dup3:
      if (own_fd_is((int)a2) && a1 != a2) own_fds_before_dup((int)a2);
      call_begin(c, AA_DUP);
      c.args((int)a1, (int)a2, n == SYS_dup3 ? (int)a3 : 0);
      return traced(c, real);
    case SYS_fsync:
    case SYS_fdatasync:
      call_begin(c, n == SYS_fsync ? AA_FSYNC : AA_FDATASYNC, fd);
      c.args(fd);
      return traced(c, real);
    case SYS_ftruncate:
      call_begin(c, AA_FTRUNCATE, fd);
      c.args(fd, a2);
      return traced(c, real);
    case SYS_fallocate:
      call_begin(c, AA_FALLOCATE, fd);
      c.args(fd, (int)a2, a3, a4);
      return traced(c, real);
    case SYS_copy_file_range:
      call_begin(c, AA_COPY_FILE_RANGE, (int)a3);
      c.args((int)a1, a2 ? *(long*)a2 : -1, (int)a3, a4 ? *(long*)a4 : -1, a5, (unsigned)a6);
      return traced(c, real);
    case SYS_rename:
      call_begin(c, AA_RENAME, -1, AT_FDCWD, (const char*)a1);
      c.args(AT_FDCWD, AT_FDCWD, 0);
      c.r.path = (const char*)a1;
      c.r.path2 = (const char*)a2;
      return traced(c, real);
    case SYS_renameat:
    case SYS_renameat2:
      call_begin(c, AA_RENAME, -1, (int)a1, (const char*)a2);
      c.args((int)a1, (int)a3, n == SYS_renameat2 ? (unsigned)a5 : 0);
      c.r.path = (const char*)a2;
      c.r.path2 = (const char*)a4;
      return traced(c, real);
    case SYS_unlink:
      call_begin(c, AA_UNLINK, -1, AT_FDCWD, (const char*)a1);
      c.args(AT_FDCWD, 0);
      c.r.path = (const char*)a1;
      return traced(c, real);
    case SYS_unlinkat:
      call_begin(c, AA_UNLINK, -1, (int)a1, (const char*)a2);
      c.args((int)a1, (int)a3);
      c.r.path = (const char*)a2;
      return traced(c, real);
    case SYS_io_uring_setup:
      call_begin(c, AA_IO_URING_SETUP);
      c.args((unsigned)a1);
      return traced(c, real);
    case SYS_exit_group:
      record_exit((int)a1, 1);
      return real();
  }
  return real();
}
