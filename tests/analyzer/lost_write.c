// A hand-rolled C pool that loses a write error: main hands a write to a
// worker (mutex + condvar queue) and waits for "done"; the worker's pwrite
// fails, but the job reports nothing back, so main fstats, closes and prints
// "saved".  With `limit` the process runs under RLIMIT_FSIZE = 32 MiB
// (SIGXFSZ ignored) and the write at offset 32 MiB fails with EFBIG; with
// `nolimit` (the twin) it succeeds.  The limit is not smaller because it
// also binds the shim's own log file (header and 1 MiB chunks).
// usage: lost_write limit|nolimit FILE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIMIT (32L << 20)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t have_job = PTHREAD_COND_INITIALIZER, job_done = PTHREAD_COND_INITIALIZER;
static int job_fd = -1, done = 0;

static void* worker(void* arg) {
  (void)arg;
  pthread_mutex_lock(&mu);
  while (job_fd < 0) pthread_cond_wait(&have_job, &mu);
  int fd = job_fd;
  pthread_mutex_unlock(&mu);
  char buf[100];
  memset(buf, 'x', sizeof buf);
  ssize_t n = pwrite(fd, buf, sizeof buf, LIMIT);  // the error goes nowhere: the bug
  (void)n;
  pthread_mutex_lock(&mu);
  done = 1;
  pthread_cond_signal(&job_done);
  pthread_mutex_unlock(&mu);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  if (strcmp(argv[1], "limit") == 0) {
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {LIMIT, LIMIT};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) return 3;
  }
  int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 4;
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&mu);
  job_fd = fd;
  pthread_cond_signal(&have_job);
  while (!done) pthread_cond_wait(&job_done, &mu);
  pthread_mutex_unlock(&mu);
  struct stat st;
  fstat(fd, &st);
  close(fd);
  pthread_join(t, NULL);
  printf("saved (size %lld)\n", (long long)st.st_size);
  return 0;
}
