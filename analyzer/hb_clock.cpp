#include "hb_clock.h"

#include <algorithm>

namespace aa {
namespace {
uint64_t tid_key(uint32_t proc, int32_t tid) { return uint64_t(proc) << 32 | uint32_t(tid); }

// dst[i] = max(dst[i], src[i]) over src's width, growing dst as needed.
void join_into(ClockVec& dst, const ClockVec& src) {
  if (dst.size() < src.size()) dst.resize(src.size(), 0);
  const uint32_t* s = src.data();
  uint32_t* d = dst.data();
  for (size_t i = 0, n = src.size(); i < n; ++i) d[i] = std::max(d[i], s[i]);
}
void raise(ClockVec& v, Epoch e) {
  if (!e.valid()) return;
  if (v.size() <= e.t) v.resize(e.t + 1, 0);
  v[e.t] = std::max(v[e.t], e.e);
}
}  // namespace

uint32_t HappensBefore::thread(uint32_t proc, int32_t tid, bool* created) {
  if (created) *created = false;
  uint64_t key = tid_key(proc, tid);
  // Records come in runs from one thread: skip the hash lookup for them.
  if (key == last_key_ && !threads_[last_idx_].exited) return last_idx_;
  uint32_t idx = lookup(proc, tid, created);
  last_key_ = key;
  last_idx_ = idx;
  return idx;
}

uint32_t HappensBefore::lookup(uint32_t proc, int32_t tid, bool* created) {
  auto [it, fresh] = by_tid_.try_emplace(tid_key(proc, tid), 0);
  if (!fresh) {
    if (!threads_[it->second].exited) return it->second;
    // The tid was reused by a new thread after the old one's exit.
  }
  uint32_t idx;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
    Thread& t = threads_[idx];
    uint32_t start = t.epoch + 1;
    uint32_t gen = t.gen + 1;
    t = Thread{};
    t.epoch = start;
    t.gen = gen;
  } else {
    idx = uint32_t(threads_.size());
    threads_.emplace_back();
  }
  if (created) *created = true;
  Thread& t = threads_[idx];
  t.vec = std::make_shared<ClockVec>();
  t.proc = proc;
  t.tid = tid;
  it->second = idx;
  return idx;
}

ClockSnap HappensBefore::snapshot(uint32_t t) const {
  const Thread& th = threads_[t];
  ClockSnap s;
  s.self = t;
  s.self_epoch = th.epoch;
  if (th.vec->size() <= ClockSnap::kInline) {
    s.n_inl = uint32_t(th.vec->size());
    std::copy(th.vec->begin(), th.vec->end(), s.inl.begin());
  } else {
    s.vec = th.vec;
  }
  return s;
}

bool HappensBefore::knows(uint32_t t, Epoch e) const {
  if (!e.valid()) return false;
  const Thread& th = threads_[t];
  if (e.t == t) return th.epoch >= e.e;
  return e.t < th.vec->size() && (*th.vec)[e.t] >= e.e;
}

void HappensBefore::release(uint32_t t, const SyncKey& k, const Event& ev) {
  Thread& th = threads_[t];
  Object& o = objects_[k];
  Epoch me{t, th.epoch};
  bool dominated = !o.vec || (o.single.valid() && threads_[o.single.t].gen == o.single_gen &&
                              knows(t, o.single));
  if (dominated) {
    // Copy into the object's own buffer when it has one: sharing the
    // thread's vector would force a copy (and a malloc) at its next acquire.
    if (o.vec && o.vec.use_count() == 1) *std::const_pointer_cast<ClockVec>(o.vec) = *th.vec;
    else o.vec = std::make_shared<ClockVec>(*th.vec);
    o.single = me;
    o.single_gen = th.gen;
  } else {
    auto v = std::make_shared<ClockVec>(*o.vec);
    raise(*v, o.single);
    join_into(*v, *th.vec);
    raise(*v, me);
    o.vec = std::move(v);
    o.single = Epoch{};
  }
  o.last.by = me;
  o.last.event = EvCopy::of(ev);
  ++th.epoch;
}

const ReleaseInfo* HappensBefore::acquire(uint32_t t, const SyncKey& k) {
  auto it = objects_.find(k);
  Thread& th = threads_[t];
  if (it == objects_.end()) {
    ++th.epoch;
    return nullptr;
  }
  Object& o = it->second;
  bool known = o.single.valid() && threads_[o.single.t].gen == o.single_gen && knows(t, o.single);
  if (!known) {
    // Copy-on-write: snapshots and objects may share the current vector.
    if (th.vec.use_count() > 1) th.vec = std::make_shared<ClockVec>(*th.vec);
    join_into(*th.vec, *o.vec);
    raise(*th.vec, o.single);
  }
  ++th.epoch;
  return &o.last;
}

void HappensBefore::exited(uint32_t t) {
  threads_[t].exited = true;
  maybe_free(t);
}

void HappensBefore::unpin(uint32_t t) {
  if (threads_[t].pins) --threads_[t].pins;
  maybe_free(t);
}

void HappensBefore::maybe_free(uint32_t t) {
  Thread& th = threads_[t];
  if (!th.exited || th.pins || th.free) return;
  th.free = true;
  if (last_idx_ == t) last_key_ = UINT64_MAX;
  th.vec = std::make_shared<ClockVec>();
  auto it = by_tid_.find(tid_key(th.proc, th.tid));
  if (it != by_tid_.end() && it->second == t) by_tid_.erase(it);
  free_.push_back(t);
}

}  // namespace aa
