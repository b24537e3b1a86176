// File descriptor and data calls: open family, close, dup, fcntl, chdir,
// reads and writes (with their 64-bit and fortified aliases), sizes, mmap.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include "interceptor.h"

using namespace aa;

namespace {

int64_t iov_total(const struct iovec* iov, int cnt) {
  int64_t n = 0;
  for (int i = 0; iov && i < cnt; ++i) n += (int64_t)iov[i].iov_len;
  return n;
}

bool open_has_mode(int flags) { return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE; }

// Every open variant ends here: record path, flags, mode and the identity of the new fd.
template <class F>
int traced_open(int dirfd, const char* path, int flags, mode_t mode, F&& fn) {
  Call c;
  // The path goes to the perturbation only for opens that create or truncate.
  call_begin(c, AA_OPEN, -1, dirfd, (flags & (O_CREAT | O_TRUNC)) ? path : nullptr);
  c.args(dirfd, flags, mode);
  c.r.path = path;
  int fd = fn();
  if (c.ts) {
    int e = errno;
    if (fd >= 0 && stat_fd(fd, c.st)) c.r.st = &c.st;
    errno = e;
    call_end(c, fd);
  }
  return fd;
}

// The adapter marker channel: the bytes become a MARKER record, the write goes to /dev/null.
ssize_t marker_write(ssize_t (*real)(int, const void*, size_t), int fd, const void* buf, size_t n) {
  Call c;
  if (call_begin(c, AA_MARKER)) {
    c.r.path = (const char*)buf;
    c.r.path_len = n;
  }
  return traced(c, [&] { return real(fd, buf, n); });
}

}  // namespace

#define AA_OPEN_MODE(flags)        \
  mode_t mode = 0;                 \
  if (open_has_mode(flags)) {      \
    va_list ap;                    \
    va_start(ap, flags);           \
    mode = (mode_t)va_arg(ap, int); \
    va_end(ap);                    \
  }

AA_INTERCEPTOR(int, open, (const char* path, int flags, ...)) {
  AA_OPEN_MODE(flags);
  return traced_open(AT_FDCWD, path, flags, mode, [&] { return REAL(open)(path, flags, mode); });
}
AA_INTERCEPTOR(int, open64, (const char* path, int flags, ...)) {
  AA_OPEN_MODE(flags);
  return traced_open(AT_FDCWD, path, flags, mode, [&] { return REAL(open64)(path, flags, mode); });
}
AA_INTERCEPTOR(int, openat, (int dirfd, const char* path, int flags, ...)) {
  AA_OPEN_MODE(flags);
  return traced_open(dirfd, path, flags, mode, [&] { return REAL(openat)(dirfd, path, flags, mode); });
}
AA_INTERCEPTOR(int, openat64, (int dirfd, const char* path, int flags, ...)) {
  AA_OPEN_MODE(flags);
  return traced_open(dirfd, path, flags, mode, [&] { return REAL(openat64)(dirfd, path, flags, mode); });
}
AA_INTERCEPTOR(int, __open_2, (const char* path, int flags)) {
  return traced_open(AT_FDCWD, path, flags, 0, [&] { return REAL(__open_2)(path, flags); });
}
AA_INTERCEPTOR(int, __open64_2, (const char* path, int flags)) {
  return traced_open(AT_FDCWD, path, flags, 0, [&] { return REAL(__open64_2)(path, flags); });
}
AA_INTERCEPTOR(int, __openat_2, (int dirfd, const char* path, int flags)) {
  return traced_open(dirfd, path, flags, 0, [&] { return REAL(__openat_2)(dirfd, path, flags); });
}
AA_INTERCEPTOR(int, __openat64_2, (int dirfd, const char* path, int flags)) {
  return traced_open(dirfd, path, flags, 0, [&] { return REAL(__openat64_2)(dirfd, path, flags); });
}
AA_INTERCEPTOR(int, creat, (const char* path, mode_t mode)) {
  return traced_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, [&] { return REAL(creat)(path, mode); });
}
AA_INTERCEPTOR(int, creat64, (const char* path, mode_t mode)) {
  return traced_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, [&] { return REAL(creat64)(path, mode); });
}

