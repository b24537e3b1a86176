// Perturbation workload.  Modes (argv[1]):
//   seq    two threads, each: 40 x (write to its own regular file, write to a
//          pipe, fstat); prints each thread's elapsed ms for its file writes
//   sites  one thread: 20 x site_a() (10-byte write) and site_b() (20-byte
//          write); prints the executable's load bias for the sites file
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void* worker(void* name) {
  int fd = open((const char*)name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  int p[2];
  if (fd < 0 || pipe(p)) return (void*)1;
  double spent = 0;
  for (int i = 0; i < 40; ++i) {
    double t0 = now_ms();
    if (write(fd, "0123456789", 10) != 10) return (void*)1;
    spent += now_ms() - t0;
    char c;
    if (write(p[1], "x", 1) != 1 || read(p[0], &c, 1) != 1) return (void*)1;
    struct stat st;
    if (fstat(fd, &st)) return (void*)1;
  }
  printf("%s %.1f\n", (const char*)name, spent);
  close(p[0]);
  close(p[1]);
  close(fd);
  return NULL;
}

__attribute__((noinline)) static int site_a(int fd) { return write(fd, "aaaaaaaaaa", 10) == 10; }
__attribute__((noinline)) static int site_b(int fd) { return write(fd, "bbbbbbbbbbbbbbbbbbbb", 20) == 20; }

static int first_object(struct dl_phdr_info* info, size_t size, void* out) {
  *(ElfW(Addr)*)out = info->dlpi_addr;
  return 1;  // the executable comes first
}

int main(int argc, char** argv) {
  if (argc > 1 && !strcmp(argv[1], "seq")) {
    pthread_t a, b;
    void *ra, *rb;
    pthread_create(&a, NULL, worker, "file-a.txt");
    pthread_join(a, &ra);  // sequential: spawn order and call order are fixed
    pthread_create(&b, NULL, worker, "file-b.txt");
    pthread_join(b, &rb);
    return ra || rb;
  }
  if (argc > 1 && !strcmp(argv[1], "sites")) {
    int fd = open("sites.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) return 1;
    for (int i = 0; i < 20; ++i)
      if (!site_a(fd) || !site_b(fd)) return 1;
    ElfW(Addr) bias = 0;
    dl_iterate_phdr(first_object, &bias);
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    printf("%s %lx\n", exe, (unsigned long)bias);
    return close(fd);
  }
  return 2;
}
