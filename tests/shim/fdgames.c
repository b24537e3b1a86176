// A program that tramples the shim's descriptors: dup2() onto the log fd and
// the marker fd (mode dup2), or close_range(3, ~0U, 0) (mode close_range).
// Each call must behave exactly as it would without the shim, and the program
// keeps doing file I/O afterwards.  Without the shim, fds 1000/1001 stand in.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int find_log_fd(void) {
  DIR* d = opendir("/proc/self/fd");
  int found = -1;
  struct dirent* e;
  while (d && (e = readdir(d))) {
    char p[64], t[512];
    snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
    ssize_t n = readlink(p, t, sizeof t - 1);
    if (n > 6) {
      t[n] = 0;
      if (!strcmp(t + n - 6, ".aalog")) found = atoi(e->d_name);
    }
  }
  if (d) closedir(d);
  return found;
}

#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
      return 1;                                                  \
    }                                                            \
  } while (0)

static int io_after(const char* name) {
  int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(fd >= 0);
  for (int i = 0; i < 20; ++i) CHECK(write(fd, "abcdefgh", 8) == 8);
  CHECK(close(fd) == 0);
  return 0;
}

int main(int argc, char** argv) {
  int log_fd = find_log_fd();
  if (log_fd < 0) log_fd = 1000;
  const char* m = getenv("AWAITAUDIT_MARKER_FD");
  int marker_fd = m ? atoi(m) : 1001;
  if (argc > 1 && !strcmp(argv[1], "dup2")) {
    int f = open("target.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(f >= 0);
    CHECK(dup2(f, log_fd) == log_fd);
    CHECK(write(log_fd, "hello", 5) == 5);
    struct stat st;
    CHECK(fstat(f, &st) == 0 && st.st_size == 5);  // log_fd now is our file
    CHECK(dup3(f, marker_fd, O_CLOEXEC) == marker_fd);
    CHECK(write(marker_fd, "world", 5) == 5);
    CHECK(fstat(f, &st) == 0 && st.st_size == 10);
    CHECK(close(log_fd) == 0 && close(marker_fd) == 0);
    errno = 0;
    CHECK(close(log_fd) == -1 && errno == EBADF);
    CHECK(close(f) == 0);
    return io_after("after.txt");
  }
  if (argc > 1 && !strcmp(argv[1], "close_range")) {
    errno = 0;
    CHECK(close(log_fd) == -1 && errno == EBADF);  // not the program's fd: as if absent
    CHECK(close_range(3, ~0U, 0) == 0);
    int f = open("after.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(f == 3);  // lowest free fd, as without the shim
    CHECK(close(f) == 0);
    return io_after("after.txt");
  }
  return 2;
}
