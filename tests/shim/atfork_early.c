// Forks N children from a second thread while the main thread keeps
// writing; each child writes its own file and exits.  With atfork_lib's
// handlers registered before the shim's, none of their calls may land in
// any log (the child's would go into the parent's shared chunk).
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void* atfork_lib_mutex(void);

static const char* dir;
static volatile int done;

static void* forker(void* arg) {
  int n = *(int*)arg;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      char path[4096];
      snprintf(path, sizeof path, "%s/child%d.txt", dir, i);
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0 || write(fd, "child\n", 6) != 6) _exit(1);
      close(fd);
      _exit(0);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0) exit(2);
  }
  done = 1;
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) return 64;
  dir = argv[1];
  int n = atoi(argv[2]);
  printf("%p\n", atfork_lib_mutex());
  fflush(stdout);
  pthread_t t;
  pthread_create(&t, NULL, forker, &n);
  char path[4096];
  snprintf(path, sizeof path, "%s/main.txt", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  while (!done)
    if (write(fd, "x", 1) != 1) return 3;
  close(fd);
  pthread_join(t, NULL);
  return 0;
}
