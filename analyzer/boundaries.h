// Await boundaries, the submission half: which release started the job a
// helper thread is running when it writes.
//
// "The last acquire before the write" is wrong under a GIL (the helper's
// last handoff comes from the main thread *after* its stat).  The job starts
// with the wake from the wait the idle helper sleeps in: its pool's queue
// condvar, semaphore, futex or pipe.  We take, among the acquires between the
// thread's previous file operation and this one, the first *wait* that came
// from another thread on an object this thread uses only as a consumer:
// objects it has both acquired and released (a GIL, a mutex) are lock-like
// and never start a job.  A fresh thread's first job starts at its creation.
// With no such wait since the previous file operation, the job goes on.
// A wake from a thread this one created (its pool reporting back: main
// waiting on a future) is never a job; a wake from the thread's creator
// beats one from a peer helper.
//
// A helper that finishes a job and pops the next one under an uncontended
// lock (tokio's `while let Some(task) = queue.pop_front()`) shows no wake at
// all.  Its origin still left a record when it queued that job: a queue-like
// release (futex wake, cond signal, sem post, channel write, creating a
// sibling helper).  With no wake since the thread's previous file operation,
// the job is the origin's earliest such release after that operation
// returned and before this one entered, on an object this thread waits on as
// a consumer (its pool's queue); without one the job goes on.  Earliest, not latest: the
// origin goes on at once to queue the next job (metadata()'s statx right
// after write_all's write), and a perturbation delay pushes this op's entry
// past it.
//
// Two kinds of release never start a job, whatever the wait looked like:
// - one made before this thread was being created (it did not exist to be
//   handed anything; its creation is its first job).  CPython frees and
//   reallocates its lock objects, so a new thread's first uncontended
//   sem_wait can land on an address a dead peer released long ago, and a
//   peer's stale submission must not be forwarded through it either;
// - one from a process this thread's process created, directly or through
//   exec (parent_log_id): a child writing to its stdout pipe is reporting
//   back, like a pool thread, not handing its parent work.  A worker
//   process reading its parent's pipe still takes a job (from an ancestor).
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "hb_clock.h"

namespace aa {

struct Submission {
  Epoch by;      // the origin thread and its epoch at the handoff
  EvCopy event;  // the release on the origin thread
};

class Boundaries {
 public:
  void on_release(uint32_t t, const SyncKey& k);
  // The same, with the release itself: kept as a candidate submission for
  // jobs taken without a visible wake.
  void on_release(uint32_t t, const SyncKey& k, const ReleaseInfo& r);
  // `wait`: a blocking wait (futex/cond/sem wait, channel read), not a lock.
  void on_acquire(uint32_t t, const SyncKey& k, const ReleaseInfo* from, bool wait);
  void on_thread_start(uint32_t t, const ReleaseInfo* creator);
  // A file operation on t: promotes the pending job start, returns the job's
  // submission (nullptr: the thread works for itself as far as we can see).
  const Submission* on_file_op(uint32_t t);
  // The same, with the operation's times (jobs popped without a wake).
  const Submission* on_file_op(uint32_t t, uint64_t t_enter, uint64_t t_exit);
  void forget(uint32_t t);
  // The process tree: for each process index, the index of the process
  // whose image created it (fork parent, pre-exec image, spawner), or
  // UINT32_MAX.  Set once, before any event.
  void set_process_parents(std::vector<uint32_t> parent_of);
  // The process a (fresh) thread index belongs to.
  void set_process(uint32_t t, uint32_t proc) { at(t).proc = proc; }

 private:
  enum : uint8_t { kAcquired = 1, kLockLike = 2 };
  struct Queued {  // a queue-like release, as the origin of jobs
    SyncKey key;
    bool spawn = false;  // a thread creation (key unused)
    Submission s;
  };
  static constexpr size_t kQueuedPerThread = 64;
  struct Thread {
    std::unordered_map<SyncKey, uint8_t, SyncKeyHash> use;
    std::optional<Submission> candidate, current;
    bool candidate_from_ancestor = false;
    uint32_t parent = UINT32_MAX;  // the creating thread (THREAD_START / fork)
    uint32_t proc = UINT32_MAX;    // its process index
    uint64_t born = 0;  // its creation entered here: older releases started nothing of its
    bool had_op = false;  // a file op since the thread (or its log) began
    uint64_t last_op_exit = 0;
    std::deque<Queued> queued;  // as an origin: recent queue-like releases, oldest first
  };
  const Submission* popped_without_wake(uint32_t t, uint64_t t_enter);
  static bool consumer_of(const Thread& th, const SyncKey& k);
  bool is_ancestor(uint32_t a, uint32_t t) const;  // a created t, or t's creator, ... or a's process t's
  bool process_ancestor(uint32_t pa, uint32_t pt) const;  // pa created pt, directly or not (pa != pt)
  Thread& at(uint32_t t) {
    if (t >= threads_.size()) threads_.resize(t + 1);
    return threads_[t];
  }
  std::vector<Thread> threads_;
  std::vector<uint32_t> proc_parent_;
};

}  // namespace aa
