// Under a file-size limit (`ulimit -f`, RLIMIT_FSIZE) the shim's log stops
// growing; the program must not notice (test_fsize.py): growing a file past
// the limit gets SIGXFSZ, which kills by default.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  int fd = open("/dev/null", O_WRONLY);
  if (fd < 0) return 1;
  for (int i = 0; i < 100000; ++i)
    if (write(fd, "x", 1) != 1) return 1;
  printf("ok\n");
  return 0;
}
