// Happens-before over a global thread index with vector clocks.
//
// Thread clocks are immutable shared vectors plus the thread's own epoch kept
// apart, so a snapshot (for a conflicting op that a later write must be
// compared with) costs a pointer copy.  The own epoch advances at every
// release and acquire, so (thread, epoch) names one clock state: "I already
// know (r, e)" then means "I already know everything r knew at e", which lets
// repeated acquires of an unchanged object skip the join.
//
// Indices of exited threads are recycled once nothing pins them; the new
// thread starts above the old one's last epoch, so stale entries other
// clocks hold for that index can never make the newcomer's events look known.
// That keeps clocks as wide as the live threads, not as all threads ever.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "model_event_copy.h"

namespace aa {

using ClockVec = std::vector<uint32_t>;

struct Epoch {
  uint32_t t = UINT32_MAX;  // global thread index
  uint32_t e = 0;
  bool valid() const { return t != UINT32_MAX; }
};

// What a thread knew at one moment.  Narrow clocks are copied inline: a
// shared vector would make the thread copy it (a malloc) at its next
// acquire, and every conflicting operation and write takes a snapshot.
struct ClockSnap {
  static constexpr uint32_t kInline = 16;
  std::shared_ptr<const ClockVec> vec;  // set only when wider than kInline
  std::array<uint32_t, kInline> inl{};
  uint32_t n_inl = 0;
  uint32_t self = UINT32_MAX, self_epoch = 0;
  uint32_t at(uint32_t t) const {
    if (t == self) return self_epoch;
    if (vec) return t < vec->size() ? (*vec)[t] : 0;
    return t < n_inl ? inl[t] : 0;
  }
  bool knows(Epoch e) const { return e.valid() && at(e.t) >= e.e; }
  // The release stamped r (ReleaseInfo::by) is in this state's past.  A
  // release publishes its thread's epoch and then advances it, so the
  // releasing thread's own events before it carry the same epoch: for them
  // knows() holds although they came first.  Only a later epoch is after.
  bool after_release(Epoch r) const { return r.valid() && (r.t == self ? self_epoch > r.e : at(r.t) >= r.e); }
};

// Sync object key: a type tag, the process, and the object's address/id.
struct SyncKey {
  uint8_t type = 0;
  uint32_t proc = 0;
  uint64_t v = 0;
  bool operator==(const SyncKey&) const = default;
};
struct SyncKeyHash {
  size_t operator()(const SyncKey& k) const {
    return std::hash<uint64_t>()(k.v * 0x9e3779b97f4a7c15ull ^ (uint64_t(k.proc) << 8 | k.type));
  }
};
// kSyncOfd: an open file description, released at its open's return and
// acquired by every later use of an fd naming it (FileEffects::ofd_used).
enum SyncType : uint8_t { kSyncAddr = 1, kSyncSpawn, kSyncExit, kSyncFork, kSyncExec, kSyncChannel, kSyncOfd,
                          kSyncShell, kSyncShellExit };

struct ReleaseInfo {
  Epoch by;       // releasing thread and its epoch at the release
  EvCopy event;   // the release itself (for the report's submission)
};

class HappensBefore {
 public:
  // Global index of (proc, tid), created on first sight.
  uint32_t thread(uint32_t proc, int32_t tid, bool* created = nullptr);
  // The thread's current epoch (the stamp of the event being processed).
  Epoch now(uint32_t t) const { return {t, threads_[t].epoch}; }
  ClockSnap snapshot(uint32_t t) const;
  bool knows(uint32_t t, Epoch e) const;

  // Publishes t's clock into the object, then advances t's epoch.
  void release(uint32_t t, const SyncKey& k, const Event& ev);
  // Joins the object's clock into t (if it has one), advances t's epoch.
  // Returns the object's latest release (nullptr when never released).
  const ReleaseInfo* acquire(uint32_t t, const SyncKey& k);

  // The thread ended: its index becomes reusable once unpinned.
  void exited(uint32_t t);
  void pin(uint32_t t) { ++threads_[t].pins; }
  void unpin(uint32_t t);
  // Drop an object (e.g. a fork/exec handoff once consumed).
  void forget(const SyncKey& k) { objects_.erase(k); }
  bool has(const SyncKey& k) const { return objects_.count(k) != 0; }

  size_t live_indices() const { return threads_.size() - free_.size(); }
  size_t objects() const { return objects_.size(); }

 private:
  struct Thread {
    std::shared_ptr<ClockVec> vec;
    uint32_t epoch = 1;
    uint32_t pins = 0;
    uint32_t gen = 0;  // bumped when the index is recycled
    bool exited = false, free = false;
    uint32_t proc = 0;
    int32_t tid = 0;
  };
  struct Object {
    std::shared_ptr<const ClockVec> vec;
    // When the object's clock is exactly one thread state, its stamp: a
    // thread that already knows it skips the join.
    Epoch single;
    uint32_t single_gen = 0;  // the stamp's index generation (indices are recycled)
    ReleaseInfo last;
  };
  void maybe_free(uint32_t t);
  uint32_t lookup(uint32_t proc, int32_t tid, bool* created);
  uint64_t last_key_ = UINT64_MAX;
  uint32_t last_idx_ = 0;
  std::vector<Thread> threads_;
  std::vector<uint32_t> free_;
  std::unordered_map<uint64_t, uint32_t> by_tid_;  // (proc << 32 | tid) -> live index
  std::unordered_map<SyncKey, Object, SyncKeyHash> objects_;
};

}  // namespace aa
