// A correct program whose wait no syscall shows: main hands a write to a
// thread and spins on an atomic flag until it is done, then stats the file.
// Nothing in the log orders the stat after the write, so the suspect stays
// latent under every targeted delay: `awaitaudit ci` must end with it as an
// unresolved warning (never an error) after re-targeting it once.
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_int done;
static int fd;

static void* writer(void* unused) {
  (void)unused;
  if (write(fd, "payload\n", 8) != 8) perror("write");
  atomic_store(&done, 1);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 3;
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  while (!atomic_load(&done)) {
  }
  struct stat st;
  int stale = stat(argv[1], &st) != 0 || st.st_size != 8;
  printf("stale %d/1\n", stale);
  pthread_join(th, NULL);
  return close(fd);
}
