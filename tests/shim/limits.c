// Resource limits the shim's log must live within (test_limits.py): the
// program must not notice it.
//   limits write  100,000 writes, then a forked child's 10 two-byte
//                 writes: under `ulimit -f` (RLIMIT_FSIZE) the log stops
//                 growing, where growing a file past the limit gets
//                 SIGXFSZ, which kills by default; the child's own log
//                 starts empty, so it has room
//   limits alloc  maps 850 MiB: under `ulimit -v` 1 GiB (RLIMIT_AS) the
//                 log's address-space reservation must leave room for it
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc == 2 && strcmp(argv[1], "write") == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) return 1;
    for (int i = 0; i < 100000; ++i)
      if (write(fd, "x", 1) != 1) return 1;
    pid_t child = fork();
    if (child == 0) {
      for (int i = 0; i < 10; ++i)
        if (write(fd, "yy", 2) != 2) _exit(1);
      _exit(0);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) != child || status != 0) return 1;
  } else if (argc == 2 && strcmp(argv[1], "alloc") == 0) {
    if (mmap(NULL, 850ul << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) return 3;
  } else {
    return 2;
  }
  printf("ok\n");
  return 0;
}
