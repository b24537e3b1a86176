// Start-up and shut-down of the shim, per-thread state, fork handling, and
// the small helpers every interceptor shares.
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include "interceptor.h"

extern "C" const aa::RealSlot __start_aa_real[] __attribute__((weak));
extern "C" const aa::RealSlot __stop_aa_real[] __attribute__((weak));

namespace aa {

uint32_t g_gen = 1;
bool g_active;
__thread ThreadState t_state __attribute__((tls_model("initial-exec")));

namespace {
int g_init_state;  // 0 not started, 1 running, 2 done
bool g_exit_recorded;
int g_exit_status;
int g_exit_how = 2;

uint64_t parse_hex(const char* s) {
  uint64_t v = 0;
  for (; s && *s; ++s) {
    char c = *s;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + (uint64_t)d;
  }
  return v;
}

void child_after_fork() {
  int saved = errno;
  if (__atomic_load_n(&g_active, __ATOMIC_RELAXED)) {
    __atomic_store_n(&g_active, false, __ATOMIC_RELAXED);
    uint64_t parent = log_id();
    __atomic_add_fetch(&g_gen, 1, __ATOMIC_ACQ_REL);
    ThreadState& ts = thread_state();
    ts.in_shim++;
    log_drop_mapping();
    clock_after_fork();
    stacks_reset_after_fork(__atomic_load_n(&g_live_threads, __ATOMIC_RELAXED) > 0);
    g_live_threads = 0;  // the child has one thread: the one that forked
    g_exit_recorded = false;
    g_exit_how = 2;
    if (log_open(parent)) {
      __atomic_store_n(&g_active, true, __ATOMIC_RELEASE);
      maps_snapshot(ts, kMapsStart);
    }
    ts.in_shim--;
  }
  errno = saved;
}
}  // namespace

size_t cstrlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

void* resolve_real(const RealSlot* slot) {
  void* fn = slot->version ? dlvsym(RTLD_NEXT, slot->name, slot->version) : nullptr;
  if (!fn) fn = dlsym(RTLD_NEXT, slot->name);
  if (fn) __atomic_store_n(slot->fn, fn, __ATOMIC_RELAXED);
  return fn;
}

void resolve_all_reals() {
  if (!__start_aa_real) return;
  for (const RealSlot* s = __start_aa_real; s < __stop_aa_real; ++s)
    if (!*s->fn) resolve_real(s);
}

void thread_reset(ThreadState& ts) {
  ts.tid = (int32_t)AA_RAW(gettid);
  ts.cursor = 0;
  ts.populated = 0;
  ts.chunks_taken = 0;
  ts.rng_seeded = 0;
  ts.in_unwind = 0;
  __atomic_store_n(&ts.gen, __atomic_load_n(&g_gen, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

void stat_from_kstat(aa_stat& o, const struct stat& s) {
  o.dev = s.st_dev;
  o.ino = s.st_ino;
  o.size = s.st_size;
  o.mode = s.st_mode;
  o.nlink = (uint32_t)s.st_nlink;
  o.mtime_ns = (int64_t)s.st_mtim.tv_sec * 1000000000 + s.st_mtim.tv_nsec;
  o.btime_ns = 0;
}

void stat_from_statx(aa_stat& o, const struct statx& x) {
  // glibc's makedev() encoding, so fstat and statx results compare equal.
  uint64_t maj = x.stx_dev_major, min = x.stx_dev_minor;
  o.dev = ((maj & 0xfffull) << 8) | ((maj & ~0xfffull) << 32) | (min & 0xffull) | ((min & ~0xffull) << 12);
  o.ino = x.stx_ino;
  o.size = (int64_t)x.stx_size;
  o.mode = x.stx_mode;
  o.nlink = x.stx_nlink;
  o.mtime_ns = (int64_t)x.stx_mtime.tv_sec * 1000000000 + x.stx_mtime.tv_nsec;
  o.btime_ns = (x.stx_mask & STATX_BTIME) ? (int64_t)x.stx_btime.tv_sec * 1000000000 + x.stx_btime.tv_nsec : 0;
}

bool stat_fd(int fd, aa_stat& out) {
  struct statx x;
  if (AA_RAW(statx, fd, (long)"", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, (long)&x) < 0) return false;
  stat_from_statx(out, x);
  return true;
}

// Out of line so call_end's common path saves no registers.
static __attribute__((noinline)) void attach_stack(Call& c, ThreadState& ts) {
  // libunwind may touch errno; log_emit makes only raw system calls, which
  // leave it alone, so only this branch needs to save it.
  int e = errno;
  int want = (int)g_cfg.stack_depth;
  if (c.depth < 0) c.depth = stack_capture(ts, c.ips, want);
  c.r.stack_id = stack_intern(ts, c.ips, c.depth < want ? c.depth : want);
  errno = e;
}

// A record's return side: its time (the TSC map and a clock_gettime
// fallback may disagree by the map's error), result and errno.
static inline void settle(RecordSpec& r, uint64_t t_exit, int64_t ret) {
  r.t_exit = AA_UNLIKELY(t_exit < r.t_enter) ? r.t_enter : t_exit;
  r.ret = ret;
  if (AA_UNLIKELY(ret == -1) && !r.err) r.err = errno;
}

void call_end(Call& c, int64_t ret) {
  settle(c.r, now_ns(), ret);
  ThreadState& ts = *c.ts;
  if (AA_UNLIKELY(g_cfg.stack_depth) && !ts.in_unwind) attach_stack(c, ts);
  log_emit(ts, c.r);
}

void fast_call_rest(ThreadState& ts, aa_kind kind, uint64_t t_enter, uint64_t t_exit, int64_t ret, const int64_t* a,
                    const aa_stat* st) {
  RecordSpec r;
  r.kind = kind;
  r.t_enter = t_enter;
  settle(r, t_exit, ret);
  for (int i = 0; i < 6; ++i) r.a[i] = a[i];
  r.st = st;
  log_emit(ts, r);
}

void call_emit_pending(Call& c) {
  int e = errno;
  c.r.flags |= AA_F_PENDING;
  c.r.t_exit = c.r.t_enter;
  ThreadState& ts = *c.ts;
  if (g_cfg.stack_depth && !ts.in_unwind) {
    int want = (int)g_cfg.stack_depth;
    if (c.depth < 0) c.depth = stack_capture(ts, c.ips, want);
    c.r.stack_id = stack_intern(ts, c.ips, c.depth < want ? c.depth : want);
  }
  log_emit(ts, c.r);
  errno = e;
}

void note_exit(int status, int how) {
  g_exit_status = status;
  g_exit_how = how;
}

// Writes the EXIT record, the final maps snapshot and the clean flag once.
void record_exit(int status, int how) {
  if (!__atomic_load_n(&g_active, __ATOMIC_ACQUIRE) || g_exit_recorded) return;
  g_exit_recorded = true;
  int e = errno;
  // exit() and a return from main flush stdio after the last destructor;
  // _exit does not.
  if (how != 1) stdio_exit_flush();
  ThreadState& ts = thread_state();
  RecordSpec r;
  r.kind = AA_EXIT;
  r.a[0] = status;
  r.a[1] = how;
  r.t_enter = r.t_exit = now_ns();
  log_emit(ts, r);
  ts.in_shim++;
  maps_snapshot(ts, kMapsExit);
  ts.in_shim--;
  log_mark_clean();
  errno = e;
}

void record_exit_from_dtor() { record_exit(g_exit_status, g_exit_how); }

void runtime_init() {
  if (__atomic_load_n(&g_init_state, __ATOMIC_ACQUIRE) != 0) return;
  int expect = 0;
  if (!__atomic_compare_exchange_n(&g_init_state, &expect, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  int saved = errno;
  ThreadState& ts = thread_state();
  ts.in_shim++;
  resolve_all_reals();
  if (!getauxval(AT_SECURE)) {  // setuid/setgid: not traced, environment untouched
    config_load();
    env_capture();
    char exe[4096];
    long n = AA_RAW(readlink, (long)"/proc/self/exe", (long)exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    uint64_t parent = parse_hex(getenv("AWAITAUDIT_PARENT_LOG_ID"));
    unsetenv("AWAITAUDIT_PARENT_LOG_ID");
    unsetenv("AWAITAUDIT_MARKER_FD");  // inherited value names the parent's (closed) fd
    if (!g_cfg.off && !exe_excluded(exe)) {
      clock_init(!g_cfg.vdso_clock);
      if (g_cfg.stack_depth || g_cfg.delay_sites_file[0]) stacks_init();
      if (log_open(parent)) {
        perturb_init();
        marker_open();
        pthread_atfork(nullptr, nullptr, child_after_fork);
        __atomic_store_n(&g_active, true, __ATOMIC_RELEASE);
        maps_snapshot(ts, kMapsStart);
      }
    }
  }
  ts.in_shim--;
  __atomic_store_n(&g_init_state, 2, __ATOMIC_RELEASE);
  errno = saved;
}

}  // namespace aa

__attribute__((constructor(101))) static void aa_constructor() { aa::runtime_init(); }

// exit() and return-from-main both get here; _exit() records in its interceptor.
__attribute__((destructor(101))) static void aa_destructor() { aa::record_exit_from_dtor(); }
