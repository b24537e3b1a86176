// Byte accounting of stdio streams (test_stdio.py): each stream call is
// recorded as the WRITE its flush made, with the bytes that reached the
// kernel.  Every flush point glibc has is used once: a full buffer,
// fflush, fseek, rewind, fsetpos, fclose, and exit()'s flush of a stream
// left open.  The sizes are distinct so the test can tell them apart.
#include <stdio.h>
#include <string.h>

static int put(FILE* f, size_t n) {
  static char block[8192];
  memset(block, 'x', sizeof block);
  return fwrite(block, 1, n, f) == n ? 0 : 1;
}

int main(void) {
  FILE* f = fopen("stdio.bin", "w");
  if (!f || setvbuf(f, NULL, _IOFBF, 4096) != 0) return 1;
  if (put(f, 11) || fflush(f) != 0) return 1;              // WRITE 11 (fflush)
  if (put(f, 13) || fseek(f, 0, SEEK_END) != 0) return 1;  // WRITE 13 (fseek)
  fpos_t pos;
  if (fgetpos(f, &pos) != 0) return 1;
  if (put(f, 17)) return 1;
  rewind(f);                                               // WRITE 17 (rewind)
  if (put(f, 19) || fsetpos(f, &pos) != 0) return 1;       // WRITE 19 (fsetpos)
  if (put(f, 6000)) return 1;                              // WRITE 4096 (buffer full), 1904 left
  if (fclose(f) != 0) return 1;                            // WRITE 1904 (fclose)
  FILE* g = fopen("stdio-exit.bin", "w");
  if (!g || put(g, 23)) return 1;                          // WRITE 23 at exit
  return 0;
}
