// A child that writes a file, then reports on its stdout through stdio and
// exits: the report reaches a pipe only in exit()'s flush, after the
// program's last call.  With a second argument "stream" the report goes
// through a stream of its own on a copy of fd 1 (fdopen), never closed:
// exit() flushes every open stream, not only stdout.  See
// programs/child_prints.py.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 3 && strcmp(argv[2], "stream") == 0)) return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "payload", 7) != 7 || close(fd) != 0) return 1;
  FILE* report = stdout;
  if (argc == 3 && !(report = fdopen(dup(1), "w"))) return 1;
  fprintf(report, "done %s\n", argv[1]);  // buffered: the fd is a pipe
  return 0;
}
