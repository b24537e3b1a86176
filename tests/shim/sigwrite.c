// A SIGALRM handler that calls write() while the main thread is itself in
// the middle of write() calls (and so inside the shim).  Prints
// "<handler writes> <main writes>"; must neither deadlock nor lose records.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int hfd;
static volatile sig_atomic_t handled, failed;

static void on_alarm(int sig) {
  if (write(hfd, "s", 1) != 1) failed = 1;
  handled++;
}

int main(void) {
  hfd = open("handler.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  int fd = open("main.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (hfd < 0 || fd < 0) return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 50}, {0, 50}};
  setitimer(ITIMER_REAL, &it, NULL);
  long n = 0;
  while (handled < 2000 && n < 50000000) {
    if (write(fd, "0123456789abcdef", 16) != 16) return 1;
    ++n;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  printf("%d %ld\n", (int)handled, n);
  return failed;
}