AA_INTERCEPTOR(int, close, (int fd)) {
  Call c;
  call_begin(c, AA_CLOSE);
  c.args(fd);
  if (AA_UNLIKELY(own_fd_is(fd))) {  // without the shim this fd would not be open
    return traced(c, [] { errno = EBADF; return -1; });
  }
  return traced(c, [&] { return REAL(close)(fd); });
}
AA_INTERCEPTOR(int, close_range, (unsigned first, unsigned last, int flags)) {
  Call c;
  call_begin(c, AA_CLOSE_RANGE);
  c.args(first, last, flags);
  return traced(c, [&] {
    int r = REAL(close_range)(first, last, flags);
    int e = errno;
    if (r == 0) own_fds_after_close_range(first, last, (unsigned)flags);
    errno = e;
    return r;
  });
}
AA_INTERCEPTOR(int, dup, (int oldfd)) {
  Call c;
  call_begin(c, AA_DUP);
  c.args(oldfd, -1, 0);
  return traced(c, [&] { return REAL(dup)(oldfd); });
}
AA_INTERCEPTOR(int, dup2, (int oldfd, int newfd)) {
  if (AA_UNLIKELY(own_fd_is(newfd) && oldfd != newfd)) own_fds_before_dup(newfd);
  Call c;
  call_begin(c, AA_DUP);
  c.args(oldfd, newfd, 0);
  return traced(c, [&] { return REAL(dup2)(oldfd, newfd); });
}
AA_INTERCEPTOR(int, dup3, (int oldfd, int newfd, int flags)) {
  if (AA_UNLIKELY(own_fd_is(newfd) && oldfd != newfd)) own_fds_before_dup(newfd);
  Call c;
  call_begin(c, AA_DUP);
  c.args(oldfd, newfd, flags);
  return traced(c, [&] { return REAL(dup3)(oldfd, newfd, flags); });
}

namespace {
bool fcntl_traced(int cmd) {
  return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_SETFD || cmd == F_SETFL;
}
}  // namespace

// The third argument is a long or a pointer; x86-64 passes both in one register.
#define AA_FCNTL_BODY(fn)                                                 \
  va_list ap;                                                            \
  va_start(ap, cmd);                                                     \
  long arg = va_arg(ap, long);                                           \
  va_end(ap);                                                            \
  /* Our fds are not the program's: probing one (F_GETFD) says "not open". */ \
  if (AA_UNLIKELY(own_fd_is(fd))) { errno = EBADF; return -1; }          \
  if (!fcntl_traced(cmd)) return REAL(fn)(fd, cmd, arg);                 \
  Call c;                                                                \
  call_begin(c, AA_FCNTL);                                               \
  c.args(fd, cmd, arg);                                                  \
  return traced(c, [&] { return REAL(fn)(fd, cmd, arg); });

AA_INTERCEPTOR(int, fcntl, (int fd, int cmd, ...)) { AA_FCNTL_BODY(fcntl) }
AA_INTERCEPTOR(int, fcntl64, (int fd, int cmd, ...)) { AA_FCNTL_BODY(fcntl64) }

AA_INTERCEPTOR(int, chdir, (const char* path)) {
  Call c;
  call_begin(c, AA_CHDIR);
  c.args(AT_FDCWD);
  c.r.path = path;
  return traced(c, [&] { return REAL(chdir)(path); });
}
AA_INTERCEPTOR(int, fchdir, (int fd)) {
  Call c;
  call_begin(c, AA_CHDIR);
  c.args(fd);
  return traced(c, [&] { return REAL(fchdir)(fd); });
}

// ---- data ------------------------------------------------------------------
// One line per call: kind, the fd the delay check looks at, the record's args, the call.
#define AA_FD_CALL(kind, fd, call, ...)                                                  \
  if (ThreadState* fts = fast_begin())                                                   \
    return fast_traced(*fts, kind, [&] { return call; }, NoStat{}, __VA_ARGS__);        \
  Call c;                               \
  call_begin(c, kind, fd);              \
  c.args(__VA_ARGS__);                  \
  return traced(c, [&] { return call; });

