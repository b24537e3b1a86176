#include "boundaries.h"

#include <algorithm>

namespace aa {
namespace {
// A push older than this before the op that would take it is not a
// candidate: whatever popped it has long shown its job.
constexpr uint64_t kPushHorizonNs = 100'000'000ull;
// Two threads woken this close together reach the queue in either order
// (measured on tokio: the one whose wait returned 5 µs later popped first).
constexpr uint64_t kTieNs = 100'000ull;
bool near(uint64_t a, uint64_t b) { return (a > b ? a - b : b - a) < kTieNs; }
}  // namespace

void Boundaries::on_release(uint32_t t, const SyncKey& k) {
  Thread& th = at(t);
  auto it = th.use.find(k);
  if (it == th.use.end() || !(it->second & kAcquired)) return;
  it->second |= kLockLike;
  // The wake this thread took as its job's start was a lock handing over
  // (a mutex contended for the first time): no job started there.
  if (th.candidate && th.candidate_direct && th.candidate_key == k) {
    th.candidate.reset();
    th.candidate_from_ancestor = false;
    if (auto p = std::find(pending_.begin(), pending_.end(), t); p != pending_.end()) pending_.erase(p);
    if (!th.had_op && th.spawned) th.fresh = true;
  }
}

void Boundaries::on_release(uint32_t t, const SyncKey& k, const ReleaseInfo& r) {
  on_release(t, k);
  const EvCopy& e = r.event;
  bool spawn = k.type == kSyncSpawn;
  bool queue_like = spawn || k.type == kSyncChannel || e.kind == AA_SEM_POST ||
                    ((e.kind == AA_COND_SIGNAL || e.kind == AA_COND_BROADCAST) && k.v == uint64_t(e.a[0])) ||
                    (e.kind == AA_FUTEX && (e.a[1] & 127) != 7 /* FUTEX_UNLOCK_PI: a lock */);
  if (!queue_like) return;
  if (pushes_.size() >= kPushes) pushes_.pop_front();
  // Releases are fed in time order, so pushes are too, except for records
  // replayed late (a fork child held until its parent's fork record).
  if (!pushes_.empty() && e.t_enter < pushes_.back().s.event.t_enter) unsorted_until_ = next_seq_;
  pushes_.push_back(Push{k, spawn, false, next_seq_++, Submission{r.by, r.event}});
}

// The first push made at or after t: a binary search while the window is
// in time order (it is but for late replays), else the front.
Boundaries::PushWindow::iterator Boundaries::first_push_from(uint64_t t) {
  if (pushes_.empty() || (unsorted_until_ != kNone && pushes_.front().seq <= unsorted_until_)) return pushes_.begin();
  return std::lower_bound(pushes_.begin(), pushes_.end(), t,
                          [](const Push& p, uint64_t v) { return p.s.event.t_enter < v; });
}

Boundaries::Push* Boundaries::push_of(uint64_t seq) {
  if (seq == kNone || pushes_.empty() || seq < pushes_.front().seq) return nullptr;
  uint64_t i = seq - pushes_.front().seq;
  return i < pushes_.size() ? &pushes_[i] : nullptr;
}

Boundaries::Push* Boundaries::find_push(const Submission& s) {
  for (auto it = pushes_.rbegin(); it != pushes_.rend(); ++it)
    if (it->s.by.t == s.by.t && it->s.by.e == s.by.e) return &*it;
  return nullptr;
}

bool Boundaries::consumer_of(const Thread& th, const SyncKey& k) {
  auto it = th.use.find(k);
  return it != th.use.end() && it->second == kAcquired;
}

// Could thread t have popped push p?  Only from its own queue: an object it
// (or, before its first job, a sibling helper) waits on and never releases,
// or the creation of a sibling helper.
bool Boundaries::eligible(uint32_t t, const Push& p, bool first_job) const {
  uint32_t o = p.s.by.t;
  if (o == t || t >= threads_.size()) return false;
  const Thread& th = threads_[t];
  if (is_ancestor(t, o)) return false;  // a helper t created reporting back
  // Creating a helper queues a job for the pool when the creator is this
  // thread's creator or was itself created under it (tokio's multi-thread
  // workers spawn pool threads from spawn_blocking, and one worker starts
  // the other).
  if (p.spawn) return th.parent == o || (th.parent != UINT32_MAX && is_ancestor(th.parent, o));
  if (consumer_of(th, p.key)) return true;
  if (th.parent == UINT32_MAX || !first_job) return false;
  for (uint32_t u = 0; u < threads_.size(); ++u)
    if (u != t && threads_[u].parent == th.parent && consumer_of(threads_[u], p.key)) return true;
  return false;
}

// The oldest untaken push t could have popped, made in [after, before);
// `origin` / `key` narrow it (UINT32_MAX / null: any).
Boundaries::Push* Boundaries::oldest_untaken(uint32_t t, uint64_t after, uint64_t before, uint32_t origin,
                                             const SyncKey* key, const std::vector<uint64_t>* skip) {
  uint64_t horizon = before > kPushHorizonNs ? before - kPushHorizonNs : 0;
  after = std::max(after, horizon);
  for (auto it = first_push_from(after); it != pushes_.end(); ++it) {
    Push& p = *it;
    const EvCopy& e = p.s.event;
    if (e.t_enter >= before) break;
    if (p.taken || e.t_enter < after) continue;
    if (skip && std::find(skip->begin(), skip->end(), p.seq) != skip->end()) continue;
    if (origin != UINT32_MAX && p.s.by.t != origin) continue;
    // On a woken thread's queue only: creating a thread is not a wake of it
    // (C and Python pools create their threads long before any job).
    if (key && (p.spawn || !(p.key == *key))) continue;
    if (eligible(t, p, !threads_[t].had_op)) return &p;
  }
  return nullptr;
}

// The push a woken thread popped: threads woken on the same queue by the
// same origin that became ready before it, and have not shown their job
// yet, popped first; each takes the oldest push made after it began to wait.
// FIFO: a job whose first operation entered before `ready` popped before
// this one, so this one's push is newer than any such job's push of the
// same origin.  Returns the newest such push time (0: none).
uint64_t Boundaries::popped_before(uint32_t origin, uint64_t ready) {
  uint64_t floor = 0;
  for (auto& j : jobs_)
    if (j.entered < ready)
      if (Push* p = push_of(j.seq); p && p->s.by.t == origin) floor = std::max(floor, p->s.event.t_enter);
  return floor;
}

// A thread `origin` created that has not shown its first job yet.
bool Boundaries::fresh_pending(uint32_t origin, uint32_t except) const {
  for (uint32_t u = 0; u < threads_.size(); ++u)
    if (u != except && threads_[u].fresh && threads_[u].parent == origin) return true;
  return false;
}

Boundaries::Push* Boundaries::woken_job(uint32_t t, uint64_t before, bool* sure) {
  const Thread& me = threads_[t];
  uint32_t origin = me.candidate->by.t;
  // Threads woken later take the newer pushes: assign from the latest
  // ready down to this one, each the newest untaken push made before it
  // woke.  Newest-first, so an old push nobody took (a job with no file
  // operation) cannot shift every later match by one.
  std::vector<uint32_t> later;
  for (uint32_t u : pending_) {
    if (u == t) continue;
    const Thread& o = threads_[u];
    if (o.candidate && o.candidate_direct && o.candidate->by.t == origin && o.candidate_key == me.candidate_key &&
        o.candidate_ready > me.candidate_ready)
      later.push_back(u);
  }
  std::sort(later.begin(), later.end(),
            [this](uint32_t a, uint32_t b) { return threads_[a].candidate_ready > threads_[b].candidate_ready; });
  std::vector<uint64_t> reserved;
  for (uint32_t u : later) {
    const Thread& o = threads_[u];
    if (Push* p = newest_untaken(u, o.candidate_wait, std::min(before, o.candidate_ready + 1), origin,
                                 o.candidate_key, reserved))
      reserved.push_back(p->seq);
  }
  uint64_t floor = me.current ? me.current->event.t_enter + 1 : 0;
  uint64_t after = std::max(me.candidate_wait, floor);
  Push* mine = newest_untaken(t, after, std::min(before, me.candidate_ready + 1), origin, me.candidate_key, reserved);
  // Sure unless a new thread of the origin may have popped first: one not
  // yet shown, or a thread creation in the window still untaken.
  *sure = mine && !fresh_pending(origin, t);
  for (auto it = first_push_from(after); it != pushes_.end(); ++it) {
    const Push& p = *it;
    if (!*sure || p.s.event.t_enter >= before) break;
    if (p.spawn && !p.taken && p.s.by.t == origin && p.s.event.t_enter >= after) *sure = false;
  }
  // A near tie with another woken thread of the same origin: either order.
  for (uint32_t u : pending_)
    if (u != t && threads_[u].candidate && threads_[u].candidate->by.t == origin &&
        near(threads_[u].candidate_ready, me.candidate_ready))
      *sure = false;
  for (auto& j : jobs_) {
    Push* jp = push_of(j.seq);
    if (j.t != t && jp && jp->s.by.t == origin && jp->s.event.t_enter >= after && near(j.ready, me.candidate_ready)) {
      *sure = false;
      j.slot->sure = false;
    }
  }
  return mine;
}

// The newest untaken push on `key` by `origin` that t could have popped,
// made in [after, before), not in `skip`.
Boundaries::Push* Boundaries::newest_untaken(uint32_t t, uint64_t after, uint64_t before, uint32_t origin,
                                             const SyncKey& key, const std::vector<uint64_t>& skip) {
  for (auto it = pushes_.rbegin(); it != pushes_.rend(); ++it) {
    Push& p = *it;
    const EvCopy& e = p.s.event;
    if (e.t_enter < after) break;
    if (e.t_enter >= before || p.taken || p.spawn || p.s.by.t != origin || !(p.key == key)) continue;
    if (std::find(skip.begin(), skip.end(), p.seq) != skip.end()) continue;
    if (eligible(t, p, !threads_[t].had_op)) return &p;
  }
  return nullptr;
}

void Boundaries::set_process_parents(std::vector<uint32_t> parent_of) { proc_parent_ = std::move(parent_of); }

bool Boundaries::process_ancestor(uint32_t pa, uint32_t pt) const {
  for (int depth = 0; depth < 256 && pt < proc_parent_.size(); ++depth) {
    pt = proc_parent_[pt];
    if (pt == pa) return true;
  }
  return false;
}

bool Boundaries::is_ancestor(uint32_t a, uint32_t t) const {
  if (a >= threads_.size() || t >= threads_.size()) return false;
  // Across processes the thread that forked is not always the one that
  // talks to the child (a reader thread, or the child exec'd: a new image
  // whose first thread has no creator record); the process tree decides.
  uint32_t pa = threads_[a].proc, pt = threads_[t].proc;
  if (pa != UINT32_MAX && pt != UINT32_MAX && pa != pt && process_ancestor(pa, pt)) return true;
  for (int depth = 0; depth < 64 && t < threads_.size(); ++depth) {
    uint32_t p = threads_[t].parent;
    if (p == UINT32_MAX) return false;
    if (p == a) return true;
    t = p;
  }
  return false;
}

void Boundaries::on_acquire(uint32_t t, const SyncKey& k, const ReleaseInfo* from, bool wait, uint64_t t_enter,
                            uint64_t t_exit) {
  uint8_t& u = at(t).use[k];
  bool lock_like = u & kLockLike;
  u |= kAcquired;
  // A new thread that goes to sleep has either shown its first job or had
  // none with a file op: it no longer races anyone for a push.
  if (wait) threads_[t].fresh = false;
  // A woken thread pops only once it holds the queue's lock: a contended
  // lock after the wake (another thread barged in) makes it ready later.
  if (Thread& th = threads_[t]; th.candidate && t_exit > th.candidate_ready) th.candidate_ready = t_exit;
  if (!from || !wait || lock_like || from->by.t == t) return;
  uint32_t r = from->by.t;
  // Released before this thread was being created: nothing was handed to
  // it (a recycled lock address, a count left over); its creation covers it.
  if (from->event.t_enter < at(t).born) return;
  // A wake from a thread this one created (directly or not) is a helper
  // reporting back — main woken by its pool's completion — never a job.
  if (is_ancestor(t, r)) return;
  Thread& me = at(t);  // threads_ may have grown: re-take the reference
  // Jobs come off the queue in order: a release older than the job the
  // thread already runs (a mutex's last unlock-wake from start-up, first
  // contended now) is not a new one.
  if (me.current && me.current->by.t != t && from->event.t_enter < me.current->event.t_enter) return;
  // The first such wake since the previous file operation starts the job;
  // later ones are the job's own locking (a contended mutex woken by a peer
  // helper, say).  A wake from an ancestor (the thread that created this
  // pool thread, or its creator) beats a peer's.
  bool from_ancestor = is_ancestor(r, t);
  // Woken again on the same queue before any file op: the first wake found
  // the queue empty (a busy peer popped the job), this one counts.
  bool rewoken = me.candidate && me.candidate_direct && me.candidate_key == k;
  if (me.candidate && !rewoken && (me.candidate_from_ancestor || !from_ancestor)) return;
  Submission s{from->by, from->event};
  bool direct = true;
  // A peer helper (same creator) passing the wake on — tokio's pool
  // threads notify the queue condvar for each other — forwards a job that
  // came from the peer's own origin: take the peer's submission instead.
  if (!from_ancestor && r < threads_.size() && me.parent != UINT32_MAX && threads_[r].parent == me.parent) {
    const Thread& peer = threads_[r];
    if (peer.candidate && peer.candidate->by.t != t) {
      s = *peer.candidate;
      direct = false;
    } else if (!peer.candidate && peer.current && peer.current->by.t != t) {
      s = *peer.current;
      direct = false;
    }
    // The peer's job is older than this thread: not what it was woken for.
    if (s.event.t_enter < me.born) return;
    // Older than the job this thread already has: the peer is not passing
    // a job on but queuing its own (tokio's multi-thread workers are
    // blocking-pool threads too, siblings of the pool's helpers).
    if (me.current && s.event.t_enter < me.current->event.t_enter) {
      s = Submission{from->by, from->event};
      direct = true;
    }
  }
  me.candidate = s;
  me.candidate_from_ancestor = from_ancestor;
  me.candidate_direct = direct;
  me.candidate_key = k;
  me.candidate_wait = t_enter;
  me.candidate_ready = t_exit;
  if (direct && std::find(pending_.begin(), pending_.end(), t) == pending_.end()) pending_.push_back(t);
}

void Boundaries::on_thread_start(uint32_t t, const ReleaseInfo* creator, uint64_t t_start) {
  if (auto it = std::find(pending_.begin(), pending_.end(), t); it != pending_.end()) pending_.erase(it);
  Thread& th = at(t);
  th.use.clear();
  th.candidate.reset();
  th.current.reset();
  th.current_seq = kNone;
  th.candidate_from_ancestor = false;
  th.had_op = false;
  th.fresh = th.spawned = false;
  th.started = t_start;
  th.born = 0;
  if (creator) {
    th.born = creator->event.t_enter;
    th.current = std::make_shared<Submission>(Submission{creator->by, creator->event});
    if (creator->by.t != t) th.parent = creator->by.t;
    // Only a thread creation is a push a FIFO pool's thread may trade (a
    // forked child's handoff is its own).
    if (creator->event.kind == AA_THREAD_CREATE) {
      th.fresh = th.spawned = true;
      if (Push* p = find_push(*th.current)) th.current_seq = p->seq;
    }
  }
}

void Boundaries::continue_image(uint32_t t, uint32_t pre) {
  if (pre >= threads_.size() || pre == t) return;
  Thread& th = at(t);  // may grow threads_: take `from` after
  const Thread& from = threads_[pre];
  th.current = from.current;
  th.current_seq = from.current_seq;
  th.parent = from.parent;
  th.born = from.born;
  th.had_op = from.had_op;
}

void Boundaries::start_job(uint32_t t, Submission s, uint64_t seq, uint64_t ready, uint64_t entered) {
  if (Push* p = push_of(seq)) p->taken = true;
  Thread& th = threads_[t];
  th.current = std::make_shared<Submission>(std::move(s));
  th.current_seq = seq;
  if (jobs_.size() >= kJobs) jobs_.pop_front();
  jobs_.push_back(Job{t, ready, entered, seq, th.current, !th.had_op});
  fifo_swap(jobs_.back());
}

// Pops follow readiness: if this job and a recent one of the same origin
// hold their pushes in the opposite order to the order their threads
// became ready, and each could have popped the other's (it existed before
// that job's first operation and came from its queue), they swap.
void Boundaries::fifo_swap(Job& mine) {
  Push* mp = push_of(mine.seq);
  if (!mp) return;
  Job* best = nullptr;
  for (auto& k : jobs_) {
    if (&k == &mine || k.t == mine.t) continue;
    Push* kp = push_of(k.seq);
    if (!kp || kp->s.by.t != mp->s.by.t) continue;  // same origin only: pins and acks stay put
    uint64_t kt = kp->s.event.t_enter, mt = mp->s.event.t_enter;
    bool inverted = (k.ready > mine.ready && kt < mt) || (k.ready < mine.ready && kt > mt);
    if (!inverted || mt >= k.entered || kt >= mine.entered) continue;
    if (!eligible(mine.t, *kp, mine.first) || !eligible(k.t, *mp, k.first)) continue;
    // The most inverted partner: the oldest push when ours is too new,
    // the newest when ours is too old.
    if (!best) best = &k;
    else {
      uint64_t bt = push_of(best->seq)->s.event.t_enter;
      if (kt < mt ? kt < bt : kt > bt) best = &k;
    }
  }
  if (!best) return;
  std::swap(*best->slot, *mine.slot);
  std::swap(best->seq, mine.seq);
  // Pops in flight together could have gone either way: ready order is a guess.
  if (best->ready < mine.entered && mine.ready < best->entered) best->slot->sure = mine.slot->sure = false;
  for (Job* j : {best, &mine}) {
    Thread& th = threads_[j->t];
    if (th.current == j->slot) th.current_seq = j->seq;
  }
}

SubmissionRef Boundaries::on_file_op(uint32_t t, uint64_t t_enter, uint64_t t_exit) {
  Thread& th = at(t);
  uint64_t floor = th.current ? th.current->event.t_enter + 1 : 0;
  if (th.candidate) {
    Submission s = *th.candidate;
    uint64_t seq = kNone;
    // The waker's oldest untaken push on that queue since this thread began
    // to wait (the queue was empty then), not merely the latest release.
    bool sure = false;
    Push* p = th.candidate_direct ? woken_job(t, t_enter, &sure) : nullptr;
    if (p) {
      s = p->s;
      seq = p->seq;
    } else if (Push* q = find_push(s)) {
      seq = q->seq;
    }
    s.sure = sure;
    start_job(t, std::move(s), seq, th.candidate_ready, t_enter);
  } else if (th.fresh) {
    // Sure when nothing else of the creator's was waiting to be popped and
    // no woken thread of it is between its wake and its job.
    Submission s = *th.current;
    uint32_t o = s.by.t;
    uint64_t seq = th.current_seq;
    // Created long before it ran (a loaded machine), its creation's job
    // was popped by a thread already running, or jobs that showed before it
    // even started are newer: FIFO, it popped something later.
    Push* own = push_of(seq);
    uint64_t gone = popped_before(o, th.started);
    if ((own && own->taken) || gone >= s.event.t_enter) {
      gone = std::max(gone, s.event.t_enter);
      // Threads of the same origin woken before this one started popped first.
      std::vector<uint64_t> reserved;
      for (uint32_t u : pending_) {
        const Thread& w = threads_[u];
        if (u != t && w.candidate && w.candidate_direct && w.candidate->by.t == o && w.candidate_ready < th.started)
          if (Push* p = newest_untaken(u, w.candidate_wait, w.candidate_ready + 1, o, w.candidate_key, reserved))
            reserved.push_back(p->seq);
      }
      for (auto& p : pushes_) {
        if (p.s.event.t_enter >= t_enter) break;
        if (std::find(reserved.begin(), reserved.end(), p.seq) != reserved.end()) continue;
        if (!p.taken && p.s.by.t == o && p.s.event.t_enter > gone && eligible(t, p, true)) {
          s = p.s;
          seq = p.seq;
          break;
        }
      }
    }
    bool competing = false;
    for (uint32_t u : pending_)
      competing |= u != t && threads_[u].candidate && threads_[u].candidate->by.t == o;
    for (auto& p : pushes_) {
      if (competing || p.s.event.t_enter >= t_enter) break;
      competing = p.seq != seq && !p.taken && p.s.by.t == o && p.s.event.t_enter >= s.event.t_enter;
    }
    s.sure = !competing;
    start_job(t, std::move(s), seq, th.started, t_enter);
  } else if (th.current && th.had_op) {
    uint64_t after = std::max(th.last_op_exit, floor);
    if (Push* p = oldest_untaken(t, after, t_enter, UINT32_MAX, nullptr)) {
      Submission s = p->s;
      uint64_t seq = p->seq;
      p->taken = true;  // is it the only one?
      s.sure = !oldest_untaken(t, after, t_enter, UINT32_MAX, nullptr) && !fresh_pending(s.by.t, t);
      p->taken = false;
      start_job(t, std::move(s), seq, th.last_op_exit, t_enter);
    } else if (th.current->sure && oldest_untaken(t, floor, t_enter, UINT32_MAX, nullptr)) {
      // The job goes on as far as we can see, but something was queued
      // since it began that this thread may have popped while busy: the
      // attribution is a guess from here on.
      auto guess = std::make_shared<Submission>(*th.current);
      guess->sure = false;
      th.current = std::move(guess);
    }
  }
  if (auto it = std::find(pending_.begin(), pending_.end(), t); it != pending_.end()) pending_.erase(it);
  Thread& me = threads_[t];
  me.candidate.reset();
  me.candidate_from_ancestor = false;
  me.fresh = false;
  me.had_op = true;
  me.last_op_exit = t_exit;
  return me.current;
}

void Boundaries::forget(uint32_t t) {
  if (t >= threads_.size()) return;
  threads_[t] = Thread{};
  if (auto it = std::find(pending_.begin(), pending_.end(), t); it != pending_.end()) pending_.erase(it);
  jobs_.erase(std::remove_if(jobs_.begin(), jobs_.end(), [t](const Job& j) { return j.t == t; }), jobs_.end());
}

}  // namespace aa

