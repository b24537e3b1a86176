// Lists the fds this process has open, three ways: fstat() and
// fcntl(F_GETFD) on every number below the fd limit (how CPython's
// fd_status.py and closefrom() emulations find them) and /proc/self/fd
// (which still shows the shim's own fds: they exist, they are only hidden
// from the per-number probes).  With an argument N, first dup2()s stdin onto
// N, so a program taking a number the shim parked at gets it.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void probe(const char* name, int use_fcntl) {
  long max = sysconf(_SC_OPEN_MAX);
  printf("%s:", name);
  for (int fd = 0; fd < max; ++fd) {
    struct stat st;
    int open_ = use_fcntl ? fcntl(fd, F_GETFD) >= 0 : fstat(fd, &st) == 0;
    if (open_) printf(" %d", fd);
  }
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc > 1 && dup2(0, atoi(argv[1])) < 0) {
    perror("dup2");
    return 1;
  }
  probe("fstat", 0);
  probe("fcntl", 1);
  printf("proc:");
  DIR* d = opendir("/proc/self/fd");
  int self = d ? dirfd(d) : -1;
  for (struct dirent* e; d && (e = readdir(d));)
    if (e->d_name[0] != '.' && atoi(e->d_name) != self) printf(" %s", e->d_name);
  if (d) closedir(d);
  printf("\n");
  return 0;
}