AA_INTERCEPTOR(ssize_t, write, (int fd, const void* b, size_t n)) {
  if (AA_UNLIKELY(fd == g_marker_fd)) return marker_write(REAL(write), fd, b, n);
  AA_FD_CALL(AA_WRITE, fd, REAL(write)(fd, b, n), fd, n, -1, 0)
}
AA_INTERCEPTOR(ssize_t, pwrite, (int fd, const void* b, size_t n, off_t off)) {
  if (AA_UNLIKELY(fd == g_marker_fd)) return marker_write(REAL(write), fd, b, n);
  AA_FD_CALL(AA_PWRITE, fd, REAL(pwrite)(fd, b, n, off), fd, n, off, 0)
}
AA_INTERCEPTOR(ssize_t, pwrite64, (int fd, const void* b, size_t n, off64_t off)) {
  if (AA_UNLIKELY(fd == g_marker_fd)) return marker_write(REAL(write), fd, b, n);
  AA_FD_CALL(AA_PWRITE, fd, REAL(pwrite64)(fd, b, n, off), fd, n, off, 0)
}
AA_INTERCEPTOR(ssize_t, writev, (int fd, const struct iovec* iov, int cnt)) {
  AA_FD_CALL(AA_WRITEV, fd, REAL(writev)(fd, iov, cnt), fd, iov_total(iov, cnt), -1, cnt)
}
AA_INTERCEPTOR(ssize_t, pwritev, (int fd, const struct iovec* iov, int cnt, off_t off)) {
  AA_FD_CALL(AA_PWRITEV, fd, REAL(pwritev)(fd, iov, cnt, off), fd, iov_total(iov, cnt), off, cnt, 0)
}
AA_INTERCEPTOR(ssize_t, pwritev64, (int fd, const struct iovec* iov, int cnt, off64_t off)) {
  AA_FD_CALL(AA_PWRITEV, fd, REAL(pwritev64)(fd, iov, cnt, off), fd, iov_total(iov, cnt), off, cnt, 0)
}
AA_INTERCEPTOR(ssize_t, pwritev2, (int fd, const struct iovec* iov, int cnt, off_t off, int fl)) {
  AA_FD_CALL(AA_PWRITEV, fd, REAL(pwritev2)(fd, iov, cnt, off, fl), fd, iov_total(iov, cnt), off, cnt, fl)
}
AA_INTERCEPTOR(ssize_t, pwritev64v2, (int fd, const struct iovec* iov, int cnt, off64_t off, int fl)) {
  AA_FD_CALL(AA_PWRITEV, fd, REAL(pwritev64v2)(fd, iov, cnt, off, fl), fd, iov_total(iov, cnt), off, cnt, fl)
}

AA_INTERCEPTOR(ssize_t, read, (int fd, void* b, size_t n)) {
  AA_FD_CALL(AA_READ, fd, REAL(read)(fd, b, n), fd, n, -1, 0)
}
AA_INTERCEPTOR(ssize_t, __read_chk, (int fd, void* b, size_t n, size_t buflen)) {
  AA_FD_CALL(AA_READ, fd, REAL(__read_chk)(fd, b, n, buflen), fd, n, -1, 0)
}
AA_INTERCEPTOR(ssize_t, pread, (int fd, void* b, size_t n, off_t off)) {
  AA_FD_CALL(AA_PREAD, fd, REAL(pread)(fd, b, n, off), fd, n, off, 0)
}
AA_INTERCEPTOR(ssize_t, pread64, (int fd, void* b, size_t n, off64_t off)) {
  AA_FD_CALL(AA_PREAD, fd, REAL(pread64)(fd, b, n, off), fd, n, off, 0)
}
AA_INTERCEPTOR(ssize_t, __pread_chk, (int fd, void* b, size_t n, off_t off, size_t buflen)) {
  AA_FD_CALL(AA_PREAD, fd, REAL(__pread_chk)(fd, b, n, off, buflen), fd, n, off, 0)
}
AA_INTERCEPTOR(ssize_t, __pread64_chk, (int fd, void* b, size_t n, off64_t off, size_t buflen)) {
  AA_FD_CALL(AA_PREAD, fd, REAL(__pread64_chk)(fd, b, n, off, buflen), fd, n, off, 0)
}
AA_INTERCEPTOR(ssize_t, readv, (int fd, const struct iovec* iov, int cnt)) {
  AA_FD_CALL(AA_READV, fd, REAL(readv)(fd, iov, cnt), fd, iov_total(iov, cnt), -1, cnt)
}
AA_INTERCEPTOR(ssize_t, preadv, (int fd, const struct iovec* iov, int cnt, off_t off)) {
  AA_FD_CALL(AA_PREADV, fd, REAL(preadv)(fd, iov, cnt, off), fd, iov_total(iov, cnt), off, cnt, 0)
}
AA_INTERCEPTOR(ssize_t, preadv64, (int fd, const struct iovec* iov, int cnt, off64_t off)) {
  AA_FD_CALL(AA_PREADV, fd, REAL(preadv64)(fd, iov, cnt, off), fd, iov_total(iov, cnt), off, cnt, 0)
}
AA_INTERCEPTOR(ssize_t, preadv2, (int fd, const struct iovec* iov, int cnt, off_t off, int fl)) {
  AA_FD_CALL(AA_PREADV, fd, REAL(preadv2)(fd, iov, cnt, off, fl), fd, iov_total(iov, cnt), off, cnt, fl)
}
AA_INTERCEPTOR(ssize_t, preadv64v2, (int fd, const struct iovec* iov, int cnt, off64_t off, int fl)) {
  AA_FD_CALL(AA_PREADV, fd, REAL(preadv64v2)(fd, iov, cnt, off, fl), fd, iov_total(iov, cnt), off, cnt, fl)
}

