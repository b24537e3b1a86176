// Waits other than pthread_join and waitpid order a helper's write before
// what follows them: a thread joined with pthread_timedjoin_np (or tried
// with pthread_tryjoin_np until it ends), a child reaped with waitid.  Each
// helper writes a file that the main thread stats after the wait: correct,
// so no finding.  Prints the sizes it saw.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void write_file(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, "payload", 7) != 7) _exit(1);
  close(fd);
}

static void* helper(void* path) {
  usleep(20000);  // still running when main starts to wait
  write_file(path);
  return NULL;
}

static long size_of(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

int main(int argc, char** argv) {
  if (argc != 2 || chdir(argv[1]) != 0) return 2;
  pthread_t t;
  pthread_create(&t, NULL, helper, "timed.txt");
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  if (pthread_timedjoin_np(t, NULL, &until) != 0) return 3;
  long a = size_of("timed.txt");

  pthread_create(&t, NULL, helper, "try.txt");
  while (pthread_tryjoin_np(t, NULL) == EBUSY) usleep(1000);
  long b = size_of("try.txt");

  pid_t pid = fork();
  if (pid == 0) {
    usleep(20000);
    write_file("child.txt");
    _exit(0);
  }
  siginfo_t info;
  if (waitid(P_PID, pid, &info, WEXITED) != 0) return 4;
  long c = size_of("child.txt");
  printf("sizes %ld %ld %ld\n", a, b, c);
  return 0;
}
