// One pattern for every interposed function, TSan style:
//
//   AA_INTERCEPTOR(ssize_t, write, (int fd, const void* buf, size_t n)) { ... REAL(write)(fd, buf, n) ... }
//
// declares the exported replacement, a slot for the real function (resolved
// with dlsym(RTLD_NEXT) at init, or on first use if a library constructor
// calls in before ours ran) and registers the slot in the `aa_real` section so
// init can resolve all of them at once.  AA_INTERCEPTOR_VER picks a symbol
// version (pthread_cond_*: plain dlsym would return the old 2.2.5 ABI).
#pragma once
#include <type_traits>

#include "shim.h"

namespace aa {
// 32 bytes, 32-aligned: the compiler pads section members to their
// alignment, so the size must equal it for the section to be an array.
struct alignas(32) RealSlot {
  const char* name;
  const char* version;  // nullptr = default version
  void** fn;
  void* unused;
};
static_assert(sizeof(RealSlot) == 32);
void* resolve_real(const RealSlot* slot);
void resolve_all_reals();
}  // namespace aa

#define AA_INTERCEPTOR_VER(ret, name, ver, params)                                       \
  using aa_fn_##name = ret(*) params;                                                    \
  static aa_fn_##name aa_real_##name;                                                    \
  __attribute__((used, section("aa_real"))) static const ::aa::RealSlot aa_slot_##name = \
      {#name, ver, (void**)&aa_real_##name, nullptr};                                             \
  AA_EXPORT ret name params

#define AA_INTERCEPTOR(ret, name, params) AA_INTERCEPTOR_VER(ret, name, nullptr, params)

#define REAL(name)                                                  \
  (AA_LIKELY(__atomic_load_n(&aa_real_##name, __ATOMIC_RELAXED))  \
       ? aa_real_##name                                             \
       : (aa_fn_##name)::aa::resolve_real(&aa_slot_##name))

namespace aa {

// What one call records.  Filled before the call (arguments, paths) and
// completed after it (result, stat, extra fds) by the interceptor.
struct Call {
  ThreadState* ts = nullptr;  // nullptr: not recording (off, or shim's own work)
  RecordSpec r;
  uint64_t ips[AA_MAX_STACK_DEPTH];
  int depth = -1;             // -1: not captured yet
  aa_stat st;

  template <class... T>
  void args(T... v) {
    int64_t t[] = {to_i64(v)...};
    for (size_t i = 0; i < sizeof...(T); ++i) r.a[i] = t[i];
  }
  template <class T>
  static int64_t to_i64(T v) {
    if constexpr (std::is_pointer_v<T>) return (int64_t)(intptr_t)v;
    else return (int64_t)v;
  }
};

// Starts a call: nullptr-ts when not recording.  fd/dirfd/path feed the
// perturbation's "regular file" check; delaying happens here, before the call.
// Always inlined: __builtin_return_address(0) must be the interceptor's caller.
__attribute__((always_inline)) static inline bool call_begin(Call& c, aa_kind kind, int fd = -1,
                                                             int dirfd = -100, const char* path = nullptr) {
  if (AA_UNLIKELY(!__atomic_load_n(&g_active, __ATOMIC_RELAXED))) return false;
  ThreadState& ts = thread_state();
  if (AA_UNLIKELY(ts.in_shim)) {
    // While we unwind, libunwind's own locks and pipe probes pass through;
    // a call from anywhere else is a signal handler that interrupted us, and
    // is recorded (without a stack).
    if (!ts.in_unwind) return false;
    uint64_t caller = (uint64_t)__builtin_return_address(0);
    if (ip_in_unwinder(caller) || ip_in_shim(caller)) return false;
  }
  c.ts = &ts;
  c.r.kind = kind;
  if (AA_UNLIKELY(g_perturb_mask)) c.r.flags |= perturb_before(ts, kind, fd, dirfd, path, c.ips, &c.depth);
  c.r.t_enter = now_ns();
  return true;
}

// Finishes and writes the record; keeps errno as the real call left it.
void call_end(Call& c, int64_t ret);
// Writes the record before the call (exec): AA_F_PENDING, t_exit = t_enter.
void call_emit_pending(Call& c);

// The fast path, for the calls a busy program makes most (reads, writes,
// fstat: AA_FD_CALL and the fd stat family).  Taken when nothing needs the
// full Call: no stacks, no perturbation, not inside the shim's own work.
// It skips the Call (a 700-byte frame to set up) and, when the values fit,
// writes the 32-byte record directly; anything else (an error, a wide
// argument, a new chunk due) goes through fast_call_rest and log_emit.
// Measured: 227 instructions per recorded call instead of 264 (callgrind,
// bench-shim's write loop); in wall time the gain is within the noise of
// that benchmark (1.180x -> 1.173x, 41 paired runs): the log's memory and
// the two clock reads cost far more than the code.
__attribute__((always_inline)) static inline ThreadState* fast_begin() {
  if (AA_UNLIKELY(!__atomic_load_n(&g_active, __ATOMIC_RELAXED))) return nullptr;
  if (AA_UNLIKELY(g_perturb_mask | g_cfg.stack_depth)) return nullptr;
  ThreadState& ts = thread_state();
  if (AA_UNLIKELY(ts.in_shim)) return nullptr;
  return &ts;
}

// The record when the tiny one could not take it; keeps errno.
void fast_call_rest(ThreadState& ts, aa_kind kind, uint64_t t_enter, uint64_t t_exit, int64_t ret, const int64_t* a,
                    const aa_stat* st);

// Records `fn` (arguments v..., at most six) on the fast path.  `stat_of`
// fills an aa_stat from a successful call's result (nullptr: none).
template <class F, class S, class... T>
__attribute__((always_inline)) static inline auto fast_traced(ThreadState& ts, aa_kind kind, F&& fn, S&& stat_of,
                                                              T... v) -> decltype(fn()) {
  int64_t a[6] = {Call::to_i64(v)...};
  uint64_t t_enter = now_ns();
  auto ret = fn();
  uint64_t t_exit = now_ns();
  aa_stat st;
  const aa_stat* stp = stat_of(ret, st);
  int64_t r = Call::to_i64(ret);
  if (AA_LIKELY(r != -1 && fits_tiny(r, a, t_exit - t_enter)) &&
      AA_LIKELY(log_emit_tiny(ts, kind, t_enter, t_exit, r, a[0], a[1], a[2], stp)))
    return ret;
  fast_call_rest(ts, kind, t_enter, t_exit, r, a, stp);
  return ret;
}
struct NoStat {
  template <class R>
  const aa_stat* operator()(R, aa_stat&) const { return nullptr; }
};

// Most interceptors: record around `fn`, arguments already in c.r.a.
template <class F>
static inline auto traced(Call& c, F&& fn) -> decltype(fn()) {
  auto ret = fn();
  if (c.ts) call_end(c, Call::to_i64(ret));
  return ret;
}

}  // namespace aa
