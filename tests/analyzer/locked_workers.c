// Two worker threads, started one after the other, take turns on one file
// under a pthread mutex: each read-modify-writes a counter in it.  A correct
// program (the count comes out exact): the lock orders every read before the
// other thread's next write, so no read "overtook" a write.  With the lock
// order visible, awaitaudit must report nothing; it used to report the
// second thread's reads as overtaking the first thread's later writes.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char* path;
static int iterations;

static void* worker(void* arg) {
  int fd = open(path, O_RDWR);
  if (fd < 0) exit(3);
  for (int i = 0; i < iterations; ++i) {
    pthread_mutex_lock(&lock);
    char buf[32] = {0};
    if (pread(fd, buf, sizeof buf - 1, 0) < 0) exit(4);
    int n = snprintf(buf, sizeof buf, "%010ld\n", atol(buf) + 1);
    if (pwrite(fd, buf, (size_t)n, 0) != n) exit(5);
    pthread_mutex_unlock(&lock);
  }
  close(fd);
  return arg;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  path = argv[1];
  iterations = atoi(argv[2]);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "0000000000\n", 11) != 11 || close(fd) != 0) return 3;
  pthread_t t[2];
  for (int k = 0; k < 2; ++k)
    if (pthread_create(&t[k], NULL, worker, NULL) != 0) return 3;
  for (int k = 0; k < 2; ++k) pthread_join(t[k], NULL);
  char buf[32] = {0};
  fd = open(path, O_RDONLY);
  if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) return 4;
  printf("count %ld of %d\n", atol(buf), 2 * iterations);
  return 0;
}
