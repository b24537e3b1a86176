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
// Which push a job is.  Origins leave a record when they queue a job: a
// queue-like release (futex wake, cond signal, sem post, channel write,
// creating a helper).  A FIFO pool (tokio 1.24's blocking pool: one
// Mutex<VecDeque> and a condvar; most C pools) hands its k-th queued job to
// the k-th thread that pops, and the wake a thread consumed says little: an
// object's clock names only its *latest* release, a woken thread may find
// its job taken by a busy peer, and a thread created for a job may pop an
// older one.  Each push is taken by at most one job:
//   - woken threads of one origin and queue take its pushes made after they
//     began to wait, in the order they woke: assigned from the latest woken
//     down (newest push first), so an old push nobody took (a job with no
//     file operation) cannot shift every later match by one;
//   - a new thread takes its creation's push, unless jobs that showed
//     before it even started are newer (it ran late): then the oldest
//     untaken push of its creator after those, once the threads woken
//     before it have had theirs;
//   - a thread that finishes a job and pops the next one under an
//     uncontended lock (`while let Some(task) = queue.pop_front()`) shows no
//     wake at all: it took a new job when some origin pushed, on an object
//     it consumes, after its previous operation returned and before this
//     one entered (oldest first: the origin goes on at once to queue the
//     next job, and a perturbation delay pushes this op's entry past it);
//   - pops happen in the order the threads became ready (wait return,
//     thread start, previous operation's return), which the order of their
//     first file operations need not follow (a delayed write enters 2 ms
//     after its pop): when two recent jobs of one origin hold their pushes
//     in the opposite order, they swap.  Jobs are shared slots, so the swap
//     reaches the writes and overtakers already recorded with them.
// A thread's jobs come from the queue in order: a wait that acquires a
// release older than the thread's current job (a mutex's last unlock-wake
// from start-up, first contended now) never starts one.  Where the log
// cannot tell the pop order (a new thread racing a woken one, two threads
// woken within 100 µs), the job's submission is not `sure`; which of a
// finding's occurrences the report shows is findings_representative.h's
// choice (sure ones count, but a plurality of occurrences counts first).
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
#include <iterator>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "hb_clock.h"

namespace aa {

struct Submission {
  Epoch by;      // the origin thread and its epoch at the handoff
  EvCopy event;  // the release on the origin thread
  // No other push could have been this job's: no competing pop of the same
  // origin's queue was in flight (a new thread's first pop races a woken
  // one's, and their order is not in the log).  One input to the choice of
  // a finding's representative (findings_representative.h).
  bool sure = false;
};
// A job's submission; its content may be revised (FIFO swap, see above).
using SubmissionRef = std::shared_ptr<const Submission>;

class Boundaries {
 public:
  void on_release(uint32_t t, const SyncKey& k);
  // The same, with the release itself: kept as a candidate submission for
  // jobs taken without a visible wake.
  void on_release(uint32_t t, const SyncKey& k, const ReleaseInfo& r);
  // `wait`: a blocking wait (futex/cond/sem wait, channel read), not a lock;
  // [t_enter, t_exit]: the wait's own times.
  void on_acquire(uint32_t t, const SyncKey& k, const ReleaseInfo* from, bool wait, uint64_t t_enter = 0,
                  uint64_t t_exit = 0);
  void on_thread_start(uint32_t t, const ReleaseInfo* creator, uint64_t t_start = 0);
  // An exec'd image's first thread t goes on with the job its pre-exec
  // image's thread `pre` was running: `sh -c 'exec prog'` started by
  // popen() writes for popen's caller.  Also a child forked by a shell
  // that system()/popen() started.
  void continue_image(uint32_t t, uint32_t pre);
  bool has_job(uint32_t t) const { return t < threads_.size() && threads_[t].current != nullptr; }
  // A file operation on t: starts a job when the thread took one, returns
  // the job's submission (null: the thread works for itself as far as we can see).
  SubmissionRef on_file_op(uint32_t t, uint64_t t_enter, uint64_t t_exit);
  void forget(uint32_t t);
  // The process tree: for each process index, the index of the process
  // whose image created it (fork parent, pre-exec image, spawner), or
  // UINT32_MAX.  Set once, before any event.
  void set_process_parents(std::vector<uint32_t> parent_of);
  // The process a (fresh) thread index belongs to.
  void set_process(uint32_t t, uint32_t proc) { at(t).proc = proc; }

