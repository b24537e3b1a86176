#include "check_pipeline.h"

#include "log_reader.h"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <unordered_map>

namespace aa {
namespace {
// futex(2) operations, without FUTEX_PRIVATE_FLAG / FUTEX_CLOCK_REALTIME.
enum { kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4, kWakeOp = 5, kLockPi = 6, kUnlockPi = 7,
       kTrylockPi = 8, kWaitBitset = 9, kWakeBitset = 10, kWaitRequeuePi = 11, kCmpRequeuePi = 12, kLockPi2 = 13 };
SyncKey addr(uint32_t proc, int64_t a) { return {kSyncAddr, proc, uint64_t(a)}; }

// Each log names the log of the image that created it (fork parent,
// pre-exec image, posix_spawn caller): exact even when pids are reused.
std::vector<uint32_t> process_parents(const std::vector<ProcessInfo>& procs) {
  std::unordered_map<uint64_t, uint32_t> by_log;
  for (uint32_t i = 0; i < procs.size(); ++i)
    if (procs[i].log_id) by_log.emplace(procs[i].log_id, i);
  std::vector<uint32_t> parent(procs.size(), UINT32_MAX);
  for (uint32_t i = 0; i < procs.size(); ++i) {
    auto it = procs[i].parent_log_id ? by_log.find(procs[i].parent_log_id) : by_log.end();
    if (it != by_log.end() && it->second != i) parent[i] = it->second;
  }
  return parent;
}
}  // namespace

Pipeline::Pipeline(const std::vector<ProcessInfo>& procs, const RuleSet& rules, bool latent)
    : procs_(procs), files_(procs), checker_(hb_, files_, rules, latent),
      begun_(procs.size()), io_uring_noted_(procs.size()), aio_noted_(procs.size()), mmap_noted_(procs.size()) {
  parents_ = process_parents(procs);
  bounds_.set_process_parents(parents_);
}

void Pipeline::release(uint32_t x, const SyncKey& k, const Event& e) {
  ReleaseInfo r{hb_.now(x), EvCopy::of(e)};
  hb_.release(x, k, e);
  bounds_.on_release(x, k, r);
}

void Pipeline::acquire(uint32_t x, const SyncKey& k, bool wait, const Event& e) {
  const ReleaseInfo* from = hb_.acquire(x, k);
  bounds_.on_acquire(x, k, from, wait, e.t_enter, e.t_exit);
  acquired_ = true;
}

void Pipeline::sync(const Event& e, uint32_t x) {
  const uint32_t pr = e.proc;
  switch (e.kind) {
    case AA_FUTEX: {
      int op = int(e.a[1]) & 127;
      bool woke = e.ret == 0 || e.err == EAGAIN;
      switch (op) {
        case kWake: case kWakeBitset: case kUnlockPi:
          release(x, addr(pr, e.a[0]), e);
          break;
        case kWakeOp: case kRequeue: case kCmpRequeue: case kCmpRequeuePi:
          release(x, addr(pr, e.a[0]), e);
          release(x, addr(pr, e.a[3]), e);
          break;
        case kWait: case kWaitBitset: case kWaitRequeuePi:
          if (woke) acquire(x, addr(pr, e.a[0]), true, e);
          break;
        case kLockPi: case kLockPi2: case kTrylockPi:
          if (e.ret == 0) acquire(x, addr(pr, e.a[0]), false, e);
          break;
        default:
          break;
      }
      break;
    }
    case AA_MUTEX_LOCK:
      acquire(x, addr(pr, e.a[0]), false, e);
      held(x).push_back(e.a[0]);
      break;
    case AA_MUTEX_UNLOCK: {
      release(x, addr(pr, e.a[0]), e);
      auto& h = held(x);
      if (auto it = std::find(h.begin(), h.end(), e.a[0]); it != h.end()) h.erase(it);
      break;
    }
    case AA_COND_SIGNAL: case AA_COND_BROADCAST:
      release(x, addr(pr, e.a[0]), e);
      // pthread_cond_wait unlocks its mutex inside, unrecorded, and its
      // record only comes at its return: a signaller that next waits would
      // never be seen releasing the mutex.  Signals are made under the
      // mutex, so publish it here (early: fewer edges, never false ones).
      for (int64_t m : held(x)) release(x, addr(pr, m), e);
      break;
    case AA_COND_WAIT:
      if (e.ret == 0) acquire(x, addr(pr, e.a[0]), true, e);
      acquire(x, addr(pr, e.a[1]), false, e);  // the mutex is re-taken even on timeout
      if (auto& h = held(x); std::find(h.begin(), h.end(), e.a[1]) == h.end()) h.push_back(e.a[1]);
      break;
    case AA_SEM_POST: release(x, addr(pr, e.a[0]), e); break;
    case AA_SEM_WAIT: if (e.ret == 0) acquire(x, addr(pr, e.a[0]), true, e); break;
    case AA_THREAD_CREATE: release(x, {kSyncSpawn, pr, uint64_t(e.a[0])}, e); break;
    case AA_THREAD_START: {
      const ReleaseInfo* from = hb_.acquire(x, {kSyncSpawn, pr, uint64_t(e.a[0])});
      bounds_.on_thread_start(x, from, e.t_enter);
      checker_.thread_started(x, from);
      acquired_ = true;
      break;
    }
    case AA_THREAD_EXIT: release(x, {kSyncExit, pr, uint64_t(e.a[1])}, e); break;
    case AA_THREAD_JOIN: if (e.ret == 0) acquire(x, {kSyncExit, pr, uint64_t(e.a[0])}, false, e); break;
    case AA_FORK: if (e.ret > 0) release(x, {kSyncFork, 0, uint64_t(e.ret)}, e); break;
    // posix_spawn returns once the child has exec'd (or failed to): the
    // parent's past happens-before the new image, as with fork + exec.
    case AA_SPAWN: if (e.ret == 0 && e.a[1] > 0) release(x, {kSyncFork, 0, uint64_t(e.a[1])}, e); break;
    case AA_EXECVE: release(x, {kSyncExec, 0, uint64_t(e.pid)}, e); break;
    case AA_EXIT:
      release(x, {kSyncExit, 0xffffffffu, uint64_t(e.pid)}, e);
      if (auto it = shell_children_.find(e.pid); it != shell_children_.end()) {
        release(x, {kSyncShellExit, 0, uint64_t(it->second)}, e);
        shell_children_.erase(it);
      }
      break;
    case AA_WAITPID: if (e.ret > 0) acquire(x, {kSyncExit, 0xffffffffu, uint64_t(e.ret)}, false, e); break;
    // system()/popen(): the child's pid is not known, so the spawn is keyed
    // by the parent's pid (the child pairs with it by ppid), and the reap
    // takes every such child's exit seen so far.  Coarse, but only ever
    // towards more ordering for programs that start shells.
    case AA_SHELL: release(x, {kSyncShell, 0, uint64_t(e.pid)}, e); break;
    case AA_SHELL_WAIT: acquire(x, {kSyncShellExit, 0, uint64_t(e.pid)}, false, e); break;
    default: break;
  }
}

// Why records wait.  The shim writes a call's record when it returns, so a
// call's nested records (a fork's pthread_atfork handlers: jemalloc takes and
// drops every arena mutex around fork, all recorded) come before it in its
// thread's stream although they started later.  The reader keeps each
// thread's stream order, so a child's first records (it ran while the
// parent was still in fork) can come out before the parent's fork record,
// and the child would start with no happens-before edge and no inherited
// fds: rustc's fork of the linker made every linker read of rustc's
// symbols.o a "file race".  The child's records wait for the handoff they
// need (the fork/spawn release for a child, the execve release for a new
// image).  A handoff that never comes (a fork glibc made internally, a
// parent log that lost the record) must not reorder much: the child goes
// on when a waitpid reaps it (its whole run happened before), when its
// creator exits (the fork, in the creator's past, was lost from its log:
// seen when a child wrote into the parent's log), or after kMaxHold of
// merge time or kMaxHeld records.
namespace {
constexpr uint64_t kMaxHoldNs = 2'000'000'000;
constexpr size_t kMaxHeld = 200'000;
}  // namespace

bool Pipeline::must_wait(const Event& e) const {
  uint32_t parent = e.proc < parents_.size() ? parents_[e.proc] : UINT32_MAX;
  if (parent == UINT32_MAX) return false;
  bool same_image_pid = procs_[parent].pid == e.pid;
  return !hb_.has({same_image_pid ? kSyncExec : kSyncFork, 0, uint64_t(e.pid)});
}

void Pipeline::hold(const Event& e) {
  auto [it, fresh] = waiting_.try_emplace(e.proc);
  Held& h = it->second;
  if (fresh) {
    uint32_t parent = parents_[e.proc];
    h.gate = {procs_[parent].pid == e.pid ? kSyncExec : kSyncFork, 0, uint64_t(e.pid)};
    h.since = merge_time(e);
  }
  h.events.push_back({e, std::string(e.path), std::string(e.path2)});
  HeldEvent& he = h.events.back();
  he.e.path = he.path;
  he.e.path2 = he.path2;
  if (h.events.size() >= kMaxHeld) replay(e.proc);
}

void Pipeline::replay(uint32_t proc) {
  auto it = waiting_.find(proc);
  if (it == waiting_.end()) return;
  std::deque<HeldEvent> events = std::move(it->second.events);
  waiting_.erase(it);
  for (auto& he : events) {
    he.e.path = he.path;  // the deque moved: re-point the views
    he.e.path2 = he.path2;
    process(he.e);
  }
}

void Pipeline::replay_ready() {
  for (bool again = true; again;) {
    again = false;
    for (auto& [proc, h] : waiting_)
      if (hb_.has(h.gate)) {
        replay(proc);  // may open further gates (the child's own exec)
        again = true;
        break;
      }
  }
}

void Pipeline::replay_overdue(uint64_t now) {
  for (;;) {  // oldest first, as they would have come
    uint32_t oldest = UINT32_MAX;
    uint64_t since = UINT64_MAX;
    for (auto& [proc, h] : waiting_)
      if (now > h.since && now - h.since > kMaxHoldNs && h.since < since) {
        oldest = proc;
        since = h.since;
      }
    if (oldest == UINT32_MAX) return;
      replay(oldest);
  }
}

// A reaped child ran before the reap even if its fork record was lost.
void Pipeline::replay_reaped(int32_t pid) {
  for (bool again = true; again;) {
    again = false;
    for (auto& [proc, h] : waiting_)
      if (procs_[proc].pid == pid) {
        replay(proc);  // the pre-exec image first: its execve opens the next
        again = true;
        break;
      }
  }
}

void Pipeline::replay_orphans(uint32_t creator) {
  for (bool again = true; again;) {
    again = false;
    for (auto& [proc, h] : waiting_)
      if (parents_[proc] == creator) {
        replay(proc);
        again = true;
        break;
      }
  }
}

void Pipeline::feed(const Event& e) {
  if (!waiting_.empty()) {
    replay_overdue(merge_time(e));
    if (waiting_.count(e.proc)) {
      hold(e);
      return;
    }
  }
  if (!begun_[e.proc] && must_wait(e)) {
    hold(e);
    return;
  }
  process(e);
}

void Pipeline::process(const Event& e) {
  if (!waiting_.empty() && e.kind == AA_WAITPID && e.ret > 0) replay_reaped(int32_t(e.ret));
  bool fresh = false;
  uint32_t x = hb_.thread(e.proc, e.tid, &fresh);
  if (fresh) {
    bounds_.forget(x);
    bounds_.set_process(x, e.proc);
    held(x).clear();
  }
  acquired_ = false;
  if (!begun_[e.proc]) {
    begun_[e.proc] = true;
    files_.begin_process(e.proc);
    // A forked child or an exec'd image starts from its parent's handoff;
    // for a child that handoff is also the submission of its work.
    const ReleaseInfo* from = hb_.acquire(x, {kSyncFork, 0, uint64_t(e.pid)});
    const ReleaseInfo* image = hb_.acquire(x, {kSyncExec, 0, uint64_t(e.pid)});
    const int32_t ppid = procs_[e.proc].ppid;
    if (!from && !image && hb_.has({kSyncShell, 0, uint64_t(ppid)})) {
      // Started by libc's hidden spawn in system()/popen() of its parent.
      from = hb_.acquire(x, {kSyncShell, 0, uint64_t(ppid)});
      shell_children_[e.pid] = ppid;
    }
    // A shell that system()/popen() started works for their caller: what
    // it forks (`a; b`, a pipeline) runs the caller's command, so the child
    // goes on with the shell's job rather than starting one of the shell's.
    if (from && shell_children_.count(from->event.pid) && bounds_.has_job(from->by.t))
      bounds_.continue_image(x, from->by.t);
    else if (from) bounds_.on_thread_start(x, from);
    else if (image) bounds_.continue_image(x, image->by.t);
    hb_.forget({kSyncFork, 0, uint64_t(e.pid)});
    hb_.forget({kSyncExec, 0, uint64_t(e.pid)});
  }
  checker_.event_seen(e, x);
  sync(e, x);

  FileEffects fx = files_.apply(e);
  // Using an fd proves its open returned: the fd number is the open's
  // result.  Not a submission (no job starts), so boundaries do not see it.
  if (fx.ofd_used) {
    hb_.acquire(x, {kSyncOfd, 0, fx.ofd_used});
    acquired_ = true;
  }
  if (fx.channel) {
    SyncKey k{kSyncChannel, 0, fx.channel};
    if (fx.channel_write) release(x, k, e);
    else if (e.ret > 0) acquire(x, k, true, e);
  }
  // A path operation that touched no regular file (create_dir_all's mkdir,
  // a stat of a directory) is still the job's work: its start is used up.
  if (!fx.n && !fx.channel) {
    auto c = kind_class(e.kind);
    if (c == AA_CLASS_NAMESPACE || c == AA_CLASS_STAT || c == AA_CLASS_SYNCFILE || e.kind == AA_OPEN)
      bounds_.on_file_op(x, e.t_enter, e.t_exit);
  }
  if (fx.n) {
    SubmissionRef sub = bounds_.on_file_op(x, e.t_enter, e.t_exit);
    for (int i = 0; i < fx.n; ++i) {
      const Touch& t = fx.touch[i];
      checker_.conflict(e, t, x, sub ? sub->by.t : x, sub);
      if (t.write) checker_.write(e, t, x, sub);
    }
  }
  if (fx.ofd_created) hb_.release(x, {kSyncOfd, 0, fx.ofd_created}, e);  // after the write took W's stamp
  for (uint64_t id : files_.take_gone_ofds()) hb_.forget({kSyncOfd, 0, id});
  if (e.kind == AA_EXIT) checker_.process_exit(e, x);
  if (acquired_) checker_.acquired(e, x);
  if (e.kind == AA_THREAD_EXIT) {
    hb_.exited(x);
  }
  if (e.kind == AA_IO_URING_SETUP && !io_uring_noted_[e.proc]) {
    io_uring_noted_[e.proc] = true;
    notes_.push_back({"warning", e.pid, "io_uring_setup called: I/O submitted through io_uring is invisible to the shim"});
  }
  if (e.kind == AA_AIO && !aio_noted_[e.proc]) {
    aio_noted_[e.proc] = true;
    notes_.push_back({"warning", e.pid,
                      "POSIX AIO used (aio_read/aio_write/lio_listio): glibc performs it on internal threads through "
                      "internal calls, invisible to the shim, so that I/O was not analysed"});
  }
  if (fx.mmap_of_written && !mmap_noted_[e.proc]) {
    mmap_noted_[e.proc] = true;
    notes_.push_back({"warning", e.pid, "a written file was mapped shared and writable: writes through the mapping are invisible"});
  }
  if (!waiting_.empty() && (e.kind == AA_FORK || e.kind == AA_SPAWN || e.kind == AA_EXECVE)) replay_ready();
  if (!waiting_.empty() && e.kind == AA_EXIT) replay_orphans(e.proc);
}

void Pipeline::finish() {
  replay_overdue(UINT64_MAX);  // handoffs that never came
  checker_.finish();
  for (const auto& p : procs_) {
    if (!p.clean_exit)
      notes_.push_back({"warning", p.pid, "the process did not exit cleanly (killed or still running): the analysis is partial"});
    if (p.skipped)
      notes_.push_back({"warning", p.pid, fmt::format("{} record{} could not be decoded and were skipped", p.skipped,
                                                      p.skipped == 1 ? "" : "s")});
    for (const auto& pb : p.problems) notes_.push_back({"note", p.pid, pb});
  }
  if (checker_.dropped_writes())
    notes_.push_back({"note", procs_.empty() ? 0 : procs_[0].pid,
                      fmt::format("{} handed-off writes were still unacknowledged when they left the bounded "
                                  "per-file window; later overtakers of them were not checked",
                                  checker_.dropped_writes())});
}

}  // namespace aa
