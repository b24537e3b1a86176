// Metadata and ordering calls: the stat family (modern, 64-bit and legacy
// __xstat aliases, statx), access/faccessat/euidaccess, fsync/fdatasync/sync_file_range/syncfs, and the
// namespace calls (rename, link, symlink, unlink, mkdir).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interceptor.h"

using namespace aa;

// Legacy entry points that old binaries still call (not in current headers).
extern "C" {
int __xstat(int, const char*, struct stat*);
int __lxstat(int, const char*, struct stat*);
int __fxstat(int, int, struct stat*);
int __fxstatat(int, int, const char*, struct stat*, int);
int __xstat64(int, const char*, struct stat64*);
int __lxstat64(int, const char*, struct stat64*);
int __fxstat64(int, int, struct stat64*);
int __fxstatat64(int, int, const char*, struct stat64*, int);
}

namespace {

// On x86-64 struct stat and struct stat64 share one layout.
template <class S>
void take_stat(Call& c, int r, const S* st) {
  static_assert(sizeof(S) == sizeof(struct stat));
  if (c.ts && r == 0 && st) {
    stat_from_kstat(c.st, *(const struct stat*)st);
    c.r.st = &c.st;
  }
}

template <class S, class F>
int traced_path_stat(int dirfd, const char* path, int flags, S* st, F&& fn) {
  Call c;
  call_begin(c, AA_STAT, -1, dirfd, path);
  c.args(dirfd, flags);
  c.r.path = path;
  int r = fn();
  take_stat(c, r, st);
  if (c.ts) call_end(c, r);
  return r;
}

template <class S, class F>
int traced_fd_stat(int fd, S* st, F&& fn) {
  // Without the shim our fds would not be open: a program that finds its
  // open fds by fstat()ing every number (CPython's test_subprocess
  // fd_status.py checks what a child inherited) must not see them.
  auto call = [&] { return AA_UNLIKELY(own_fd_is(fd)) ? (errno = EBADF, -1) : fn(); };
  static_assert(sizeof(S) == sizeof(struct stat));
  if (ThreadState* ts = fast_begin()) {
    auto stat_of = [st](int r, aa_stat& out) -> const aa_stat* {
      if (r != 0 || !st) return nullptr;
      stat_from_kstat(out, *(const struct stat*)st);
      return &out;
    };
    return fast_traced(*ts, AA_FSTAT, call, stat_of, fd);
  }
  Call c;
  call_begin(c, AA_FSTAT, fd);
  c.args(fd);
  int r = call();
  take_stat(c, r, st);
  if (c.ts) call_end(c, r);
  return r;
}

}  // namespace

#define AA_STAT_PATH(name, S, dirfd, flags, ...) \
  AA_INTERCEPTOR(int, name, (const char* path, S* st)) { \
    return traced_path_stat(dirfd, path, flags, st, [&] { return REAL(name)(__VA_ARGS__); }); }
#define AA_XSTAT_PATH(name, S, flags) \
  AA_INTERCEPTOR(int, name, (int ver, const char* path, S* st)) { \
    return traced_path_stat(AT_FDCWD, path, flags, st, [&] { return REAL(name)(ver, path, st); }); }

AA_STAT_PATH(stat, struct stat, AT_FDCWD, 0, path, st)
AA_STAT_PATH(stat64, struct stat64, AT_FDCWD, 0, path, st)
AA_STAT_PATH(lstat, struct stat, AT_FDCWD, AT_SYMLINK_NOFOLLOW, path, st)
AA_STAT_PATH(lstat64, struct stat64, AT_FDCWD, AT_SYMLINK_NOFOLLOW, path, st)
AA_XSTAT_PATH(__xstat, struct stat, 0)
AA_XSTAT_PATH(__xstat64, struct stat64, 0)
AA_XSTAT_PATH(__lxstat, struct stat, AT_SYMLINK_NOFOLLOW)
AA_XSTAT_PATH(__lxstat64, struct stat64, AT_SYMLINK_NOFOLLOW)

