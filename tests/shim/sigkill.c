// Writes 64-byte blocks to data.bin forever; after each write returns it
// reports the running count (a uint32) on the fd named by argv[1], so the
// driver knows which writes completed before it SIGKILLs us.
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int report = atoi(argv[1]);
  int fd = open("data.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) return 1;
  char block[64] = {0};
  for (uint32_t n = 1;; ++n) {
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block) return 1;
    if (write(report, &n, sizeof n) != sizeof n) return 1;
  }
}