 private:
  enum : uint8_t { kAcquired = 1, kLockLike = 2 };
  static constexpr uint64_t kNone = UINT64_MAX;
  struct Push {  // a queue-like release, as the origin of jobs
    SyncKey key;
    bool spawn = false;  // a thread creation (key unused)
    bool taken = false;  // some job is this push
    uint64_t seq = 0;
    Submission s;
  };
  struct Job {  // a recent job start, for the FIFO swap
    uint32_t t = 0;
    uint64_t ready = 0, entered = 0, seq = kNone;
    std::shared_ptr<Submission> slot;
    bool first = false;  // the thread's first job
  };
  static constexpr size_t kPushes = 512, kJobs = 32;
  struct Thread {
    std::unordered_map<SyncKey, uint8_t, SyncKeyHash> use;
    std::optional<Submission> candidate;
    bool candidate_from_ancestor = false, candidate_direct = false;
    SyncKey candidate_key;
    uint64_t candidate_wait = 0, candidate_ready = 0;
    std::shared_ptr<Submission> current;
    uint64_t current_seq = kNone;
    uint32_t parent = UINT32_MAX;  // the creating thread (THREAD_START / fork)
    uint32_t proc = UINT32_MAX;    // its process index
    uint64_t born = 0;  // its creation entered here: older releases started nothing of its
    bool had_op = false;  // a file op since the thread (or its log) began
    bool fresh = false;   // started by a creation whose job it has not shown yet
    bool spawned = false;  // started by a thread creation (not a fork)
    uint64_t started = 0, last_op_exit = 0;
  };
  Push* push_of(uint64_t seq);
  Push* find_push(const Submission& s);
  bool eligible(uint32_t t, const Push& p, bool first_job) const;
  Push* oldest_untaken(uint32_t t, uint64_t after, uint64_t before, uint32_t origin, const SyncKey* key,
                       const std::vector<uint64_t>* skip = nullptr);
  Push* newest_untaken(uint32_t t, uint64_t after, uint64_t before, uint32_t origin, const SyncKey& key,
                       const std::vector<uint64_t>& skip);
  Push* woken_job(uint32_t t, uint64_t before, bool* sure);
  bool fresh_pending(uint32_t origin, uint32_t except) const;
  uint64_t popped_before(uint32_t origin, uint64_t ready);
  void start_job(uint32_t t, Submission s, uint64_t seq, uint64_t ready, uint64_t entered);
  void fifo_swap(Job& mine);
  static bool consumer_of(const Thread& th, const SyncKey& k);
  bool is_ancestor(uint32_t a, uint32_t t) const;  // a created t, or t's creator, ... or a's process t's
  bool process_ancestor(uint32_t pa, uint32_t pt) const;  // pa created pt, directly or not (pa != pt)
  Thread& at(uint32_t t) {
    if (t >= threads_.size()) threads_.resize(t + 1);
    return threads_[t];
  }
  std::vector<Thread> threads_;
  std::vector<uint32_t> proc_parent_;
  // The last kPushes pushes, oldest first, seq increasing: a vector with a
  // moving start (compacted when the dead prefix is as long as the window),
  // so indexing and scans are plain array walks (a deque of these 80-byte
  // entries was a pointer chase every 6 elements: 4% of the analysis).
  class PushWindow {
   public:
    using iterator = std::vector<Push>::iterator;
    iterator begin() { return v_.begin() + long(start_); }
    iterator end() { return v_.end(); }
    std::reverse_iterator<iterator> rbegin() { return std::reverse_iterator<iterator>(end()); }
    std::reverse_iterator<iterator> rend() { return std::reverse_iterator<iterator>(begin()); }
    size_t size() const { return v_.size() - start_; }
    bool empty() const { return size() == 0; }
    Push& front() { return v_[start_]; }
    Push& back() { return v_.back(); }
    Push& operator[](size_t i) { return v_[start_ + i]; }
    void pop_front() {
      if (++start_ >= kPushes) {
        v_.erase(v_.begin(), v_.begin() + long(start_));
        start_ = 0;
      }
    }
    void push_back(Push p) { v_.push_back(std::move(p)); }

   private:
    std::vector<Push> v_;
    size_t start_ = 0;
  };
  PushWindow pushes_;
  uint64_t unsorted_until_ = kNone;  // seq of the last push older than its predecessor
  PushWindow::iterator first_push_from(uint64_t t);
  uint64_t next_seq_ = 0;
  std::deque<Job> jobs_;
  std::vector<uint32_t> pending_;  // threads woken with a direct candidate, no file op yet
};

}  // namespace aa
