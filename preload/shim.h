// Internal interface between the shim's parts (not installed, not shared with
// the analyzer; the shared contract is log_format.h).
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "log_format.h"
#include "raw_syscall.h"

#define AA_LIKELY(x) __builtin_expect(!!(x), 1)
#define AA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AA_EXPORT extern "C" __attribute__((visibility("default")))

// Extra header flag bits (aa_file_header.flags), mirrored in log_format.h.
namespace aa {

// ---- configuration (config.cpp) -------------------------------------------
struct Config {
  bool off;                 // AWAITAUDIT_OFF=1, AT_SECURE, excluded exe or setup failed
  char dir[1024];           // absolute log directory
  uint32_t stack_depth;     // 0 = off
  uint32_t chunk_size;
  // perturbation
  uint64_t delay_ns;        // 0 = off
  double delay_prob;
  uint64_t delay_seed;
  uint32_t delay_class_mask;  // bit per aa_class
  bool vdso_clock;          // AWAITAUDIT_CLOCK=vdso: clock_gettime for every timestamp
  char delay_sites_file[1024];
};
extern Config g_cfg;
void config_load();                  // reads the environment (init only)
bool exe_excluded(const char* exe);  // AWAITAUDIT_EXCLUDE globs

// ---- per-thread state (runtime.cpp) ---------------------------------------
struct ThreadState {
  uint32_t gen;        // == g_gen when valid; a fork child bumps g_gen
  int32_t tid;
  // Where this thread's next record goes, and its sequence number, moved
  // together by one 16-byte CAS so records nested by a signal handler still
  // get sequence numbers in file order.  pos = (chunk index + 1) << 32 | offset.
  alignas(16) unsigned __int128 cursor;
  // End of the pre-faulted part of the current chunk (<= chunk size): a hint
  // for reserve(), never a bound on where records may go.
  uint32_t populated;
  uint32_t chunks_taken;  // chunks this thread has claimed
  uint32_t spawn_id;   // 0 = main thread; pthread_create order otherwise
  uint64_t rng;        // perturbation PRNG state
  uint8_t in_shim;     // shim's own work: interceptors pass straight through
  uint8_t in_unwind;   // inside libunwind: no nested stack capture
  uint8_t rng_seeded;
};
extern uint32_t g_gen;
extern bool g_active;  // logging is on in this process
extern __thread ThreadState t_state __attribute__((tls_model("initial-exec")));

void thread_reset(ThreadState& ts);
static inline ThreadState& thread_state() {
  ThreadState& ts = t_state;
  if (AA_UNLIKELY(ts.gen != __atomic_load_n(&g_gen, __ATOMIC_ACQUIRE))) thread_reset(ts);
  return ts;
}

// ---- record timestamps (clock.cpp) ----------------------------------------
// CLOCK_MONOTONIC ns = ns0 + (rdtsc - tsc0) * mult >> 32 while rdtsc - tsc0 <
// span; a seqlock (odd = being rewritten) keeps readers off a half-written map.
struct alignas(64) ClockMap {
  uint64_t seq;
  uint64_t tsc0, ns0;
  uint64_t mult;  // ns per tick, 32.32 fixed point
  uint64_t span;  // ticks the map is good for; 0 = no map (use clock_gettime)
};
extern ClockMap g_clock;
void clock_init(bool allow_tsc);
void clock_after_fork();
uint64_t now_ns_slow();  // clock_gettime, and re-anchors the map when due

static inline uint64_t now_ns() {
  uint64_t s = __atomic_load_n(&g_clock.seq, __ATOMIC_ACQUIRE);
  uint64_t span = __atomic_load_n(&g_clock.span, __ATOMIC_RELAXED);
  if (AA_UNLIKELY(!span)) return now_ns_slow();
  uint64_t tsc0 = __atomic_load_n(&g_clock.tsc0, __ATOMIC_RELAXED);
  uint64_t ns0 = __atomic_load_n(&g_clock.ns0, __ATOMIC_RELAXED);
  uint64_t mult = __atomic_load_n(&g_clock.mult, __ATOMIC_RELAXED);
  uint64_t d = __builtin_ia32_rdtsc() - tsc0;
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  if (AA_LIKELY(d < span && !(s & 1) && __atomic_load_n(&g_clock.seq, __ATOMIC_RELAXED) == s))
    return ns0 + ((d * mult) >> 32);  // d * mult < 2^64: d < span = window * 2^32 / mult
  return now_ns_slow();
}

void runtime_init();  // idempotent; called from the constructor and lazily
void note_exit(int status, int how);     // exit(): remembered for the destructor
void record_exit(int status, int how);   // EXIT record + maps + clean flag, once
void stdio_exit_flush();                 // every open stream's buffered bytes, which libc flushes after us
void record_exit_from_dtor();

// ---- the log (log_writer.cpp) ---------------------------------------------
struct RecordSpec {
  aa_kind kind = AA_KIND_NONE;
  uint16_t flags = 0;
  uint32_t stack_id = 0;
  uint64_t t_enter = 0, t_exit = 0;
  int64_t ret = 0;
  int32_t err = 0;
  int64_t a[6] = {0, 0, 0, 0, 0, 0};
  const aa_stat* st = nullptr;
  const char* path = nullptr;
  size_t path_len = (size_t)-1;  // -1: NUL-terminated
  const char* path2 = nullptr;
  const void* data = nullptr;
  size_t data_len = 0;
};
// Whether a call's values fit the 32-byte tiny record (log_format.h): ret,
// a[0], a[1] and the duration in 32 bits, a[2] 0 or -1, a[3..5] zero.
// Branch-free: x fits int32 exactly when x + 2^31 has no bits above 31.
static inline bool fits_tiny(int64_t ret, const int64_t* a, uint64_t duration) {
  constexpr uint64_t kBias = 1ull << 31;
  uint64_t wide = (uint64_t)(a[3] | a[4] | a[5]);
  wide |= (((uint64_t)ret + kBias) | ((uint64_t)a[0] + kBias) | ((uint64_t)a[1] + kBias) | duration) >> 32;
  wide |= ((uint64_t)a[2] + 1) >> 1;  // 0 exactly for a[2] in {-1, 0}
  return wide == 0;
}
bool log_open(uint64_t parent_log_id);  // creates the file and header; false = stay off
void log_emit(ThreadState& ts, const RecordSpec& r);
// The 32-byte record straight from the interceptors' fast path: false when
// it cannot take it here (new chunk or pre-fault step due, time window
// passed, a signal handler raced us); the caller then goes through log_emit.
// The caller has checked the values fit (interceptor.h, fits_tiny).
bool log_emit_tiny(ThreadState& ts, aa_kind kind, uint64_t t_enter, uint64_t t_exit, int64_t ret, int64_t a0,
                   int64_t a1, int64_t a2, const aa_stat* st);
void log_mark_clean();
void log_mark_execed();
void log_clear_execed();  // the exec failed
uint64_t log_id();
const char* log_path();
int log_fd();
void log_set_fd(int fd);   // after the fd was moved (own_fds.cpp)
void log_drop_mapping();   // fork child: forget the parent's log

// ---- own fds kept out of the program's way (own_fds.cpp) ------------------
int own_fd_floor();                    // lowest number we park fds at
int own_fd_park(int fd);               // dup fd high with CLOEXEC, close fd; -errno
bool own_fd_is(int fd);
void own_fds_before_dup(int newfd);    // program is about to dup onto newfd
void own_fds_after_close_range(unsigned first, unsigned last, unsigned flags);
extern int g_marker_fd;                // -1 = none
void marker_open();

// ---- stacks (stacks.cpp) --------------------------------------------------
// Captures the caller's stack (shim frames dropped) into ips; returns depth.
int stack_capture(ThreadState& ts, uint64_t* ips, int max);
// Interns ips, emitting a STACK record the first time; returns the id (0 = none).
uint32_t stack_intern(ThreadState& ts, const uint64_t* ips, int depth);
void stacks_init();
// The child's log has none of the parent's STACK records.  `parent_threaded`:
// other threads were alive at the fork, so a lock inside libunwind may be
// held forever in the child (its owner was not copied): no stacks until exec.
void stacks_reset_after_fork(bool parent_threaded);
extern int g_live_threads;  // threads started through pthread_create, not yet ended
bool ip_in_shim(uint64_t ip);
bool ip_in_unwinder(uint64_t ip);  // inside libunwind

// ---- memory maps (maps_snapshot.cpp) --------------------------------------
enum MapsReason { kMapsStart = 0, kMapsDlopen = 1, kMapsExit = 2, kMapsExec = 3 };
void maps_snapshot(ThreadState& ts, MapsReason why);

// ---- perturbation (perturb.cpp) -------------------------------------------
void perturb_init();
void perturb_after_dlopen();
// Decides and sleeps before a call; returns AA_F_DELAYED when it slept.
// fd >= 0 for fd calls, else path (with dirfd) for path calls.
uint16_t perturb_before(ThreadState& ts, aa_kind kind, int fd, int dirfd, const char* path,
                        uint64_t* ips, int* depth);
extern uint32_t g_perturb_mask;  // classes that may be delayed; 0 = off

// ---- environment for exec/spawn (env_inject.cpp) --------------------------
// Returns envp with LD_PRELOAD (our lib first) and all AWAITAUDIT_* of this
// process put back.  Memory comes from mmap (fork-child / vfork safe).
char* const* env_for_exec(char* const* envp);
void env_capture();  // init: remember our own settings and library path

// ---- helpers --------------------------------------------------------------
size_t cstrlen(const char* s);
void stat_from_kstat(aa_stat& out, const struct stat& st);
void stat_from_statx(aa_stat& out, const struct statx& sx);
bool stat_fd(int fd, aa_stat& out);  // raw statx with birth time
}  // namespace aa
