// 64 short-lived threads, one after another, each making one write: the
// shape (thread pools growing, per-request threads) where a log chunk per
// thread must not cost a whole pre-faulted 2 MiB of page cache.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static int g_fd;

static void* worker(void* arg) {
  char c = 'x';
  return write(g_fd, &c, 1) == 1 ? NULL : (void*)1;
}

int main(void) {
  g_fd = open("many.out", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (g_fd < 0) return 2;
  for (int i = 0; i < 64; ++i) {
    pthread_t t;
    void* bad;
    if (pthread_create(&t, NULL, worker, NULL) != 0 || pthread_join(t, &bad) != 0 || bad) return 3;
  }
  return close(g_fd);
}
