// Calls whose records take each fixed-part layout (log format v4): plain
// writes and fstats (tiny), a pwrite at an offset and mutex calls
// (address), a failed write (compact), a pwrite past 2 GiB and an open with
// a path (full).  test_layout.py reads the raw log.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  int fd = open("layout.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return 1;
  char block[64] = {0};
  struct stat st;
  for (int i = 0; i < 2000; ++i) {
    if (write(fd, block, sizeof block) != sizeof block) return 1;
    if (i % 16 == 15 && fstat(fd, &st) != 0) return 1;
  }
  if (write(-5, block, 1) != -1) return 1;                   // EBADF: compact (err)
  if (pwrite(fd, block, 8, 1 << 20) != 8) return 1;          // offset: address
  if (pwrite(fd, block, 8, 3ll << 30) != 8) return 1;        // offset past 2^31: full
  if (fstat(fd, &st) != 0 || st.st_size != (3ll << 30) + 8) return 1;
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;             // a stack address: address records
  for (int i = 0; i < 3; ++i) {
    if (pthread_mutex_lock(&m) != 0 || pthread_mutex_unlock(&m) != 0) return 1;
  }
  printf("%d\n", fd);
  return close(fd);
}
