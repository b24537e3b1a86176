// fork with and without other threads alive, under AWAITAUDIT_STACKS: the
// child of a threaded parent writes without a stack (libunwind is not safe
// between fork and exec there), the child of a single-threaded parent with
// one.  usage: forkstacks threaded|single PATH
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stop;

static void* idler(void* unused) {
  (void)unused;
  pthread_mutex_lock(&lock);
  while (!stop) pthread_cond_wait(&cv, &lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

static int child_writes(const char* path) {
  pid_t p = fork();
  if (p < 0) return 1;
  if (p == 0) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    _exit(fd >= 0 && write(fd, "child\n", 6) == 6 && close(fd) == 0 ? 0 : 1);
  }
  int st = 0;
  return waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int threaded = strcmp(argv[1], "threaded") == 0;
  pthread_t th;
  if (threaded && pthread_create(&th, NULL, idler, NULL) != 0) return 3;
  int rc = child_writes(argv[2]);
  if (threaded) {
    pthread_mutex_lock(&lock);
    stop = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&lock);
    pthread_join(th, NULL);
  }
  // After the thread ended, a fork is safe again: this child has stacks.
  char again[4096];
  snprintf(again, sizeof again, "%s.after", argv[2]);
  return rc | child_writes(again);
}
