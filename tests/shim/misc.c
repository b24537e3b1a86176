// Smaller shim behaviours, one per mode (argv[1]):
//   marker    writes an adapter marker to AWAITAUDIT_MARKER_FD
//   syscalls  futex, statx, io_uring_setup and getpid through syscall()
//   dlopen    dlopen("libm.so.6")
//   exit3     exit(3)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
      return 1;                                                            \
    }                                                                      \
  } while (0)

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "marker")) {
    const char* m = getenv("AWAITAUDIT_MARKER_FD");
    CHECK(m != NULL);
    const char msg[] = "{\"t\":\"request\",\"op\":\"write\",\"path\":\"/x\",\"id\":7}";
    CHECK(write(atoi(m), msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1));
    return 0;
  }
  if (!strcmp(argv[1], "syscalls")) {
    int fd = open("misc.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "1234567", 7) == 7 && close(fd) == 0);
    static int word = 5;
    CHECK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0);
    struct timespec ts = {0, 1000};
    errno = 0;
    CHECK(syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 4, &ts, NULL, 0) == -1 && errno == EAGAIN);
    struct statx sx;
    CHECK(syscall(SYS_statx, AT_FDCWD, "misc.txt", 0, STATX_BASIC_STATS | STATX_BTIME, &sx) == 0);
    CHECK(sx.stx_size == 7);
    errno = 0;
    CHECK(syscall(SYS_io_uring_setup, 0, NULL) == -1 && errno != 0);
    CHECK(syscall(SYS_getpid) == getpid());
    return 0;
  }
  if (!strcmp(argv[1], "dlopen")) {
    void* h = dlopen("libm.so.6", RTLD_NOW);
    CHECK(h != NULL);
    return 0;
  }
  if (!strcmp(argv[1], "exit3")) exit(3);
  return 2;
}
