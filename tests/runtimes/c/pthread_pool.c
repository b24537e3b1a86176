// A hand-rolled thread pool (mutex + condvar job queue).  main hands each
// write to the pool, then fstat()s the file: the positive form does so before
// the job's completion was signalled, the twin (--twin) waits on the job's
// completion condvar first.  Prints `stale K/N`: iterations whose fstat saw a
// size that misses the write.
//
// Lines tagged AA-SUBMIT / AA-WRITE / AA-OBSERVE are looked up by the test
// driver and must appear in the report's stacks.
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "subject_common.h"

enum { kWorkers = 2, kQueueCap = 16 };

static const char kPayload[] = "awaitaudit pthread pool payload\n";

struct job {
  int fd;            // the file main opened, or -1 (--stdio)
  const char* path;  // --stdio: the worker creates and writes it
  bool done;
  pthread_cond_t done_cv;  // signalled under pool.lock when `done` is set
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t work_cv;  // the condvar idle workers sleep on
  struct job* queue[kQueueCap];
  int head, count;
  bool stopping;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, false};

static void run_job(struct job* j) {
  if (j->fd < 0) {
    FILE* f = fopen(j->path, "w");
    if (!f || fputs(kPayload, f) == EOF) perror(j->path);
    if (f && fclose(f) != 0) perror("fclose");  // AA-WRITE stdio
    return;
  }
  ssize_t n = write(j->fd, kPayload, sizeof kPayload - 1);  // AA-WRITE fd
  if (n != (ssize_t)(sizeof kPayload - 1)) perror("write");
}

static void* worker(void* unused) {
  (void)unused;
  pthread_mutex_lock(&pool.lock);
  for (;;) {
    while (pool.count == 0 && !pool.stopping) pthread_cond_wait(&pool.work_cv, &pool.lock);
    if (pool.count == 0) break;
    struct job* j = pool.queue[pool.head];
    pool.head = (pool.head + 1) % kQueueCap;
    pool.count--;
    pthread_mutex_unlock(&pool.lock);
    run_job(j);
    pthread_mutex_lock(&pool.lock);
    j->done = true;
    pthread_cond_signal(&j->done_cv);
  }
  pthread_mutex_unlock(&pool.lock);
  return NULL;
}

static void submit(struct job* j) {
  pthread_mutex_lock(&pool.lock);
  pool.queue[(pool.head + pool.count) % kQueueCap] = j;
  pool.count++;
  pthread_cond_signal(&pool.work_cv);
  pthread_mutex_unlock(&pool.lock);
}

static void wait_done(struct job* j) {
  pthread_mutex_lock(&pool.lock);
  while (!j->done) pthread_cond_wait(&j->done_cv, &pool.lock);
  pthread_mutex_unlock(&pool.lock);
}

int main(int argc, char** argv) {
  struct subject_args args;
  subject_parse(argc, argv, "pthread_pool", &args);
  pthread_t workers[kWorkers];
  for (int i = 0; i < kWorkers; i++) pthread_create(&workers[i], NULL, worker, NULL);

  int stale = 0;
  for (int i = 0; i < args.iters; i++) {
    char path[600];
    subject_path(&args, i, path, sizeof path);
    int fd = args.stdio ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 && !args.stdio) {
      perror(path);
      return 3;
    }
    struct job j = {.fd = fd, .path = path, .done = false};
    pthread_cond_init(&j.done_cv, NULL);
    submit(&j);  // AA-SUBMIT
    if (args.twin) wait_done(&j);
    struct stat st = {0};
    if (args.stdio) {
      // ENOENT when the worker has not even created it yet
      if (stat(path, &st) != 0) st.st_size = -1;  // AA-OBSERVE stdio
    } else {
      if (fstat(fd, &st) != 0) perror("fstat");  // AA-OBSERVE fd
    }
    if (st.st_size != (off_t)(sizeof kPayload - 1)) stale++;
    wait_done(&j);  // the positive form waits too, but only after looking
    pthread_cond_destroy(&j.done_cv);
    if (fd >= 0) close(fd);
  }

  pthread_mutex_lock(&pool.lock);
  pool.stopping = true;
  pthread_cond_broadcast(&pool.work_cv);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < kWorkers; i++) pthread_join(workers[i], NULL);
  subject_cleanup(&args);
  printf("stale %d/%d\n", stale, args.iters);
  return 0;
}
