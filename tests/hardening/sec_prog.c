// Subject for the security tests: writes a file with known contents, reads
// it back, prints what it saw and its effective uid.  Its output and exit
// code must be the same with the shim, without it, and when the shim refuses
// to log.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "sec_prog.out";
  const char* content = argc > 2 ? argv[2] : "hello";
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) { perror("open"); return 3; }
  if (write(fd, content, strlen(content)) != (ssize_t)strlen(content)) { perror("write"); return 4; }
  close(fd);
  char buf[256] = {0};
  fd = open(path, O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("read %zd bytes: %s; euid %d\n", n, buf, (int)geteuid());
  return 0;
}
