// The tokio 7378 shape in plain C, for the report tests: main opens PATH,
// hands the write to a worker thread through a condvar (the "await" returns
// at once), then stat()s PATH.  With --twin, main first waits for the
// worker's completion signal.  Prints `stale K/N` (stats that missed the write).
// Extra arguments are ignored: the tests pass odd argv to check escaping.
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char kPayload[] = "0123456789";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER, done_cv = PTHREAD_COND_INITIALIZER;
static int job_fd = -1;
static bool job_done, stopping;

static void* worker(void* unused) {
  (void)unused;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (job_fd < 0 && !stopping) pthread_cond_wait(&work_cv, &lock);
    if (job_fd < 0) break;
    int fd = job_fd;
    pthread_mutex_unlock(&lock);
    if (write(fd, kPayload, sizeof kPayload - 1) < 0) perror("write");  // the offloaded write
    pthread_mutex_lock(&lock);
    job_fd = -1;
    job_done = true;
    pthread_cond_signal(&done_cv);
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  bool twin = false;
  int iters = 1;
  const char* path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--twin")) twin = true;
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
    else if (!path) path = argv[i];
  }
  if (!path) {
    fprintf(stderr, "usage: stale_write [--twin] [--iters N] PATH [ignored args...]\n");
    return 2;
  }
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  int stale = 0;
  for (int i = 0; i < iters; i++) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      perror(path);
      return 1;
    }
    pthread_mutex_lock(&lock);
    job_fd = fd;
    job_done = false;
    pthread_cond_signal(&work_cv);  // the submission
    if (twin)
      while (!job_done) pthread_cond_wait(&done_cv, &lock);  // the acknowledgment
    pthread_mutex_unlock(&lock);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size != (off_t)(sizeof kPayload - 1)) stale++;  // the observation
    pthread_mutex_lock(&lock);
    while (!job_done) pthread_cond_wait(&done_cv, &lock);
    pthread_mutex_unlock(&lock);
    close(fd);
  }
  pthread_mutex_lock(&lock);
  stopping = true;
  pthread_cond_signal(&work_cv);
  pthread_mutex_unlock(&lock);
  pthread_join(t, NULL);
  printf("stale %d/%d\n", stale, iters);
  return 0;
}