AA_INTERCEPTOR(int, fstatat, (int dirfd, const char* path, struct stat* st, int flags)) {
  return traced_path_stat(dirfd, path, flags, st, [&] { return REAL(fstatat)(dirfd, path, st, flags); });
}
AA_INTERCEPTOR(int, fstatat64, (int dirfd, const char* path, struct stat64* st, int flags)) {
  return traced_path_stat(dirfd, path, flags, st, [&] { return REAL(fstatat64)(dirfd, path, st, flags); });
}
AA_INTERCEPTOR(int, __fxstatat, (int ver, int dirfd, const char* path, struct stat* st, int flags)) {
  return traced_path_stat(dirfd, path, flags, st, [&] { return REAL(__fxstatat)(ver, dirfd, path, st, flags); });
}
AA_INTERCEPTOR(int, __fxstatat64, (int ver, int dirfd, const char* path, struct stat64* st, int flags)) {
  return traced_path_stat(dirfd, path, flags, st, [&] { return REAL(__fxstatat64)(ver, dirfd, path, st, flags); });
}
AA_INTERCEPTOR(int, fstat, (int fd, struct stat* st)) {
  return traced_fd_stat(fd, st, [&] { return REAL(fstat)(fd, st); });
}
AA_INTERCEPTOR(int, fstat64, (int fd, struct stat64* st)) {
  return traced_fd_stat(fd, st, [&] { return REAL(fstat64)(fd, st); });
}
AA_INTERCEPTOR(int, __fxstat, (int ver, int fd, struct stat* st)) {
  return traced_fd_stat(fd, st, [&] { return REAL(__fxstat)(ver, fd, st); });
}
AA_INTERCEPTOR(int, __fxstat64, (int ver, int fd, struct stat64* st)) {
  return traced_fd_stat(fd, st, [&] { return REAL(__fxstat64)(ver, fd, st); });
}

// Existence and permission checks (Node's fs.existsSync, shell `test -e`):
// to the analysis a stat without a result, ENOENT when the file is not there.
template <class F>
int traced_access(int dirfd, const char* path, int mode, int flags, F&& fn) {
  Call c;
  call_begin(c, AA_ACCESS, -1, dirfd, path);
  c.args(dirfd, mode, flags);
  c.r.path = path;
  return traced(c, fn);
}
AA_INTERCEPTOR(int, access, (const char* path, int mode)) {
  return traced_access(AT_FDCWD, path, mode, 0, [&] { return REAL(access)(path, mode); });
}
AA_INTERCEPTOR(int, faccessat, (int dirfd, const char* path, int mode, int flags)) {
  return traced_access(dirfd, path, mode, flags, [&] { return REAL(faccessat)(dirfd, path, mode, flags); });
}
AA_INTERCEPTOR(int, euidaccess, (const char* path, int mode)) {
  return traced_access(AT_FDCWD, path, mode, AT_EACCESS, [&] { return REAL(euidaccess)(path, mode); });
}
AA_INTERCEPTOR(int, eaccess, (const char* path, int mode)) {
  return traced_access(AT_FDCWD, path, mode, AT_EACCESS, [&] { return REAL(eaccess)(path, mode); });
}

AA_INTERCEPTOR(int, statx, (int dirfd, const char* path, int flags, unsigned mask, struct statx* sx)) {
  Call c;
  call_begin(c, AA_STATX, -1, dirfd, path);
  c.args(dirfd, flags, mask);
  c.r.path = path;
  int r = REAL(statx)(dirfd, path, flags, mask, sx);
  if (c.ts) {
    if (r == 0) {
      stat_from_statx(c.st, *sx);
      c.r.st = &c.st;
    }
    call_end(c, r);
  }
  return r;
}

// ---- durability ------------------------------------------------------------
#define AA_SYNC_CALL(kind, fd, call, ...) \
  Call c;                                 \
  call_begin(c, kind, fd);                \
  c.args(__VA_ARGS__);                    \
  return traced(c, [&] { return call; });

