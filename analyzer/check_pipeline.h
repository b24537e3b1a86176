// The per-event driver of stages 2-4: file model, happens-before, await
// boundaries and checks, fed one Event at a time in the reader's merge
// order.  Unit tests feed it synthetic sequences; run_analysis feeds it a LogSet.
#pragma once
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "boundaries.h"
#include "check_conflicts.h"
#include "findings.h"
#include "hb_clock.h"
#include "model_files.h"

namespace aa {

class Pipeline {
 public:
  Pipeline(const std::vector<ProcessInfo>& procs, const RuleSet& rules, bool latent = true);
  void feed(const Event& e);
  // Ends the stream: final checks, notes.  Call once.
  void finish();
  std::vector<RawFinding> findings() { return checker_.take(); }
  std::vector<Note> notes() { return std::move(notes_); }
  const HappensBefore& hb() const { return hb_; }
  const FileModel& files() const { return files_; }

 private:
  void process(const Event& e);
  void sync(const Event& e, uint32_t x);
  // A child's records can come before its creator's fork record in merge
  // order (see feed()); they wait here until that handoff is released.
  bool must_wait(const Event& e) const;
  void hold(const Event& e);
  void replay_ready();
  void replay_overdue(uint64_t now);
  void replay_reaped(int32_t pid);
  void replay_orphans(uint32_t creator);
  void replay(uint32_t proc);
  struct HeldEvent {
    Event e;
    std::string path, path2;  // owned: the reader's views may move on
  };
  struct Held {
    SyncKey gate;
    uint64_t since = 0;  // merge time of the first held record
    std::deque<HeldEvent> events;
  };
  std::map<uint32_t, Held> waiting_;  // by process index
  std::vector<uint32_t> parents_;
  void acquire(uint32_t x, const SyncKey& k, bool wait, const Event& e);
  void release(uint32_t x, const SyncKey& k, const Event& e);

  // Mutexes each thread holds (by address), to publish at cond signals.
  std::vector<int64_t>& held(uint32_t x) {
    if (x >= held_.size()) held_.resize(x + 1);
    return held_[x];
  }
  std::vector<std::vector<int64_t>> held_;

  const std::vector<ProcessInfo>& procs_;
  FileModel files_;
  HappensBefore hb_;
  Boundaries bounds_;
  Checker checker_;
  std::vector<Note> notes_;
  std::vector<bool> begun_, io_uring_noted_, aio_noted_, mmap_noted_;
  std::unordered_map<int32_t, int32_t> shell_children_;  // pid -> ppid, started by system()/popen()
  bool acquired_ = false;
};

}  // namespace aa
