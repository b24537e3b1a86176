// POSIX AIO: glibc performs the write on its own thread through its own
// calls, which the shim cannot see.  The analysis must say so (a warning
// note) rather than call the run clean.  The program itself is correct: it
// waits with aio_suspend before it stats the file.
#include <aio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 1;
  static char buf[] = "payload";
  struct aiocb cb;
  memset(&cb, 0, sizeof cb);
  cb.aio_fildes = fd;
  cb.aio_buf = buf;
  cb.aio_nbytes = 7;
  if (aio_write(&cb) != 0) return 3;
  const struct aiocb* list[1] = {&cb};
  while (aio_error(&cb) == EINPROGRESS) aio_suspend(list, 1, NULL);
  struct stat st;
  fstat(fd, &st);
  printf("size %ld\n", (long)st.st_size);
  return close(fd);
}
