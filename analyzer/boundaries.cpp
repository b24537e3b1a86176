#include "boundaries.h"

namespace aa {

void Boundaries::on_release(uint32_t t, const SyncKey& k) {
  auto& use = at(t).use;
  auto it = use.find(k);
  if (it != use.end() && (it->second & kAcquired)) it->second |= kLockLike;
}

void Boundaries::on_acquire(uint32_t t, const SyncKey& k, const ReleaseInfo* from, bool wait) {
  uint8_t& u = at(t).use[k];
  bool lock_like = u & kLockLike;
  u |= kAcquired;
  if (!from || !wait || lock_like || from->by.t == t) return;
  // A wake from a thread that is itself working for t is t's completion
  // (an acknowledgment), not a job for t: main waiting on a future, a
  // runtime thread unparked by its blocking pool.
  if (from->by.t < threads_.size()) {
    const Thread& o = threads_[from->by.t];
    const auto& job = o.candidate ? o.candidate : o.current;
    if (job && job->by.t == t) return;
  }
  Thread& me = at(t);  // threads_ may have grown: re-take the reference
  me.candidate = Submission{from->by, from->event};
}

void Boundaries::on_thread_start(uint32_t t, const ReleaseInfo* creator) {
  Thread& th = at(t);
  th.use.clear();
  th.candidate.reset();
  th.current.reset();
  if (creator) th.current = Submission{creator->by, creator->event};
}

const Submission* Boundaries::on_file_op(uint32_t t) {
  Thread& th = at(t);
  if (th.candidate) {
    th.current = std::move(th.candidate);
    th.candidate.reset();
  }
  return th.current ? &*th.current : nullptr;
}

void Boundaries::forget(uint32_t t) {
  if (t < threads_.size()) threads_[t] = Thread{};
}

}  // namespace aa