AA_INTERCEPTOR(off_t, lseek, (int fd, off_t off, int whence)) {
  AA_FD_CALL(AA_LSEEK, -1, REAL(lseek)(fd, off, whence), fd, off, whence)
}
AA_INTERCEPTOR(off64_t, lseek64, (int fd, off64_t off, int whence)) {
  AA_FD_CALL(AA_LSEEK, -1, REAL(lseek64)(fd, off, whence), fd, off, whence)
}
AA_INTERCEPTOR(int, ftruncate, (int fd, off_t len)) {
  AA_FD_CALL(AA_FTRUNCATE, fd, REAL(ftruncate)(fd, len), fd, len)
}
AA_INTERCEPTOR(int, ftruncate64, (int fd, off64_t len)) {
  AA_FD_CALL(AA_FTRUNCATE, fd, REAL(ftruncate64)(fd, len), fd, len)
}
AA_INTERCEPTOR(int, fallocate, (int fd, int mode, off_t off, off_t len)) {
  AA_FD_CALL(AA_FALLOCATE, fd, REAL(fallocate)(fd, mode, off, len), fd, mode, off, len)
}
AA_INTERCEPTOR(int, fallocate64, (int fd, int mode, off64_t off, off64_t len)) {
  AA_FD_CALL(AA_FALLOCATE, fd, REAL(fallocate64)(fd, mode, off, len), fd, mode, off, len)
}
AA_INTERCEPTOR(ssize_t, copy_file_range, (int in, off64_t* oin, int out, off64_t* oout, size_t len, unsigned fl)) {
  AA_FD_CALL(AA_COPY_FILE_RANGE, out, REAL(copy_file_range)(in, oin, out, oout, len, fl), in, oin ? *oin : -1, out,
             oout ? *oout : -1, len, fl)
}
AA_INTERCEPTOR(ssize_t, sendfile, (int out, int in, off_t* off, size_t n)) {
  AA_FD_CALL(AA_SENDFILE, out, REAL(sendfile)(out, in, off, n), out, in, off ? *off : -1, n)
}
AA_INTERCEPTOR(ssize_t, sendfile64, (int out, int in, off64_t* off, size_t n)) {
  AA_FD_CALL(AA_SENDFILE, out, REAL(sendfile64)(out, in, off, n), out, in, off ? *off : -1, n)
}

#define AA_PATH_CALL(kind, path, call, ...) \
  Call c;                                   \
  call_begin(c, kind, -1, AT_FDCWD, path);  \
  c.args(__VA_ARGS__);                      \
  c.r.path = path;                          \
  return traced(c, [&] { return call; });

AA_INTERCEPTOR(int, truncate, (const char* path, off_t len)) {
  AA_PATH_CALL(AA_TRUNCATE, path, REAL(truncate)(path, len), 0, len)
}
AA_INTERCEPTOR(int, truncate64, (const char* path, off64_t len)) {
  AA_PATH_CALL(AA_TRUNCATE, path, REAL(truncate64)(path, len), 0, len)
}

// Writes through a shared writable file mapping are invisible; record the
// mapping so the analyzer can say so.  Anonymous/private maps pass untraced.
#define AA_MMAP_BODY(fn)                                                                    \
  if (fd < 0 || !(flags & MAP_SHARED) || !(prot & PROT_WRITE)) return REAL(fn)(a, n, prot, flags, fd, off); \
  Call c;                                                                                   \
  call_begin(c, AA_MMAP);                                                                   \
  c.args(fd, n, prot, flags, off);                                                          \
  return traced(c, [&] { return REAL(fn)(a, n, prot, flags, fd, off); });

AA_INTERCEPTOR(void*, mmap, (void* a, size_t n, int prot, int flags, int fd, off_t off)) { AA_MMAP_BODY(mmap) }
AA_INTERCEPTOR(void*, mmap64, (void* a, size_t n, int prot, int flags, int fd, off64_t off)) { AA_MMAP_BODY(mmap64) }
