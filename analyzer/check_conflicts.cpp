#include "check_conflicts.h"

#include <cerrno>
#include <fmt/format.h>

#include "check_stale.h"
#include "check_wording.h"

namespace aa {
namespace {
constexpr size_t kWritesPerFile = 16;   // window of writes a later op is compared with
constexpr size_t kUnackedPerOrigin = 64;  // per origin and executing thread: writes awaiting an acknowledgment
// A write leaves the window once a later op starts this long after it
// returned and it is acknowledged (or was not handed off): only latent
// findings could still pair with it, and memory must not follow the log.
constexpr uint64_t kSettledNs = 1'000'000ull;
constexpr uint64_t kStaleNs = 1'000'000'000ull;  // even unacknowledged ones, after 1 s
constexpr size_t kRecentPerFile = 16;   // window of ops a later write is compared with
constexpr uint64_t kIdleNs = 10'000'000'000ull;  // file state dropped after 10 s without events

// The defaults of rules/conflicts.toml, used when no table was loaded.
const std::vector<ConflictRule>& builtin_conflicts() {
  static const std::vector<ConflictRule> table = {
      {"stat", {AA_STAT, AA_FSTAT, AA_STATX, AA_ACCESS}, "error", "{op} on {file} overtook {write} handed to tid {tid}"},
      {"read", {AA_READ, AA_PREAD, AA_READV, AA_PREADV, AA_COPY_FILE_RANGE, AA_SENDFILE}, "error",
       "{op} on {file} overtook {write} handed to tid {tid}"},
      {"fsync", {AA_FSYNC, AA_FDATASYNC, AA_SYNC_FILE_RANGE, AA_SYNCFS}, "error", "{op} on {file} overtook {write} handed to tid {tid}"},
      {"rename", {AA_RENAME}, "error", "{op} of {file} overtook {write} handed to tid {tid}"},
      {"link", {AA_LINK}, "error", "{op} of {file} overtook {write} handed to tid {tid}"},
      {"unlink", {AA_UNLINK}, "error", "{op} of {file} overtook {write} handed to tid {tid}"},
      {"last-close", {AA_CLOSE}, "warning", "last {op} of {file} by tid {origin_tid} came before {write} (tid {tid}) finished"},
      {"write", {AA_WRITE, AA_PWRITE, AA_WRITEV, AA_PWRITEV, AA_FTRUNCATE, AA_TRUNCATE, AA_FALLOCATE},
       "error", "{op} on {file} overtook {write} handed to tid {tid}"},
      {"exec", {AA_EXECVE}, "error", "{op} of {file} overtook {write} handed to tid {tid}"},
      {"exit", {AA_EXIT}, "warning", "process exit overtook {write} to {file} handed to tid {tid}"},
  };
  return table;
}
const ConflictRule kOpenRule{"open", {AA_OPEN}, "error", "{op} of {file} overtook {write} handed to tid {tid}"};

bool overlaps(const Touch& a, const Touch& b) {
  if (a.created || b.created || a.len < 0 || b.len < 0) return true;
  int64_t ae = a.off + std::max<int64_t>(a.len, 1), be = b.off + std::max<int64_t>(b.len, 1);
  return a.off < be && b.off < ae;
}
double us(uint64_t a, uint64_t b) { return (double(a) - double(b)) / 1000.0; }

std::string premature_evidence(const RawFinding& f) {
  const EvCopy& s = *f.submission;
  const EvCopy& b = *f.overtaker;
  return fmt::format(
      "submission: {} on tid {}; {} entered {:.1f} µs after it and {} the write returned; "
      "no happens-before edge from the write's return to the {}{}",
      kind_name(s.kind), s.tid, kind_name(b.kind), us(b.t_enter, s.t_enter),
      f.confidence == "manifested" ? "before" : "after", kind_name(b.kind),
      f.by_time ? fmt::format(" (the {} ran in another job from tid {}, taken without a visible handoff: ordered "
                              "after the submission by time)", kind_name(b.kind), s.tid)
                : "");
}
}  // namespace

const ConflictRule* conflict_rule(const RuleSet& rules, aa_kind k) {
  if (!rules.conflicts.empty()) return rules.conflict_for(k);
  for (const auto& c : builtin_conflicts())
    for (aa_kind ck : c.kinds)
      if (ck == k) return &c;
  return nullptr;
}

Checker::Checker(HappensBefore& hb, const FileModel& files, const RuleSet& rules, bool latent)
    : hb_(hb), files_(files), rules_(rules), latent_(latent) {
  // The table is fixed for the run; a scan of it per operation showed up
  // in profiles.
  for (int k = 0; k < AA_KIND_COUNT; ++k) rule_for_[k] = conflict_rule(rules_, aa_kind(k));
}

void Checker::event_seen(const Event& e, uint32_t x) {
  if (x >= last_t_.size()) last_t_.resize(x + 1, 0);
  last_t_[x] = e.t_enter;
  if ((++events_ & 0xffff) == 0) gc(e.t_enter);
}

void Checker::emit(RawFinding f, const Pending& w) {
  const EvCopy* b = f.overtaker ? &*f.overtaker : nullptr;
  // Deduplicate by what the report would show: kind, confidence, the call
  // sites (stack ids) and the op kinds; the files are counted.
  // Only lost-write-error findings come here; the key's views must outlive f.
  DedupKey key{"lost-write-error", "manifested", "lost", w.w.proc, w.w.stack_id, b ? b->stack_id : 0,
               uint16_t(w.w.kind), uint16_t(b ? b->kind : 0)};
  auto [it, fresh] = dedup_.try_emplace(std::move(key), uint32_t(groups_.size()));
  if (!fresh) {
    RawFinding& old = findings_[groups_[it->second].front()];
    ++old.count;
    old.add_file(f.file);
    return;
  }
  groups_.push_back({uint32_t(findings_.size())});
  f.add_file(f.file);
  findings_.push_back(std::move(f));
}

void Checker::pair(const Pending& w, const EvCopy& b, const Touch& bt, uint32_t x, uint32_t b_origin,
                   const ClockSnap& bsnap, const ConflictRule* rule, bool b_first, const SubmissionRef& bsub) {
  if (x == w.t) return;            // program order on the writing thread
  // An existence check sees a create, a rename or an unlink, never data.
  if (b.kind == AA_ACCESS && kind_class(aa_kind(w.w.kind)) == AA_CLASS_WRITE) return;
  if (bsnap.knows(w.ret)) return;  // the write's return happens-before B: ordered
  // The origin was told (acknowledgment) and B runs in a later job of the
  // same origin, started after that: ordered through the origin even when
  // the pool thread took B's job without a visible handoff.
  if (w.ack && w.offloaded() && b_origin == w.sub->by.t && b_origin != x && b.t_enter > w.ack->t_exit) return;
  auto bc = kind_class(b.kind);
  if ((bc == AA_CLASS_READ || bc == AA_CLASS_WRITE) && !overlaps(w.touch, bt)) return;
  if (b.kind == AA_CLOSE && !bt.last_close) return;
  if (b.kind == AA_OPEN && !(w.touch.created && b.ret < 0)) return;
  // B follows the submission: by a visible edge, or — when B runs in a job
  // handed out by the same origin (a pool thread that took B's job from the
  // queue under an uncontended lock leaves no record) — by starting after it.
  bool by_edge = w.offloaded() && bsnap.after_release(w.sub->by);
  bool by_time = w.offloaded() && !by_edge && b_origin == w.sub->by.t && b_origin != x &&
                 b.t_enter > w.sub->event.t_enter;
  bool premature = by_edge || by_time;
  bool manifested = b.t_enter < w.w.t_exit;
  // B, in a peer job (not on the thread that handed W out), happens-before
  // W, but W's job did not know B when it started (its thread's start, or a
  // pool job's first file call): the job itself waited for B since (a lock
  // it takes, as two workers updating one file in turn do), so the program
  // ordered them.  A job picked up after B (a pool pop that already knew B)
  // stays premature, and so does B on the handing-out thread itself, which
  // a lock inside the job (CPython's GIL) may well order first: the asker
  // moved on before the write began.
  bool b_before_w = w.snap.knows(Epoch{bsnap.self, bsnap.self_epoch});
  if (premature && b_before_w && x != w.sub->by.t && !w.job_snap.knows(Epoch{bsnap.self, bsnap.self_epoch})) return;
  if (!premature) {
    // A common origin (both jobs handed out by one thread, whose own order
    // we cannot see through atomics) is not a race between strangers.
    if (b_origin == (w.offloaded() ? w.sub->by.t : w.t)) return;
    // Two racing writes meet twice (each as the other's B): keep the later-as-B side.
    if (b_first && bt.write) return;
    if (b_before_w) return;  // B happens-before W
  }
  if (!manifested && !latent_) return;
  const char* kind = premature ? "premature-completion" : "file-race";
  const char* confidence = manifested ? "manifested" : "latent";
  // Deduplicate before building anything: kind, confidence, the call sites
  // (stack ids), the op kinds and the conflict; the files are counted.
  // No strings built here: this runs for every repeat of a known finding.
  DedupKey key{kind, confidence, rule->name, w.w.proc, w.w.stack_id, b.stack_id, uint16_t(w.w.kind),
               uint16_t(b.kind)};
  auto [it, fresh] = dedup_.try_emplace(std::move(key), uint32_t(groups_.size()));
  if (fresh) groups_.emplace_back();
  // Each alternative (which submissions the occurrence named) keeps its own
  // count; its representative is its first occurrence whose submissions are
  // sure (boundaries.h): a new pool thread's first pop can go either way.
  auto sure = [](const SubmissionRef& a, const SubmissionRef& b) { return (!a || a->sure) && (!b || b->sure); };
  const SubmissionRef& wsub = premature ? w.sub : nullptr;
  bool this_sure = sure(wsub, bsub);
  uint32_t sub_stack = wsub ? wsub->event.stack_id : 0, bsub_stack = bsub ? bsub->event.stack_id : 0;
  std::vector<uint32_t>& group = groups_[it->second];
  uint32_t alt = UINT32_MAX;
  for (uint32_t i : group)
    if (findings_[i].alt_sub_stack == sub_stack && findings_[i].alt_bsub_stack == bsub_stack) alt = i;
  if (alt == UINT32_MAX && group.size() >= kAlternatives) alt = group.front();  // bounded: folded in
  if (alt != UINT32_MAX) {
    RawFinding& old = findings_[alt];
    ++old.count;
    old.sure_count += this_sure;
    old.add_file(w.touch.file);
    // Keep a representative that still names what its alternative counts
    // (a FIFO swap may have revised its submissions since).
    auto stack_of = [](const SubmissionRef& r) { return r ? r->event.stack_id : 0u; };
    bool drifted = stack_of(old.sub_ref) != old.alt_sub_stack || stack_of(old.bsub_ref) != old.alt_bsub_stack;
    bool matches = sub_stack == old.alt_sub_stack && bsub_stack == old.alt_bsub_stack;
    if (!(drifted && matches) && (!this_sure || sure(old.sub_ref, old.bsub_ref))) return;
  }
  const FileInfo& fi = files_.file(w.touch.file);
  RawFinding f;
  f.kind = kind;
  f.confidence = confidence;
  f.file = w.touch.file;
  f.path = fi.path;
  f.write = w.w;
  f.overtaker = b;
  if (bsub) f.overtaker_submission = bsub->event;
  f.bsub_ref = bsub;
  f.by_time = by_time;
  f.conflict = rule->name;
  f.wording = rule->wording;
  f.ack = w.ack;
  f.add_file(w.touch.file);
  if (premature) {
    f.severity = manifested ? (rule->severity.empty() ? "error" : rule->severity) : "warning";
    if (f.severity == "error" && !manifested) f.severity = "warning";
    f.submission = w.sub->event;
    f.sub_ref = w.sub;
    f.origin_tid = w.sub->event.tid;
    if (manifested) f.stale = stale_wording(b, w.w, w.touch);
    f.evidence = premature_evidence(f);
  } else {
    f.severity = "warning";
    f.origin_tid = w.w.tid;
    f.evidence = fmt::format("no happens-before edge between tid {} and tid {} in either direction", w.w.tid, b.tid);
  }
  f.message = finding_message(f, b, w.w, w.touch, manifested);
  f.group = it->second;
  if (alt == UINT32_MAX) {
    f.sure_count = this_sure;
    f.alt_sub_stack = sub_stack;
    f.alt_bsub_stack = bsub_stack;
    group.push_back(uint32_t(findings_.size()));
    findings_.push_back(std::move(f));
  } else {
    RawFinding& old = findings_[alt];
    f.count = old.count;
    f.sure_count = old.sure_count;
    f.alt_sub_stack = old.alt_sub_stack;
    f.alt_bsub_stack = old.alt_bsub_stack;
    f.file_ids = std::move(old.file_ids);
    f.files_capped = old.files_capped;
    old = std::move(f);
  }
}

void Checker::thread_started(uint32_t x, const ReleaseInfo* from) {
  job_first_[x] = {from ? from->by : Epoch{}, true, true, hb_.snapshot(x)};
}

const ClockSnap& Checker::job_seen(uint32_t x, const SubmissionRef& job) {
  JobSeen& j = job_first_[x];
  Epoch by = job ? job->by : Epoch{};
  if (j.seen && j.by.t == by.t && j.by.e == by.e) return j.snap;
  // A job that is a thread's creation started with the thread, whichever
  // of its creator's pthread_create calls the job was matched with (two
  // threads started back to back can start in either order).
  if (j.at_start && job && job->event.kind == AA_THREAD_CREATE) {
    j.by = by;
    return j.snap;
  }
  j = {by, true, false, hb_.snapshot(x)};
  return j.snap;
}

void Checker::conflict(const Event& e, const Touch& t, uint32_t x, uint32_t origin, const SubmissionRef& bsub) {
  job_seen(x, bsub);
  SubmissionRef bs = bsub && bsub->by.t != x ? bsub : nullptr;
  const ConflictRule* rule = e.kind == AA_OPEN ? &kOpenRule : rule_for_[e.kind];
  if (!rule || !files_.file(t.file).regular) return;
  FileState& fs = state_[t.file];
  fs.last_t = e.t_enter;
  EvCopy b = EvCopy::of(e);
  b.off = t.off;
  b.len = t.len;
  ClockSnap snap = hb_.snapshot(x);
  auto bc = kind_class(e.kind);
  bool observes_success =
      e.ret >= 0 && (bc == AA_CLASS_SYNCFILE || bc == AA_CLASS_STAT || e.kind == AA_CLOSE);
  for (size_t i = 0; i < fs.writes.size();) {
    Pending& w = *fs.writes[i];
    pair(w, b, t, x, origin, snap, rule, false, bs);
    // A later successful fsync/close/stat that follows a failed offloaded
    // write: the program went on as if it had worked.
    if (w.failed && observes_success && !w.lost_reported && w.offloaded() && x != w.t && snap.after_release(w.sub->by))
      lost(w, &b);
    bool settled = (w.ack || !w.offloaded()) && e.t_enter > w.w.t_exit + kSettledNs;
    if (settled || e.t_enter > w.w.t_exit + kStaleNs) {
      w.unlisted = true;
      if (!w.offloaded() || w.ack) release_pins(w);
      fs.writes.erase(fs.writes.begin() + long(i));
    } else {
      ++i;
    }
  }
  if (e.kind == AA_OPEN && e.ret >= 0) return;  // only a failed open can miss a create
  fs.recent.push_back(Recent{b, t, x, origin, snap, rule, bs});
  if (fs.recent.size() > kRecentPerFile) fs.recent.pop_front();
}

namespace {
// A successful write that moved fewer bytes than asked: the rest was lost
// (ENOSPC, EFBIG, a signal).  Only write/pwrite/writev/pwritev carry the
// count in a[1].  A short sendfile or copy_file_range means the *input*
// ended (shutil.copyfile and libuv's copyfile loop until one returns 0),
// and the truncate family has no count.
bool short_write(const Event& e) {
  switch (e.kind) {
    case AA_WRITE: case AA_PWRITE: case AA_WRITEV: case AA_PWRITEV: return e.ret < e.a[1];
    default: return false;
  }
}
}  // namespace

void Checker::write(const Event& e, const Touch& t, uint32_t x, const SubmissionRef& s) {
  if (!files_.file(t.file).regular) return;
  auto p = std::make_shared<Pending>();
  p->w = EvCopy::of(e);
  p->w.off = t.off;
  p->w.len = t.len;
  p->touch = t;
  p->t = x;
  p->ret = hb_.now(x);
  p->snap = hb_.snapshot(x);
  p->sub = s;
  p->job_snap = job_seen(x, s);
  p->failed = e.ret < 0 ? (e.err != EINTR && e.err != EAGAIN) : short_write(e);
  if (e.kind == AA_OPEN) p->failed = false;
  FileState& fs = state_[t.file];
  fs.last_t = e.t_enter;
  // Operations that came first in time but followed the submission: the
  // overtaker ran before the write even started.
  if (p->offloaded())
    for (auto& r : fs.recent) pair(*p, r.b, r.touch, r.x, r.origin, r.snap, r.rule, true, r.bsub);
  hb_.pin(x);
  if (p->offloaded()) {
    hb_.pin(p->sub->by.t);
    auto& un = unacked_[p->sub->by.t][x];
    if (un.size() >= kUnackedPerOrigin) {
      // Never acknowledged as far as we can see: settle it now.
      auto old = un.front();
      un.pop_front();
      if (old->failed && !old->lost_reported) lost(*old, nullptr);
      old->ack = EvCopy{};  // treated as acknowledged from here on
      if (old->unlisted) release_pins(*old);
      ++dropped_;
    }
    un.push_back(p);
  }
  fs.writes.push_back(p);
  if (fs.writes.size() > kWritesPerFile) {
    auto old = fs.writes.front();
    fs.writes.pop_front();
    old->unlisted = true;
    if (!old->offloaded() || old->ack) release_pins(*old);
    else ++dropped_;  // still unacknowledged: later overtakers of it go unseen
  }
}

void Checker::release_pins(const Pending& p) {
  hb_.unpin(p.t);
  if (p.offloaded()) hb_.unpin(p.sub->by.t);
}

void Checker::acquired(const Event& e, uint32_t t) {
  auto it = unacked_.find(t);
  if (it == unacked_.end()) return;
  for (auto w = it->second.begin(); w != it->second.end();) {
    auto& q = w->second;
    while (!q.empty() && hb_.knows(t, q.front()->ret)) {
      Pending& p = *q.front();
      p.ack = EvCopy::of(e);
      if (p.unlisted) release_pins(p);
      q.pop_front();
    }
    w = q.empty() ? it->second.erase(w) : std::next(w);
  }
  if (it->second.empty()) unacked_.erase(it);
}

void Checker::lost(Pending& w, const EvCopy* b) {
  w.lost_reported = true;
  const FileInfo& fi = files_.file(w.touch.file);
  RawFinding f;
  f.kind = "lost-write-error";
  f.confidence = "manifested";
  f.severity = "error";
  f.conflict = "lost";
  f.file = w.touch.file;
  f.path = fi.path;
  f.write = w.w;
  f.submission = w.sub->event;
  f.ack = w.ack;
  f.origin_tid = w.sub->event.tid;
  std::string what = w.w.ret < 0 ? fmt::format("failed with {}", strerrorname_np(w.w.err) ? strerrorname_np(w.w.err) : "error")
                                  : fmt::format("wrote {} of {} bytes", w.w.ret, w.w.a[1]);
  f.message = fmt::format("{} on {} handed to tid {} {}; the error may never reach the program",
                          kind_name(w.w.kind), f.path, w.w.tid, what);
  if (b)
    f.evidence = fmt::format("the origin's later {} on the file succeeded (tid {}), with no edge from the failed write",
                             kind_name(b->kind), b->tid);
  else
    f.evidence = "the origin thread went on after the submission and never synchronised with the failed write";
  emit(std::move(f), w);
}

void Checker::process_exit(const Event& e, uint32_t x) {
  const ConflictRule* rule = conflict_rule(rules_, AA_EXIT);
  if (!rule) return;
  EvCopy b = EvCopy::of(e);
  ClockSnap snap = hb_.snapshot(x);
  for (auto& [origin, writers] : unacked_)
    for (auto& [writer, v] : writers)
      for (auto& p : v)
        if (p->w.proc == e.proc) {
        Touch none;
        none.file = p->touch.file;
        pair(*p, b, none, x, x, snap, rule, false);
      }
}

void Checker::finish() {
  for (auto& [origin, writers] : unacked_)
    for (auto& [writer, v] : writers)
      for (auto& p : v)
        if (p->failed && !p->lost_reported && !p->ack && origin < last_t_.size() &&
          last_t_[origin] > p->sub->event.t_enter)
        lost(*p, nullptr);
}

void Checker::gc(uint64_t now) {
  for (auto it = state_.begin(); it != state_.end();) {
    FileState& fs = it->second;
    bool idle = now > fs.last_t + kIdleNs;
    bool waiting = false;
    for (auto& w : fs.writes) waiting |= w->offloaded() && !w->ack;
    if (idle && !waiting) {
      for (auto& w : fs.writes) {
        w->unlisted = true;
        if (!w->offloaded() || w->ack) release_pins(*w);
      }
      it = state_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<RawFinding> Checker::take() {
  for (auto& f : findings_) {
    f.sure = (!f.sub_ref || f.sub_ref->sure) && (!f.bsub_ref || f.bsub_ref->sure);
    if (f.bsub_ref) f.overtaker_submission = f.bsub_ref->event;
    if (f.sub_ref) {
      f.submission = f.sub_ref->event;
      f.evidence = premature_evidence(f);
    }
  }
  return std::move(findings_);
}

}  // namespace aa

