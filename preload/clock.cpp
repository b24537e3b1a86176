// Record timestamps: CLOCK_MONOTONIC nanoseconds, computed from the TSC.
//
// Every record reads the clock twice.  The vDSO clock_gettime cost 40 ns a
// read on this VM (TSC clocksource), the bare rdtsc 19 ns, so two reads a call
// were the largest single user-space cost of the shim.  Here a process-wide
// linear map from TSC ticks to the kernel's CLOCK_MONOTONIC is re-anchored to
// a real clock_gettime every kWindowNs; between anchors a read is one rdtsc,
// a multiply and a seqlock check.  Times stay CLOCK_MONOTONIC within the
// map's error (rate error x window, measured in tests/shim/test_clock.py), so
// the log format and the analyzer are unchanged.
//
// The map is used only where the kernel itself trusts the TSC (clocksource
// "tsc", invariant TSC); elsewhere, or with AWAITAUDIT_CLOCK=vdso, every read
// is a plain clock_gettime as before.
#include <cpuid.h>
#include <fcntl.h>
#include <string.h>

#include "shim.h"

namespace aa {

ClockMap g_clock;  // zero: span 0, so every read takes now_ns_slow()

namespace {

constexpr uint64_t kFirstRateNs = 2'000'000;    // first rate estimate over >= 2 ms
constexpr uint64_t kWindowNs = 2'000'000;       // re-anchor to clock_gettime this often
constexpr uint64_t kRefAgeNs = 1'000'000'000;   // later rates over a 1-2 s baseline
constexpr uint64_t kMaxBracketTicks = 4000;     // a sample spanning more was interrupted
constexpr uint64_t kRateTolerance = 100;        // 1%: NTP slews at most 0.05%; more is a TSC fault

struct Sample {
  uint64_t tsc, ns, bracket;
};

// Calibration state: written only by the thread holding the odd seq.
bool g_tsc_ok;
Sample g_ref, g_pending;   // the rate is measured from g_ref; g_pending replaces it once a second
uint64_t g_next_try_ns;    // atomic; no calibration before this time

inline uint64_t kernel_ns() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);  // vDSO: no system call
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

// A (tsc, ns) pair read together: the tsc is the midpoint of two reads
// around the clock read; the narrowest of three tries is kept.
Sample sample() {
  Sample best{0, 0, ~0ull};
  for (int i = 0; i < 3; ++i) {
    uint64_t a = __builtin_ia32_rdtsc();
    uint64_t ns = kernel_ns();
    uint64_t b = __builtin_ia32_rdtsc();
    if (b - a < best.bracket) best = {a + (b - a) / 2, ns, b - a};
    if (best.bracket < 400) break;  // clock_gettime alone is ~100 ticks
  }
  return best;
}

// Kernel clocksource is the TSC (so it is synchronised across CPUs) and the
// CPU says its TSC rate is invariant.
bool tsc_trusted() {
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8))) return false;
  long fd = AA_RAW(openat, AT_FDCWD, (long)"/sys/devices/system/clocksource/clocksource0/current_clocksource",
                   O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[16] = {0};
  long n = AA_RAW(read, fd, (long)buf, sizeof buf - 1);
  AA_RAW(close, fd);
  return n >= 3 && memcmp(buf, "tsc\n", n < 4 ? (size_t)n : 4) == 0 && (n == 3 || buf[3] == '\n');
}

void restart_from(const Sample& x) {
  g_ref = g_pending = x;
  __atomic_store_n(&g_clock.span, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&g_next_try_ns, x.ns + kFirstRateNs, __ATOMIC_RELAXED);
}

// New map anchored at x; returns the time for x.  Caller holds the odd seq.
uint64_t recalibrate(const Sample& x) {
  if (x.tsc <= g_ref.tsc || x.ns <= g_ref.ns) {  // TSC went backwards (migration, reset)
    restart_from(x);
    return x.ns;
  }
  uint64_t mult = (uint64_t)(((unsigned __int128)(x.ns - g_ref.ns) << 32) / (x.tsc - g_ref.tsc));
  uint64_t old = g_clock.mult;
  if (!mult || (old && (mult > old + old / kRateTolerance || mult < old - old / kRateTolerance))) {
    restart_from(x);
    return x.ns;
  }
  __atomic_store_n(&g_clock.tsc0, x.tsc, __ATOMIC_RELAXED);
  __atomic_store_n(&g_clock.ns0, x.ns, __ATOMIC_RELAXED);
  __atomic_store_n(&g_clock.mult, mult, __ATOMIC_RELAXED);
  __atomic_store_n(&g_clock.span, (uint64_t)(((unsigned __int128)kWindowNs << 32) / mult), __ATOMIC_RELAXED);
  if (x.ns - g_pending.ns >= kRefAgeNs) {
    g_ref = g_pending;
    g_pending = x;
  }
  return x.ns;
}

}  // namespace

void clock_init(bool allow_tsc) {
  g_tsc_ok = allow_tsc && tsc_trusted();
  g_clock.seq = 0;
  g_clock.mult = 0;
  if (g_tsc_ok) restart_from(sample());
}

void clock_after_fork() {
  // A thread of the parent may have held the odd seq; it does not exist here.
  __atomic_store_n(&g_clock.seq, 0, __ATOMIC_RELAXED);
  if (g_tsc_ok) {
    g_clock.mult = 0;
    restart_from(sample());
  }
}

uint64_t now_ns_slow() {
  uint64_t ns = kernel_ns();
  if (!g_tsc_ok || ns < __atomic_load_n(&g_next_try_ns, __ATOMIC_RELAXED)) return ns;
  uint64_t s = __atomic_load_n(&g_clock.seq, __ATOMIC_RELAXED);
  // Another thread is calibrating, or this thread was interrupted while doing
  // so (a signal handler's record): use the kernel's clock this once.
  if ((s & 1) || !__atomic_compare_exchange_n(&g_clock.seq, &s, s + 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    return ns;
  Sample x = sample();
  if (x.bracket < kMaxBracketTicks) ns = recalibrate(x);
  __atomic_store_n(&g_clock.seq, s + 2, __ATOMIC_RELEASE);
  return ns;
}

}  // namespace aa
