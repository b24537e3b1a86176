// Brackets each write() with the program's own clock_gettime(CLOCK_MONOTONIC)
// reads (not interposed), so the test can check that the shim's record times
// lie inside them.  Two threads, with pauses longer than the shim's
// re-anchoring window between bursts.  Writes the brackets to brackets.bin:
// per record {thread index, before ns, after ns} as three int64.
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum { kBursts = 40, kPerBurst = 500 };
static int64_t g_br[2][kBursts * kPerBurst][2];

static int64_t mono(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void* worker(void* arg) {
  long k = (long)arg;
  char name[32];
  snprintf(name, sizeof name, "data%ld.bin", k);
  int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) exit(2);
  int n = 0;
  for (int b = 0; b < kBursts; ++b) {
    for (int i = 0; i < kPerBurst; ++i, ++n) {
      g_br[k][n][0] = mono();
      if (write(fd, &n, sizeof n) != sizeof n) exit(3);
      g_br[k][n][1] = mono();
    }
    struct timespec pause = {0, (b % 4 == 3 ? 5000 : 300) * 1000L};  // 0.3 or 5 ms
    nanosleep(&pause, NULL);
  }
  close(fd);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (long k = 0; k < 2; ++k) pthread_create(&t[k], NULL, worker, (void*)k);
  for (int k = 0; k < 2; ++k) pthread_join(t[k], NULL);
  FILE* f = fopen("brackets.bin", "wb");
  if (!f) return 4;
  for (int64_t k = 0; k < 2; ++k)
    for (int n = 0; n < kBursts * kPerBurst; ++n) {
      int64_t row[3] = {k, g_br[k][n][0], g_br[k][n][1]};
      fwrite(row, sizeof row, 1, f);
    }
  return fclose(f) == 0 ? 0 : 5;
}
