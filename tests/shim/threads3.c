// Three threads hand a file along: A writes it (write, pwrite, writev, fstat,
// fsync) and passes the fd over a pipe; B statx()es and renames it and wakes C
// through an eventfd; C closes it and makes three calls that must fail.
// Every call's expected result is checked here (the values the program sees
// without the shim) and printed as a JSON line for the driver to find in the log.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int pipefd[2], evfd;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static char out[16384];
static size_t out_len;
static int failures;

// Records what the dump must show for one call and checks the result.
static void expect(const char* kind, long ret, long want_ret, int err, int want_err, const char* args) {
  int tid = (int)syscall(SYS_gettid);
  pthread_mutex_lock(&out_lock);
  if (ret != want_ret || (want_ret == -1 && err != want_err)) {
    fprintf(stderr, "%s: got %ld errno %d, want %ld errno %d\n", kind, ret, err, want_ret, want_err);
    failures++;
  }
  out_len += (size_t)snprintf(out + out_len, sizeof out - out_len,
                              "{\"kind\":\"%s\",\"tid\":%d,\"ret\":%ld,\"errno\":%d,\"args\":{%s}}\n", kind, tid,
                              ret, ret == -1 ? err : 0, args);
  pthread_mutex_unlock(&out_lock);
}

static void* thread_a(void* unused) {
  char args[256];
  int fd = open("data.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
  snprintf(args, sizeof args, "\"flags\":%d,\"mode\":420", O_CREAT | O_RDWR | O_TRUNC);
  expect("open", fd, fd >= 0 ? fd : 0, errno, 0, args);
  ssize_t r = write(fd, "0123456789abcdef", 16);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":16", fd);
  expect("write", r, 16, errno, 0, args);
  r = pwrite(fd, "PPPPPPPP", 8, 100);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":8,\"offset\":100", fd);
  expect("pwrite", r, 8, errno, 0, args);
  struct iovec iov[2] = {{"abcd", 4}, {"efghij", 6}};
  r = writev(fd, iov, 2);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":10,\"iovcnt\":2", fd);
  expect("writev", r, 10, errno, 0, args);
  struct stat st;
  int s = fstat(fd, &st);
  snprintf(args, sizeof args, "\"fd\":%d", fd);
  expect("fstat", s, 0, errno, 0, args);
  if (st.st_size != 108) { fprintf(stderr, "fstat size %ld\n", (long)st.st_size); failures++; }
  s = fsync(fd);
  expect("fsync", s, 0, errno, 0, args);
  r = write(pipefd[1], &fd, sizeof fd);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":4", pipefd[1]);
  expect("write", r, 4, errno, 0, args);
  return NULL;
}

static void* thread_b(void* unused) {
  char args[256];
  int fd = -1;
  ssize_t r = read(pipefd[0], &fd, sizeof fd);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":4", pipefd[0]);
  expect("read", r, 4, errno, 0, args);
  struct statx sx;
  int s = statx(AT_FDCWD, "data.bin", 0, STATX_BASIC_STATS, &sx);
  snprintf(args, sizeof args, "\"dirfd\":%d,\"flags\":0,\"mask\":%d", AT_FDCWD, STATX_BASIC_STATS);
  expect("statx", s, 0, errno, 0, args);
  if (sx.stx_size != 108) { fprintf(stderr, "statx size %llu\n", (unsigned long long)sx.stx_size); failures++; }
  s = rename("data.bin", "data2.bin");
  expect("rename", s, 0, errno, 0, "");
  uint64_t one = (uint64_t)fd;
  r = write(evfd, &one, sizeof one);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":8", evfd);
  expect("write", r, 8, errno, 0, args);
  return NULL;
}

static void* thread_c(void* unused) {
  char args[256];
  uint64_t v = 0;
  ssize_t r = read(evfd, &v, sizeof v);
  snprintf(args, sizeof args, "\"fd\":%d,\"count\":8", evfd);
  expect("read", r, 8, errno, 0, args);
  int fd = (int)v;
  int s = close(fd);
  snprintf(args, sizeof args, "\"fd\":%d", fd);
  expect("close", s, 0, errno, 0, args);
  errno = 0;
  s = close(fd);
  expect("close", s, -1, errno, EBADF, args);
  int bad = open("no/such/file", O_RDONLY);
  snprintf(args, sizeof args, "\"flags\":0");
  expect("open", bad, -1, errno, ENOENT, args);
  r = write(-1, "x", 1);
  expect("write", r, -1, errno, EBADF, "\"fd\":-1,\"count\":1");
  return NULL;
}

int main(void) {
  char args[128];
  int s = pipe(pipefd);
  snprintf(args, sizeof args, "\"rfd\":%d,\"wfd\":%d", pipefd[0], pipefd[1]);
  expect("pipe", s, 0, errno, 0, args);
  evfd = eventfd(0, 0);
  expect("eventfd", evfd, evfd >= 0 ? evfd : 0, errno, 0, "\"initval\":0");
  pthread_t a, b, c;
  pthread_create(&c, NULL, thread_c, NULL);
  pthread_create(&b, NULL, thread_b, NULL);
  pthread_create(&a, NULL, thread_a, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  pthread_join(c, NULL);
  fputs(out, stdout);
  unlink("data2.bin");
  return failures ? 1 : 0;
}
