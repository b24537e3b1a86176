/* A one-thread job pool that writes files for its caller, and a test that
 * checks the file after submitting the write.  With SEEDED_BUG the test
 * stats and reads the file as soon as the job is queued (the premature observation);
 * without it, it waits for the job's completion first.  The test passes
 * either way: the point is that awaitaudit finds what the assertion-free test
 * does not. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct job {
  int fd;
  const char* data;
  size_t len;
  int done;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t have_job = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static struct job* queued;
static int quit;

static void* worker(void* arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (!queued && !quit) pthread_cond_wait(&have_job, &mu);
    if (!queued) {
      pthread_mutex_unlock(&mu);
      return NULL;
    }
    struct job* j = queued;
    queued = NULL;
    pthread_mutex_unlock(&mu);
    if (write(j->fd, j->data, j->len) < 0) perror("write"); /* the offloaded write */
    pthread_mutex_lock(&mu);
    j->done = 1;
    pthread_cond_broadcast(&job_done);
    pthread_mutex_unlock(&mu);
  }
}

static void submit(struct job* j) {
  pthread_mutex_lock(&mu);
  queued = j;
  pthread_cond_signal(&have_job);
  pthread_mutex_unlock(&mu);
}

static void wait_done(struct job* j) {
  pthread_mutex_lock(&mu);
  while (!j->done) pthread_cond_wait(&job_done, &mu);
  pthread_mutex_unlock(&mu);
}

/* Two observations in their own functions, so a suppression can name one. */
static int observe_size(const char* path, size_t want) {
  struct stat st;
  return stat(path, &st) == 0 && st.st_size != (off_t)want;
}

static int observe_content(const char* path, size_t want) {
  char buf[256];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  return n != (ssize_t)want;
}

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "work";
  mkdir(dir, 0755);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  static const char payload[] = "pool test payload\n";
  int stale = 0, iters = 30;
  for (int i = 0; i < iters; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/out%d.txt", dir, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) { perror(path); return 2; }
    struct job j = {fd, payload, sizeof payload - 1, 0};
    submit(&j);
#ifndef SEEDED_BUG
    wait_done(&j);
#endif
    stale += observe_size(path, sizeof payload - 1);
    stale += observe_content(path, sizeof payload - 1);
#ifdef SEEDED_BUG
    wait_done(&j);
#endif
    close(fd);
    unlink(path);
  }
  pthread_mutex_lock(&mu);
  quit = 1;
  pthread_cond_broadcast(&have_job);
  pthread_mutex_unlock(&mu);
  pthread_join(t, NULL);
  printf("stale %d/%d\n", stale, iters);
  return 0;
}