AA_INTERCEPTOR(int, fsync, (int fd)) { AA_SYNC_CALL(AA_FSYNC, fd, REAL(fsync)(fd), fd) }
AA_INTERCEPTOR(int, fdatasync, (int fd)) { AA_SYNC_CALL(AA_FDATASYNC, fd, REAL(fdatasync)(fd), fd) }
AA_INTERCEPTOR(int, syncfs, (int fd)) { AA_SYNC_CALL(AA_SYNCFS, fd, REAL(syncfs)(fd), fd) }
AA_INTERCEPTOR(int, sync_file_range, (int fd, off64_t off, off64_t n, unsigned fl)) {
  AA_SYNC_CALL(AA_SYNC_FILE_RANGE, fd, REAL(sync_file_range)(fd, off, n, fl), fd, off, n, fl)
}

// ---- namespace -------------------------------------------------------------
// One line per call: kind, dirfd + path the delay check looks at, paths, args, call.
#define AA_NS_CALL(kind, dirfd, p1, p2, call, ...) \
  Call c;                                          \
  call_begin(c, kind, -1, dirfd, p1);              \
  c.args(__VA_ARGS__);                             \
  c.r.path = p1;                                   \
  c.r.path2 = p2;                                  \
  return traced(c, [&] { return call; });

AA_INTERCEPTOR(int, rename, (const char* o, const char* n)) {
  AA_NS_CALL(AA_RENAME, AT_FDCWD, o, n, REAL(rename)(o, n), AT_FDCWD, AT_FDCWD, 0)
}
AA_INTERCEPTOR(int, renameat, (int od, const char* o, int nd, const char* n)) {
  AA_NS_CALL(AA_RENAME, od, o, n, REAL(renameat)(od, o, nd, n), od, nd, 0)
}
AA_INTERCEPTOR(int, renameat2, (int od, const char* o, int nd, const char* n, unsigned fl)) {
  AA_NS_CALL(AA_RENAME, od, o, n, REAL(renameat2)(od, o, nd, n, fl), od, nd, fl)
}
AA_INTERCEPTOR(int, link, (const char* o, const char* n)) {
  AA_NS_CALL(AA_LINK, AT_FDCWD, o, n, REAL(link)(o, n), AT_FDCWD, AT_FDCWD, 0)
}
AA_INTERCEPTOR(int, linkat, (int od, const char* o, int nd, const char* n, int fl)) {
  AA_NS_CALL(AA_LINK, od, o, n, REAL(linkat)(od, o, nd, n, fl), od, nd, fl)
}
AA_INTERCEPTOR(int, symlink, (const char* target, const char* n)) {
  AA_NS_CALL(AA_SYMLINK, AT_FDCWD, target, n, REAL(symlink)(target, n), 0, AT_FDCWD)
}
AA_INTERCEPTOR(int, symlinkat, (const char* target, int nd, const char* n)) {
  AA_NS_CALL(AA_SYMLINK, nd, target, n, REAL(symlinkat)(target, nd, n), 0, nd)
}
AA_INTERCEPTOR(int, unlink, (const char* p)) {
  AA_NS_CALL(AA_UNLINK, AT_FDCWD, p, nullptr, REAL(unlink)(p), AT_FDCWD, 0)
}
AA_INTERCEPTOR(int, unlinkat, (int d, const char* p, int fl)) {
  AA_NS_CALL(AA_UNLINK, d, p, nullptr, REAL(unlinkat)(d, p, fl), d, fl)
}
AA_INTERCEPTOR(int, remove, (const char* p)) {
  AA_NS_CALL(AA_UNLINK, AT_FDCWD, p, nullptr, REAL(remove)(p), AT_FDCWD, 0)
}
AA_INTERCEPTOR(int, mkdir, (const char* p, mode_t m)) {
  AA_NS_CALL(AA_MKDIR, AT_FDCWD, p, nullptr, REAL(mkdir)(p, m), AT_FDCWD, m)
}
AA_INTERCEPTOR(int, mkdirat, (int d, const char* p, mode_t m)) {
  AA_NS_CALL(AA_MKDIR, d, p, nullptr, REAL(mkdirat)(d, p, m), d, m)
}
