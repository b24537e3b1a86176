// The floor under the shim's cost, for scripts/bench-shim --floor.
//
// A preload library that interposes only the benchmark's two calls (write
// and fstat) and does the least any recorder of "entry and return time of
// every call" must do, in three steps chosen at build time:
//   FLOOR_STEP=0  pass the call through (the price of interposing at all)
//   FLOOR_STEP=1  and read the TSC at entry and return (no conversion)
//   FLOOR_STEP=2  and store 16 bytes a call (entry tick, duration, result,
//                 fd) to a MAP_SHARED file, the way the shim keeps its log
//                 durable, with the same memory handling (2 MiB huge-page
//                 chunks populated a chunk at a time)
// Nothing here is thread-safe or survives a signal handler: it is a
// yardstick for one single-threaded benchmark, not a tracer.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FLOOR_STEP
#define FLOOR_STEP 2
#endif

static ssize_t (*real_write)(int, const void*, size_t);
static int (*real_fstat)(int, struct stat*);
static volatile uint64_t floor_sink;

#if FLOOR_STEP >= 2
enum { kChunk = 2 << 20, kLogBytes = 256 << 20 };
static char* log_base;
static size_t log_pos;

static void populate(size_t at) {
  if (at + kChunk <= kLogBytes) madvise(log_base + at, kChunk, 23 /* MADV_POPULATE_WRITE */);
}
#endif

__attribute__((constructor)) static void floor_init(void) {
  real_write = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  real_fstat = (int (*)(int, struct stat*))dlsym(RTLD_NEXT, "fstat");
#if FLOOR_STEP >= 2
  const char* path = getenv("FLOOR_LOG");
  int fd = path ? open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
  if (fd < 0 || fallocate(fd, 0, 0, kLogBytes) != 0) abort();  // as the shim: no block allocation per page
  log_base = mmap(0, kLogBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (log_base == MAP_FAILED) abort();
  close(fd);
  madvise(log_base, kLogBytes, MADV_HUGEPAGE);
  populate(0);
#endif
}

static inline void floor_record(uint64_t t0, uint64_t t1, long ret, int fd) {
#if FLOOR_STEP >= 2
  if (log_pos + 16 > kLogBytes) return;
  uint64_t* p = (uint64_t*)(log_base + log_pos);
  p[0] = t0;
  p[1] = (uint32_t)(t1 - t0) | ((uint64_t)(uint16_t)ret << 32) | ((uint64_t)(uint16_t)fd << 48);
  log_pos += 16;
  if ((log_pos & (kChunk - 1)) == 0) populate(log_pos);
#elif FLOOR_STEP == 1
  floor_sink += t1 - t0;  // the reads must not be optimised away
  (void)ret, (void)fd;
#else
  (void)t0, (void)t1, (void)ret, (void)fd;
#endif
}

#if FLOOR_STEP >= 1
#define FLOOR_TICK() __builtin_ia32_rdtsc()
#else
#define FLOOR_TICK() 0
#endif

ssize_t write(int fd, const void* buf, size_t n) {
  uint64_t t0 = FLOOR_TICK();
  ssize_t r = real_write(fd, buf, n);
  uint64_t t1 = FLOOR_TICK();
  floor_record(t0, t1, r, fd);
  return r;
}

int fstat(int fd, struct stat* st) {
  uint64_t t0 = FLOOR_TICK();
  int r = real_fstat(fd, st);
  uint64_t t1 = FLOOR_TICK();
  floor_record(t0, t1, r, fd);
  return r;
}
