#include "boundaries.h"

namespace aa {

void Boundaries::on_release(uint32_t t, const SyncKey& k) {
  auto& use = at(t).use;
  auto it = use.find(k);
  if (it != use.end() && (it->second & kAcquired)) it->second |= kLockLike;
}

void Boundaries::on_release(uint32_t t, const SyncKey& k, const ReleaseInfo& r) {
  on_release(t, k);
  const EvCopy& e = r.event;
  bool spawn = k.type == kSyncSpawn;
  bool queue_like = spawn || k.type == kSyncChannel || e.kind == AA_SEM_POST ||
                    ((e.kind == AA_COND_SIGNAL || e.kind == AA_COND_BROADCAST) && k.v == uint64_t(e.a[0])) ||
                    (e.kind == AA_FUTEX && (e.a[1] & 127) != 7 /* FUTEX_UNLOCK_PI: a lock */);
  if (!queue_like) return;
  auto& q = at(t).queued;
  if (q.size() >= kQueuedPerThread) q.pop_front();
  q.push_back(Queued{k, spawn, Submission{r.by, r.event}});
}

bool Boundaries::consumer_of(const Thread& th, const SyncKey& k) {
  auto it = th.use.find(k);
  return it != th.use.end() && it->second == kAcquired;
}

const Submission* Boundaries::popped_without_wake(uint32_t t, uint64_t t_enter) {
  Thread& th = threads_[t];
  uint32_t o = th.current->by.t;
  if (o == t || o >= threads_.size()) return nullptr;
  for (auto& q : threads_[o].queued) {
    const EvCopy& e = q.s.event;
    if (e.t_enter < th.last_op_exit) continue;
    if (e.t_enter >= t_enter) break;
    // Only this thread's own queue: an object it has waited on and never
    // released (not a lock it shares with the origin, not some other
    // thread's parker), or the creation of a sibling helper.
    if (q.spawn ? th.parent == o : consumer_of(th, q.key)) return &q.s;
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

void Boundaries::on_acquire(uint32_t t, const SyncKey& k, const ReleaseInfo* from, bool wait) {
  uint8_t& u = at(t).use[k];
  bool lock_like = u & kLockLike;
  u |= kAcquired;
  if (!from || !wait || lock_like || from->by.t == t) return;
  uint32_t r = from->by.t;
  // Released before this thread was being created: nothing was handed to
  // it (a recycled lock address, a count left over); its creation covers it.
  if (from->event.t_enter < at(t).born) return;
  // A wake from a thread this one created (directly or not) is a helper
  // reporting back — main woken by its pool's completion — never a job.
  if (is_ancestor(t, r)) return;
  Thread& me = at(t);  // threads_ may have grown: re-take the reference
  // The first such wake since the previous file operation starts the job;
  // later ones are the job's own locking (a contended mutex woken by a peer
  // helper, say).  A wake from an ancestor (the thread that created this
  // pool thread, or its creator) beats a peer's.
  bool from_ancestor = is_ancestor(r, t);
  if (me.candidate && (me.candidate_from_ancestor || !from_ancestor)) return;
  Submission s{from->by, from->event};
  // A peer helper (same creator) passing the wake on — tokio's pool
  // threads notify the queue condvar for each other — forwards a job that
  // came from the peer's own origin: take the peer's submission instead.
  if (!from_ancestor && r < threads_.size() && me.parent != UINT32_MAX && threads_[r].parent == me.parent) {
    const auto& peer = threads_[r].candidate ? threads_[r].candidate : threads_[r].current;
    if (peer && peer->by.t != t) s = *peer;
    // The peer's job is older than this thread: not what it was woken for.
    if (s.event.t_enter < me.born) return;
  }
  me.candidate = s;
  me.candidate_from_ancestor = from_ancestor;
}

void Boundaries::on_thread_start(uint32_t t, const ReleaseInfo* creator) {
  Thread& th = at(t);
  th.use.clear();
  th.candidate.reset();
  th.current.reset();
  th.candidate_from_ancestor = false;
  th.had_op = false;
  th.born = 0;
  if (creator) {
    th.born = creator->event.t_enter;
    th.current = Submission{creator->by, creator->event};
    if (creator->by.t != t) th.parent = creator->by.t;
  }
}

const Submission* Boundaries::on_file_op(uint32_t t) {
  Thread& th = at(t);
  if (th.candidate) {
    th.current = std::move(th.candidate);
    th.candidate.reset();
    th.candidate_from_ancestor = false;
  }
  return th.current ? &*th.current : nullptr;
}

const Submission* Boundaries::on_file_op(uint32_t t, uint64_t t_enter, uint64_t t_exit) {
  Thread& th = at(t);
  if (th.candidate) {
    on_file_op(t);
  } else if (th.current && th.had_op) {
    if (const Submission* s = popped_without_wake(t, t_enter)) th.current = *s;
  }
  th.had_op = true;
  th.last_op_exit = t_exit;
  return th.current ? &*th.current : nullptr;
}

void Boundaries::forget(uint32_t t) {
  if (t < threads_.size()) threads_[t] = Thread{};
}

}  // namespace aa
