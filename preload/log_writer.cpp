// The log file: creation, header, per-thread chunks, record publication.
//
// The whole file is mapped into one address range reserved at start (PROT_NONE,
// no memory cost): the header at its start, chunk k at header + k*chunk_size.
// A thread that needs a chunk bumps header.chunks_claimed, extends the file
// with fallocate (never ftruncate: two threads extending at once could shrink
// it) and maps just that chunk MAP_SHARED|MAP_FIXED.  Records then cost no
// system call; SIGKILL leaves every published record in the page cache.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <string.h>
#include <errno.h>

#include "shim.h"

namespace aa {
namespace {

// Address space only.  Tried largest first: a `ulimit -v` or valgrind (which
// refuses a 64 GiB reservation) still gets a log, with a smaller ceiling.
constexpr size_t kRegionBytesMax = size_t(1) << 36;
constexpr size_t kRegionBytesMin = size_t(1) << 26;
constexpr size_t kHugeBytes = size_t(2) << 20;  // x86-64 PMD page

// Zero-initialised POD on purpose: a dynamic initialiser would run after
// our constructor and wipe the open log.  fd is valid only while hdr is set.
struct LogState {
  int fd;
  char* region;         // file offset 0 lives here
  char* reserved;       // the PROT_NONE reservation region lies in (for munmap)
  size_t reserved_bytes;
  uint32_t chunks_off;  // header.header_size: where chunk 0 starts in the file
  uint32_t chunk_size;
  uint64_t max_chunks;
  aa_file_header* hdr;
  uint64_t id;
  bool full;            // the file could not grow: later records are dropped without trying
  char path[2048];
} g_log;

char* chunk_base(uint64_t k) { return g_log.region + g_log.chunks_off + k * g_log.chunk_size; }

// A thread's first chunk is pre-faulted this much at a time, in 4 KiB pages:
// most threads (and short processes) write a few records, and a 2 MiB huge
// folio for each costs 2 MiB of page cache and writeback and, measured on
// this VM, 0.35 ms to sometimes 5 ms of CPU to populate at process start.
constexpr uint32_t kFirstChunkStep = 128 * 1024;

// A thread that fills this much of its first chunk writes a lot: it moves on
// to a whole chunk in huge folios instead of pre-faulting the rest of the
// first one in 4 KiB pages (populating 4 KiB pages costs ~2.8x the CPU of a
// huge folio, see map_chunk).  The first chunk's untouched rest stays a hole
// in the page cache (readers stop at its first zero size).
constexpr uint32_t kFirstChunkBusy = 256 * 1024;

// How far a chunk's base_ns lies before the moment it was claimed.
constexpr uint64_t kTinyLead = uint64_t(1) << 30;

// MADV_POPULATE_WRITE: one system call instead of a write fault per page on
// the hot path (MAP_POPULATE only prefaults shared mappings for reading).
// Linux >= 5.14; older kernels refuse it and fault lazily.
void populate(char* from, size_t len) { AA_RAW(madvise, (long)from, (long)len, 23 /*MADV_POPULATE_WRITE*/); }

// Whether a file may grow to `end` bytes under the process's RLIMIT_FSIZE
// (`ulimit -f`): past it, the kernel refuses and sends SIGXFSZ, which kills
// the program by default.  Read each time: the program may change it.
bool within_fsize_limit(uint64_t end) {
  struct rlimit rl;
  return AA_RAW(prlimit64, 0, RLIMIT_FSIZE, 0, (long)&rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
         end <= rl.rlim_cur;
}

// Gives the log file disk blocks for [off, off + len): a store to a page
// of a MAP_SHARED file with no block behind it would raise SIGBUS when the
// disk is full, and one past the end of the file always would.
bool extend(long off, long len) {
  if (!within_fsize_limit((uint64_t)(off + len))) return false;
  long r = AA_RAW(fallocate, g_log.fd, 0, off, len);
  if (r >= 0) return true;
  if (r != -EOPNOTSUPP && r != -ENOSYS) return false;  // full disk (ENOSPC), I/O error: no room
  // Filesystems without fallocate: write the zeros themselves, so every
  // block exists (pwrite at an offset never shrinks the file).
  static const char zeros[65536] = {};
  for (long at = off; at < off + len;) {
    long n = off + len - at < (long)sizeof zeros ? off + len - at : (long)sizeof zeros;
    long w = AA_RAW(pwrite64, g_log.fd, (long)zeros, n, at);
    if (w <= 0) return false;
    at += w;
  }
  return true;
}

// Maps a freshly claimed chunk and writes its header; false when out of room.
// Returns in *populated how much of it is pre-faulted.  A thread's first
// chunk gets disk blocks a pre-fault step at a time (populate_ahead), not
// whole: most processes write a few records, and 2 MiB of blocks each made
// a shell loop of 100 short commands leave 420 MB of logs on disk (now
// 39 MB).
bool map_chunk(uint64_t k, int32_t tid, bool first_of_thread, uint32_t* populated) {
  if (k >= g_log.max_chunks) return false;
  long off = (long)(g_log.chunks_off + k * g_log.chunk_size);
  bool stepwise = first_of_thread && g_log.chunk_size > kFirstChunkStep;
  if (!extend(off, stepwise ? (long)kFirstChunkStep : (long)g_log.chunk_size)) return false;
  long m = AA_RAW(mmap, (long)chunk_base(k), (long)g_log.chunk_size, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_FIXED, g_log.fd, off);
  if (m < 0 && m > -4096) return false;
  if (stepwise) {
    // No read-around: a fault would otherwise pull the rest of the chunk
    // into the page cache (zero-filled) along with the page it needs.
    AA_RAW(madvise, (long)chunk_base(k), (long)g_log.chunk_size, MADV_RANDOM);
    *populated = kFirstChunkStep;
  } else {
    // A thread on its second chunk writes a lot: whole huge-page-aligned
    // chunks in 2 MiB page-cache folios.  Measured on ext4 (Linux 6.18, THP
    // "madvise"): populating 20 MiB of log took 5.3 ms of CPU instead of
    // 14.6 ms with 4 KiB pages.  Misaligned, the hint costs more than it
    // saves (18 ms), so it is only given when the chunk is aligned.
    if (g_log.chunks_off % kHugeBytes == 0 && g_log.chunk_size % kHugeBytes == 0)
      AA_RAW(madvise, (long)chunk_base(k), (long)g_log.chunk_size, MADV_HUGEPAGE);
    *populated = g_log.chunk_size;
  }
  populate(chunk_base(k), *populated);
  auto* ch = (aa_chunk_header*)chunk_base(k);
  ch->tid = tid;
  // Tiny records store t_enter as 32-bit ns after base_ns.  A record that
  // claims the chunk (or one a signal handler interrupted) entered its call
  // before now: the base sits 2^30 ns (~1.07 s) back so those still fit, and
  // the chunk takes tiny records until ~3.2 s after it was claimed.
  uint64_t now = now_ns();
  ch->base_ns = now > kTinyLead ? now - kTinyLead : 0;
  __atomic_store_n(&ch->magic, AA_CHUNK_MAGIC, __ATOMIC_RELEASE);
  return true;
}

// The cursor is about to pass ts.populated inside chunk k: give the next
// step(s) disk blocks and pre-fault them; false when the disk refuses.  The
// pre-fault is only a hint (a signal handler racing us at worst faults a
// page lazily); the blocks are not, so they come first.
bool populate_ahead(ThreadState& ts, uint64_t k, uint32_t need) {
  uint32_t from = ts.populated & ~4095u;
  uint32_t to = (need + kFirstChunkStep - 1) / kFirstChunkStep * kFirstChunkStep;
  if (to > g_log.chunk_size) to = g_log.chunk_size;
  if (to > from) {
    if (!extend((long)(g_log.chunks_off + k * g_log.chunk_size + from), (long)(to - from))) return false;
    populate(chunk_base(k) + from, to - from);
  }
  ts.populated = to;
  return true;
}

// cmpxchg16b without the lock prefix.  Only this thread and signal handlers
// running on it touch a cursor, and a signal is taken only between
// instructions, so the instruction is atomic for them without a bus lock.
// Measured in a loop on this VM: 13 ns instead of 23-27 ns for the locked one.
inline bool cursor_cas(unsigned __int128* p, unsigned __int128 expect, unsigned __int128 desired) {
  uint64_t lo = (uint64_t)expect, hi = (uint64_t)(expect >> 64);
  bool ok;
  __asm__ volatile("cmpxchg16b %1"
                   : "=@ccz"(ok), "+m"(*p), "+a"(lo), "+d"(hi)
                   : "b"((uint64_t)desired), "c"((uint64_t)(desired >> 64))
                   : "memory");
  return ok;
}

// reserve() when the record does not fit the current chunk (or there is
// none yet), reaches past the pre-faulted part, or a signal handler moved
// the cursor under us.
char* reserve_slow_try(ThreadState& ts, uint32_t size, uint32_t* seq) {
  if (__atomic_load_n(&g_log.full, __ATOMIC_RELAXED)) return nullptr;
  // The file could not grow: later records are dropped without trying.
  auto no_room = [] {
    __atomic_store_n(&g_log.full, true, __ATOMIC_RELAXED);
    return (char*)nullptr;
  };
  for (int attempt = 0; attempt < 8; ++attempt) {
    unsigned __int128 cur = ts.cursor;  // a torn read just fails the CAS below
    uint64_t v = (uint64_t)cur, sq = (uint64_t)(cur >> 64);
    uint32_t idx1 = (uint32_t)(v >> 32), off = (uint32_t)v;
    char* p;
    unsigned __int128 next;
    // Leaving a first chunk early: ts.populated < chunk size only there.
    bool busy_first = off + size > ts.populated && ts.populated >= kFirstChunkBusy &&
                      ts.populated < g_log.chunk_size && ts.chunks_taken == 1;
    if (idx1 && off + size <= g_log.chunk_size && !busy_first) {
      if (off + size > ts.populated && !populate_ahead(ts, idx1 - 1, off + size)) return no_room();
      p = chunk_base(idx1 - 1) + off;
      next = ((unsigned __int128)(sq + 1) << 64) | (v + size);
    } else {
      uint64_t k = __atomic_fetch_add(&g_log.hdr->chunks_claimed, 1, __ATOMIC_ACQ_REL);
      uint32_t populated = 0;
      if (!map_chunk(k, ts.tid, ts.chunks_taken == 0, &populated)) return no_room();
      ts.chunks_taken++;
      ts.populated = populated;
      uint32_t first = (uint32_t)sizeof(aa_chunk_header);
      p = chunk_base(k) + first;
      next = ((unsigned __int128)(sq + 1) << 64) | (((k + 1) << 32) | (first + size));
      // If the CAS fails (a nested record switched chunks meanwhile) chunk k
      // stays empty, which readers accept.
    }
    if (cursor_cas(&ts.cursor, cur, next)) {
      __atomic_store_n(&((aa_record*)p)->size, size, __ATOMIC_RELAXED);
      *seq = (uint32_t)sq;
      return p;
    }
  }
  return nullptr;
}

// A record with no room is counted in the header, so readers can say the
// log is incomplete: seq numbers only count records that got a slot.
__attribute__((noinline)) char* reserve_slow(ThreadState& ts, uint32_t size, uint32_t* seq) {
  char* p = reserve_slow_try(ts, size, seq);
  if (AA_UNLIKELY(!p)) __atomic_fetch_add(&g_log.hdr->records_dropped, 1, __ATOMIC_RELAXED);
  return p;
}

// Reserves `size` bytes for one record in the thread's chunk and its
// sequence number.  A signal handler interrupting us gets its own slot: the
// cursor only moves by CAS (only this thread and its handlers touch it).
// ts.populated <= chunk size, so the fast path never leaves the chunk.
__attribute__((always_inline)) inline char* reserve(ThreadState& ts, uint32_t size, uint32_t* seq) {
  unsigned __int128 cur = ts.cursor;
  uint64_t v = (uint64_t)cur, sq = (uint64_t)(cur >> 64);
  uint32_t idx1 = (uint32_t)(v >> 32), off = (uint32_t)v;
  if (AA_LIKELY(idx1 && off + size <= ts.populated)) {
    unsigned __int128 next = ((unsigned __int128)(sq + 1) << 64) | (v + size);
    if (AA_LIKELY(cursor_cas(&ts.cursor, cur, next))) {
      char* p = chunk_base(idx1 - 1) + off;
      __atomic_store_n(&((aa_record*)p)->size, size, __ATOMIC_RELAXED);
      *seq = (uint32_t)sq;
      return p;
    }
  }
  return reserve_slow(ts, size, seq);
}

// The fixed part of a record, all but `kind` (published last by the caller).
__attribute__((always_inline)) inline void fill_fixed(aa_record* rec, const ThreadState& ts, const RecordSpec& r,
                                                      uint32_t seq) {
  rec->tid = ts.tid;
  rec->stack_id = r.stack_id;
  rec->t_enter = r.t_enter;
  rec->t_exit = r.t_exit;
  rec->ret = r.ret;
  rec->err = r.err;
  rec->seq = seq;
  memcpy(rec->a, r.a, sizeof rec->a);
}

// Tiny-record candidates: no stack, no error, and the values fit_tiny()
// takes.  (The chunk's time window is checked once the chunk is known.)
__attribute__((always_inline)) inline bool tiny_candidate(const RecordSpec& r) {
  return !(r.stack_id | (uint32_t)r.err) && fits_tiny(r.ret, r.a, r.t_exit - r.t_enter);
}

// Room for a record whose t_enter is stored relative to the chunk's base_ns
// (tiny and address records), on the fast path only: the current chunk has
// room pre-faulted and the call entered inside the chunk's time window.
// Otherwise (a new chunk or the next pre-fault step is due, or a signal
// handler moved the cursor) returns nullptr and the record goes the compact
// way, which handles all of those: one record in a few thousand.  The chunk
// is the one the cursor names, and the CAS fails if a handler switched
// chunks meanwhile, so the time delta is always against the right base.
__attribute__((always_inline)) inline char* reserve_windowed(ThreadState& ts, uint32_t size, uint64_t t_enter,
                                                             uint32_t* delta_out, uint32_t* seq_out) {
  unsigned __int128 cur = ts.cursor;
  uint64_t v = (uint64_t)cur, sq = (uint64_t)(cur >> 64);
  uint32_t idx1 = (uint32_t)(v >> 32), off = (uint32_t)v;
  if (AA_UNLIKELY(!idx1 || off + size > ts.populated)) return nullptr;
  char* chunk = chunk_base(idx1 - 1);
  uint64_t delta = t_enter - ((const aa_chunk_header*)chunk)->base_ns;
  if (AA_UNLIKELY(delta >> 32)) return nullptr;
  unsigned __int128 next = ((unsigned __int128)(sq + 1) << 64) | (v + size);
  if (AA_UNLIKELY(!cursor_cas(&ts.cursor, cur, next))) return nullptr;
  char* p = chunk + off;
  __atomic_store_n(&((aa_record*)p)->size, size, __ATOMIC_RELAXED);
  *delta_out = (uint32_t)delta;
  *seq_out = (uint32_t)sq;
  return p;
}

// The commonest record (a write, read, fstat or close) in 32 bytes; false
// when reserve_windowed has no room for it.  Scalars, not a RecordSpec: the
// interceptors' fast path (interceptor.h) calls it with what it has in
// registers.
__attribute__((always_inline)) inline bool emit_tiny(ThreadState& ts, aa_kind kind, uint16_t rflags, uint64_t t_enter,
                                                     uint64_t t_exit, int64_t ret, int64_t a0, int64_t a1, int64_t a2,
                                                     const aa_stat* st) {
  const uint32_t size = st ? sizeof(aa_record_tiny) + sizeof(aa_stat) : sizeof(aa_record_tiny);
  uint32_t delta, seq;
  char* p = reserve_windowed(ts, size, t_enter, &delta, &seq);
  if (AA_UNLIKELY(!p)) return false;
  auto* rec = (aa_record_tiny*)p;
  rec->seq = seq;
  rec->t_delta = delta;
  rec->t_dur = (uint32_t)(t_exit - t_enter);
  rec->ret = (int32_t)ret;
  rec->a[0] = (int32_t)a0;
  rec->a[1] = (int32_t)a1;
  // a[2] is 0 or all ones: its bit 9 is the flag.
  uint16_t flags = (uint16_t)(rflags | AA_F_TINY | ((uint64_t)a2 & AA_F_A2_NEG));
  if (st) { memcpy(p + sizeof(aa_record_tiny), st, sizeof(aa_stat)); flags |= AA_F_STAT; }
  rec->flags = flags;
  __atomic_store_n(&rec->kind, (uint16_t)kind, __ATOMIC_RELEASE);
  return true;
}

// Address-record candidates (lock, condition, semaphore and futex calls):
// a tiny candidate but for a[0], which may take all 64 bits, and a[2],
// which may take 32.
__attribute__((always_inline)) inline bool addr_candidate(const RecordSpec& r) {
  constexpr uint64_t kBias = 1ull << 31;
  uint64_t wide = (uint64_t)r.stack_id | (uint64_t)(uint32_t)r.err | (uint64_t)(r.a[3] | r.a[4] | r.a[5]);
  wide |= (((uint64_t)r.ret + kBias) | ((uint64_t)r.a[1] + kBias) | ((uint64_t)r.a[2] + kBias) |
           (r.t_exit - r.t_enter)) >> 32;
  return wide == 0;
}

// An address record in 40 bytes instead of a full one in 96; false when
// reserve_windowed has no room for it.
__attribute__((noinline)) bool emit_addr(ThreadState& ts, const RecordSpec& r) {
  const uint32_t size = r.st ? sizeof(aa_record_addr) + sizeof(aa_stat) : sizeof(aa_record_addr);
  uint32_t delta, seq;
  char* p = reserve_windowed(ts, size, r.t_enter, &delta, &seq);
  if (AA_UNLIKELY(!p)) return false;
  auto* rec = (aa_record_addr*)p;
  rec->seq = seq;
  rec->t_delta = delta;
  rec->t_dur = (uint32_t)(r.t_exit - r.t_enter);
  rec->ret = (int32_t)r.ret;
  rec->a0 = (uint64_t)r.a[0];
  rec->a[0] = (int32_t)r.a[1];
  rec->a[1] = (int32_t)r.a[2];
  uint16_t flags = (uint16_t)(r.flags | AA_F_ADDR);
  if (r.st) { memcpy(p + sizeof(aa_record_addr), r.st, sizeof(aa_stat)); flags |= AA_F_STAT; }
  rec->flags = flags;
  __atomic_store_n(&rec->kind, (uint16_t)r.kind, __ATOMIC_RELEASE);
  return true;
}

// Arguments that fit 32 bits, a[4] and a[5] unused, under 2^32 ns long.
__attribute__((always_inline)) inline bool fits_compact(const RecordSpec& r) {
  constexpr uint64_t kBias = 1ull << 31;
  uint64_t wide = (uint64_t)(r.a[4] | r.a[5]) | ((r.t_exit - r.t_enter) >> 32);
  wide |= (((uint64_t)r.a[0] + kBias) | ((uint64_t)r.a[1] + kBias) | ((uint64_t)r.a[2] + kBias) |
           ((uint64_t)r.a[3] + kBias)) >> 32;
  return wide == 0;
}

// 56 bytes instead of 96 for records with 32-bit arguments that cannot be
// tiny (an error, a stack, an offset) or that start a chunk or pre-fault step.
__attribute__((noinline)) void emit_compact(ThreadState& ts, const RecordSpec& r) {
  const uint32_t size = r.st ? sizeof(aa_record_compact) + sizeof(aa_stat) : sizeof(aa_record_compact);
  uint32_t seq;
  char* p = reserve(ts, size, &seq);
  if (AA_UNLIKELY(!p)) return;
  auto* rec = (aa_record_compact*)p;
  rec->seq = seq;
  rec->stack_id = r.stack_id;
  rec->t_enter = r.t_enter;
  rec->t_dur = (uint32_t)(r.t_exit - r.t_enter);
  rec->err = r.err;
  rec->ret = r.ret;
  for (int i = 0; i < 4; ++i) rec->a[i] = (int32_t)r.a[i];
  uint16_t flags = r.flags | AA_F_COMPACT;
  if (r.st) { memcpy(p + sizeof(aa_record_compact), r.st, sizeof(aa_stat)); flags |= AA_F_STAT; }
  rec->flags = flags;
  __atomic_store_n(&rec->kind, (uint16_t)r.kind, __ATOMIC_RELEASE);
}

// The 96-byte fixed part: 64-bit arguments (pointers, offsets) or long calls.
__attribute__((noinline)) void emit_full(ThreadState& ts, const RecordSpec& r) {
  const uint32_t size = r.st ? sizeof(aa_record) + sizeof(aa_stat) : sizeof(aa_record);
  uint32_t seq;
  char* p = reserve(ts, size, &seq);
  if (AA_UNLIKELY(!p)) return;
  auto* rec = (aa_record*)p;
  fill_fixed(rec, ts, r, seq);
  uint16_t flags = r.flags;
  if (r.st) { memcpy(p + sizeof(aa_record), r.st, sizeof(aa_stat)); flags |= AA_F_STAT; }
  rec->flags = flags;
  __atomic_store_n(&rec->kind, (uint16_t)r.kind, __ATOMIC_RELEASE);
}

// Records without paths or payload (most calls): the size is a constant.
// Kept apart from the general path, and the rarer layouts out of line, so
// the tiny path needs few registers to save.
__attribute__((noinline)) void emit_fixed(ThreadState& ts, const RecordSpec& r) {
  if (AA_LIKELY(tiny_candidate(r)) &&
      AA_LIKELY(emit_tiny(ts, r.kind, r.flags, r.t_enter, r.t_exit, r.ret, r.a[0], r.a[1], r.a[2], r.st)))
    return;
  if (addr_candidate(r) && emit_addr(ts, r)) return;
  if (AA_LIKELY(fits_compact(r))) return emit_compact(ts, r);
  emit_full(ts, r);
}

char* put_hex(char* p, uint64_t v) {
  char tmp[16];
  int n = 0;
  do { tmp[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}
char* put_dec(char* p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do { tmp[n++] = char('0' + v % 10); v /= 10; } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

// Reads a small /proc file into buf (NUL-terminated); returns its length.
size_t read_proc(const char* path, char* buf, size_t cap) {
  long fd = AA_RAW(openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t n = 0;
  while (n + 1 < cap) {
    long r = AA_RAW(read, fd, (long)(buf + n), (long)(cap - 1 - n));
    if (r <= 0) break;
    n += (size_t)r;
  }
  AA_RAW(close, fd);
  buf[n] = 0;
  return n;
}

// Fills the header's string blob: exe, cwd, argv.
void fill_header_strings(aa_file_header* h) {
  char* blob = (char*)h + 4096;
  const uint32_t cap = AA_HEADER_SIZE - 4096;
  uint32_t used = 0;
  long n = AA_RAW(readlink, (long)"/proc/self/exe", (long)blob, 4095);
  if (n < 0) n = 0;
  blob[n] = 0;
  h->exe_off = 4096; h->exe_len = (uint32_t)n;
  used = (uint32_t)n + 1;
  long c = AA_RAW(getcwd, (long)(blob + used), 4096);
  uint32_t cl = c > 0 ? (uint32_t)cstrlen(blob + used) : 0;
  if (c <= 0) blob[used] = 0;
  h->cwd_off = 4096 + used; h->cwd_len = cl;
  used += cl + 1;
  size_t an = read_proc("/proc/self/cmdline", blob + used, cap - used);
  h->argv_off = 4096 + used; h->argv_len = (uint32_t)an;
  uint32_t argc = 0;
  for (size_t i = 0; i < an; ++i) argc += blob[used + i] == 0;
  if (an && blob[used + an - 1] != 0) ++argc;  // truncated last argument
  h->argc = argc;
}

uint64_t make_log_id() {
  uint64_t id = 0;
  if (AA_RAW(getrandom, (long)&id, sizeof id, 1 /*GRND_NONBLOCK*/) != sizeof id || id == 0)
    id = now_ns() ^ ((uint64_t)AA_RAW(getpid) << 40) ^ 0x9e3779b97f4a7c15ull;
  return id;
}

}  // namespace

bool log_open(uint64_t parent_log_id) {
  // A fork child's copies describe its parent's log.
  g_log.path[0] = 0;
  g_log.full = false;
  // No log at all rather than one the file-size limit would stop at its
  // header (chunk 0 starts at most 2 MiB in, and its first step is 128 KiB).
  if (!within_fsize_limit(kHugeBytes + kFirstChunkStep)) return false;
  // Directory: create 0700 if missing; refuse one that belongs to someone else.
  AA_RAW(mkdir, (long)g_cfg.dir, 0700);
  // O_NOFOLLOW: a symlink planted at the directory's name is refused, not followed.
  long dfd = AA_RAW(openat, AT_FDCWD, (long)g_cfg.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) return false;
  struct stat dst;
  if (AA_RAW(fstat, dfd, (long)&dst) < 0 || dst.st_uid != (uid_t)AA_RAW(geteuid)) {
    AA_RAW(close, dfd);
    return false;
  }
  g_log.id = make_log_id();
  char name[512];
  char exe[4096];
  long n = AA_RAW(readlink, (long)"/proc/self/exe", (long)exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  const char* base = exe;
  for (const char* p = exe; *p; ++p)
    if (*p == '/') base = p + 1;
  if (!*base) base = "unknown";
  char* p = name;
  for (size_t i = 0; base[i] && i < 200; ++i) *p++ = base[i];
  *p++ = '.';
  p = put_dec(p, (uint64_t)AA_RAW(getpid));
  *p++ = '.';
  p = put_hex(p, g_log.id);
  memcpy(p, AA_LOG_SUFFIX, sizeof AA_LOG_SUFFIX);
  long fd = AA_RAW(openat, dfd, (long)name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  AA_RAW(close, dfd);
  if (fd < 0) return false;
  int high = own_fd_park((int)fd);
  if (high < 0) { AA_RAW(close, fd); return false; }
  size_t dl = cstrlen(g_cfg.dir);
  if (dl + cstrlen(name) + 2 < sizeof g_log.path) {
    memcpy(g_log.path, g_cfg.dir, dl);
    g_log.path[dl] = '/';
    memcpy(g_log.path + dl + 1, name, cstrlen(name) + 1);
  }
  g_log.fd = high;
  g_log.chunk_size = g_cfg.chunk_size;
  // With huge-page-sized chunks, chunk 0 starts at 2 MiB so every chunk is
  // huge-page aligned in the file (readers take header_size from the header).
  // The gap after the 64 KiB header is a hole: no disk blocks, no page cache.
  g_log.chunks_off = g_log.chunk_size % kHugeBytes == 0 ? (uint32_t)kHugeBytes : AA_HEADER_SIZE;
  // Without a log the program runs as it would without the shim; a file we
  // could not set up is removed, not left for readers to trip over.
  auto give_up = [&] {
    if (g_log.reserved) AA_RAW(munmap, (long)g_log.reserved, (long)g_log.reserved_bytes);
    g_log.reserved = nullptr;
    AA_RAW(close, high);
    g_log.fd = -1;
    if (g_log.path[0]) AA_RAW(unlink, (long)g_log.path);
    return false;
  };
  if (g_log.chunks_off > AA_HEADER_SIZE) AA_RAW(ftruncate, high, (long)g_log.chunks_off);
  // The header's blocks before its first store: on a full disk that store
  // would raise SIGBUS.
  if (!extend(0, AA_HEADER_SIZE)) return give_up();
  long reserved = -1;
  size_t bytes = kRegionBytesMax;
  // Under an address-space limit (`ulimit -v`) the reservation counts
  // against the program's own budget: take at most a sixteenth of it.
  struct rlimit as;
  if (AA_RAW(prlimit64, 0, RLIMIT_AS, 0, (long)&as) == 0 && as.rlim_cur != RLIM_INFINITY)
    while (bytes > kRegionBytesMin && bytes > as.rlim_cur / 16) bytes /= 4;
  for (; bytes >= kRegionBytesMin && bytes > kHugeBytes + g_log.chunks_off + g_log.chunk_size; bytes /= 4) {
    reserved = AA_RAW(mmap, 0, (long)bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!(reserved < 0 && reserved > -4096)) break;
  }
  if (reserved < 0 && reserved > -4096) return give_up();
  g_log.reserved = (char*)reserved;
  g_log.reserved_bytes = bytes;
  // File offsets and addresses agree modulo 2 MiB, so aligned chunks can be
  // mapped with huge pages.
  long region = (long)(((size_t)reserved + kHugeBytes - 1) & ~(kHugeBytes - 1));
  g_log.max_chunks = ((size_t)reserved + bytes - (size_t)region - g_log.chunks_off) / g_log.chunk_size;
  long m = AA_RAW(mmap, region, AA_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, high, 0);
  if (m < 0 && m > -4096) return give_up();
  // Without this the first touch reads around up to read_ahead_kb (8 MiB
  // here), putting the whole 2 MiB gap after the header into the page cache.
  AA_RAW(madvise, region, AA_HEADER_SIZE, MADV_RANDOM);
  g_log.region = (char*)region;
  auto* h = (aa_file_header*)region;
  g_log.hdr = h;
  h->version = AA_LOG_VERSION;
  h->header_size = g_log.chunks_off;
  h->chunk_size = g_log.chunk_size;
  h->pid = (int32_t)AA_RAW(getpid);
  h->ppid = (int32_t)AA_RAW(getppid);
  struct timespec mono, real;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  h->start_mono_ns = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
  h->start_real_ns = (uint64_t)real.tv_sec * 1000000000ull + (uint64_t)real.tv_nsec;
  h->clock_id = CLOCK_MONOTONIC;
  h->parent_log_id = parent_log_id;
  h->log_id = g_log.id;
  h->stack_depth = g_cfg.stack_depth;
  fill_header_strings(h);
  // Magic last: a reader never sees a half-written header as valid.
  char magic[8];
  memcpy(magic, AA_LOG_MAGIC, 8);
  uint64_t mv;
  memcpy(&mv, magic, 8);
  __atomic_store_n((uint64_t*)h->magic, mv, __ATOMIC_RELEASE);
  return true;
}

// Records with paths or a payload: sizes computed, long strings cut.
static __attribute__((noinline)) void emit_general(ThreadState& ts, const RecordSpec& r) {
  size_t plen = 0, p2len = 0, dlen = r.data_len;
  uint16_t flags = r.flags;
  if (r.path) plen = r.path_len == (size_t)-1 ? cstrlen(r.path) : r.path_len;
  if (r.path2) p2len = cstrlen(r.path2);
  const size_t fixed = sizeof(aa_record) + (r.st ? sizeof(aa_stat) : 0);
  const size_t room = g_log.chunk_size - sizeof(aa_chunk_header) - fixed - 16;
  if (plen + p2len + dlen > room) {
    flags |= AA_F_TRUNC;
    if (dlen > room) dlen = room & ~size_t(7);
    if (plen > room - dlen) plen = room - dlen;
    if (p2len > room - dlen - plen) p2len = room - dlen - plen;
  }
  size_t size = fixed + (r.path ? plen + 1 : 0) + (r.path2 ? p2len + 1 : 0) + dlen;
  size = (size + 7) & ~size_t(7);
  uint32_t seq;
  char* p = reserve(ts, (uint32_t)size, &seq);
  if (!p) return;
  auto* rec = (aa_record*)p;
  fill_fixed(rec, ts, r, seq);
  char* q = p + sizeof(aa_record);
  if (r.st) { memcpy(q, r.st, sizeof(aa_stat)); q += sizeof(aa_stat); flags |= AA_F_STAT; }
  if (r.data) { memcpy(q, r.data, dlen); q += dlen; flags |= AA_F_DATA; }
  if (r.path) { memcpy(q, r.path, plen); q[plen] = 0; q += plen + 1; flags |= AA_F_PATH; }
  if (r.path2) { memcpy(q, r.path2, p2len); q[p2len] = 0; q += p2len + 1; flags |= AA_F_PATH2; }
  rec->flags = flags;
  __atomic_store_n(&rec->kind, (uint16_t)r.kind, __ATOMIC_RELEASE);
}

void log_emit(ThreadState& ts, const RecordSpec& r) {
  if (AA_UNLIKELY(!g_log.hdr)) return;
  if (AA_LIKELY(!r.path && !r.path2 && !r.data)) emit_fixed(ts, r);
  else emit_general(ts, r);
}

bool log_emit_tiny(ThreadState& ts, aa_kind kind, uint64_t t_enter, uint64_t t_exit, int64_t ret, int64_t a0,
                   int64_t a1, int64_t a2, const aa_stat* st) {
  return AA_LIKELY(g_log.hdr) && emit_tiny(ts, kind, 0, t_enter, t_exit, ret, a0, a1, a2, st);
}

void log_mark_clean() {
  if (g_log.hdr) __atomic_fetch_or(&g_log.hdr->flags, AA_HDR_CLEAN, __ATOMIC_RELEASE);
}
void log_mark_execed() {
  if (g_log.hdr) __atomic_fetch_or(&g_log.hdr->flags, AA_HDR_EXECED, __ATOMIC_RELEASE);
}
void log_clear_execed() {
  if (g_log.hdr) __atomic_fetch_and(&g_log.hdr->flags, ~AA_HDR_EXECED, __ATOMIC_RELEASE);
}
uint64_t log_id() { return g_log.id; }
const char* log_path() { return g_log.path; }
int log_fd() { return g_log.hdr ? g_log.fd : -1; }
void log_set_fd(int fd) { g_log.fd = fd; }

void log_drop_mapping() {
  // Fork child: the parent's mapping is shared with the parent; writing to it
  // would corrupt the parent's log.  Unmap it and close our copy of its fd.
  if (g_log.reserved) AA_RAW(munmap, (long)g_log.reserved, (long)g_log.reserved_bytes);
  if (g_log.fd >= 0) AA_RAW(close, g_log.fd);
  g_log.region = nullptr;
  g_log.reserved = nullptr;
  g_log.hdr = nullptr;
  g_log.fd = -1;
}

}  // namespace aa
