// A child that writes a file, then reports on its stdout through stdio and
// exits: the report reaches a pipe only in exit()'s flush, after the
// program's last call.  See programs/child_prints.py.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "payload", 7) != 7 || close(fd) != 0) return 1;
  printf("done %s\n", argv[1]);  // buffered: stdout is a pipe
  return 0;
}
