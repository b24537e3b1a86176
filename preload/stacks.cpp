// Call stacks: libunwind's unw_backtrace (no malloc once warmed up), interned
// in a lock-free table so each distinct stack is written once as a STACK
// record and later records refer to it by id.
#include <dlfcn.h>
#include <link.h>
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "shim.h"

namespace aa {
namespace {

uint64_t g_shim_lo, g_shim_hi;  // our own text: frames in it are dropped
uint64_t g_unw_lo, g_unw_hi;    // libunwind's text: its calls while unwinding are not the program's

constexpr uint32_t kSlots = 1u << 15;
struct Slot {
  uint64_t hash;  // 0 = empty; claimed by CAS
  uint32_t id;    // published after the STACK record was written
};
Slot g_table[kSlots];
uint32_t g_next_id = 1;

uint64_t hash_ips(const uint64_t* ips, int depth) {
  uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)depth;
  for (int i = 0; i < depth; ++i) {
    h ^= ips[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h ? h : 1;
}

struct Range {
  uint64_t probe, lo, hi;
};

// The executable PT_LOAD segment of the object that contains `probe`.
int find_text(struct dl_phdr_info* info, size_t, void* data) {
  auto* r = (Range*)data;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uint64_t lo = info->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
    if (r->probe >= lo && r->probe < hi) {
      r->lo = lo;
      r->hi = hi;
      return 1;
    }
  }
  return 0;
}

void emit_stack(ThreadState& ts, uint32_t id, const uint64_t* ips, int depth) {
  RecordSpec r;
  r.kind = AA_STACK;
  r.a[0] = id;
  r.a[1] = depth;
  r.data = ips;
  r.data_len = (size_t)depth * sizeof(uint64_t);
  r.t_enter = r.t_exit = now_ns();
  log_emit(ts, r);
}

}  // namespace

// Measured: a CPython test_subprocess child, forked while other threads ran,
// hung for good in unw_backtrace (pthread_mutex_lock inside libunwind) when
// its close() before exec was recorded with a stack.  Between fork and exec
// a threaded program's child may only make async-signal-safe calls, and
// libunwind is not one: such a child's records go without stacks.
bool g_stacks_unsafe;

void stacks_reset_after_fork(bool parent_threaded) {
  for (auto& s : g_table) s = Slot{};
  g_next_id = 1;
  if (parent_threaded) g_stacks_unsafe = true;
}

bool ip_in_shim(uint64_t ip) { return ip >= g_shim_lo && ip < g_shim_hi; }
bool ip_in_unwinder(uint64_t ip) { return ip >= g_unw_lo && ip < g_unw_hi; }

void stacks_init() {
  Range self{(uint64_t)&stacks_init, 0, 0};
  dl_iterate_phdr(find_text, &self);
  g_shim_lo = self.lo;
  g_shim_hi = self.hi;
  Range unw{(uint64_t)&unw_backtrace, 0, 0};
  dl_iterate_phdr(find_text, &unw);
  g_unw_lo = unw.lo;
  g_unw_hi = unw.hi;
  // Per-thread caches: no lock shared between threads while unwinding.
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
  // Warm libunwind up (it may allocate its cache on first use).
  void* tmp[4];
  unw_backtrace(tmp, 4);
}

int stack_capture(ThreadState& ts, uint64_t* ips, int max) {
  if (ts.in_unwind) return 0;  // a signal handler interrupted an unwind
  if (g_stacks_unsafe) return 0;
  // libunwind takes mutexes and probes memory through a pipe: those calls are
  // ours, not the program's; call_begin() lets them through unrecorded by
  // their caller address, but still records a signal handler's calls.
  ts.in_unwind = 1;
  // Without the fence the compiler stored in_shim first: a signal handler
  // landing between the two stores saw "shim work, not unwinding" and its
  // write went unrecorded (measured: 1-6 of 2000 in test_sigwrite).
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  ts.in_shim++;
  void* raw[AA_MAX_STACK_DEPTH + 8];
  int want = max + 8 > AA_MAX_STACK_DEPTH + 8 ? AA_MAX_STACK_DEPTH + 8 : max + 8;
  int n = unw_backtrace(raw, want);
  ts.in_shim--;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);  // same window on the way out
  ts.in_unwind = 0;
  // Our frames (interceptor, thread trampoline) say nothing about the program.
  int out = 0;
  for (int i = 0; i < n && out < max; ++i)
    if (!ip_in_shim((uint64_t)raw[i])) ips[out++] = (uint64_t)raw[i];
  return out;
}

uint32_t stack_intern(ThreadState& ts, const uint64_t* ips, int depth) {
  if (depth <= 0) return 0;
  uint64_t h = hash_ips(ips, depth);
  for (uint32_t probe = 0; probe < 64; ++probe) {
    Slot& s = g_table[(h + probe) & (kSlots - 1)];
    uint64_t cur = __atomic_load_n(&s.hash, __ATOMIC_ACQUIRE);
    if (cur == h) {
      uint32_t id = __atomic_load_n(&s.id, __ATOMIC_ACQUIRE);
      if (id) return id;
      break;  // owner still writing it (maybe the code we interrupted): own copy below
    }
    if (cur == 0) {
      uint64_t expect = 0;
      if (__atomic_compare_exchange_n(&s.hash, &expect, h, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        uint32_t id = __atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED);
        emit_stack(ts, id, ips, depth);
        __atomic_store_n(&s.id, id, __ATOMIC_RELEASE);
        return id;
      }
      if (expect == h) {
        uint32_t id = __atomic_load_n(&s.id, __ATOMIC_ACQUIRE);
        if (id) return id;
        break;
      }
    }
  }
  // Table crowded or entry in flight: a private STACK record, same content.
  uint32_t id = __atomic_fetch_add(&g_next_id, 1, __ATOMIC_RELAXED);
  emit_stack(ts, id, ips, depth);
  return id;
}

}  // namespace aa
