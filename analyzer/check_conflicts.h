// Stage 4: the checks.  Pending writes per file, each with its await
// boundary (submission, execution, acknowledgment); every conflicting
// operation B is compared with them, and every new write with the recent
// conflicting operations that came before it (a stat can overtake a write
// that has not even started).
//
//   premature-completion: the submission happens-before B, the write's
//     return does not.  manifested (error) when B entered before the write
//     returned, latent (warning) otherwise.
//   file-race: no common origin and unordered both ways (warning).
//   lost-write-error: an offloaded write failed after its origin moved on.
//
// Memory is live state: a bounded window of writes and recent operations per
// file, file states dropped when idle, findings deduplicated as they come.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "boundaries.h"
#include "check_ring.h"
#include "hb_clock.h"
#include "model_files.h"
#include "rules.h"

namespace aa {

struct RawFinding {
  std::string kind;        // premature-completion | file-race | lost-write-error
  std::string confidence;  // manifested | latent
  std::string severity;    // error | warning | note
  std::string conflict;    // conflict rule name ("stat", "read", ...)
  std::string wording;     // the rule's template
  uint32_t file = 0;
  std::string path;
  EvCopy write;
  std::optional<EvCopy> overtaker, submission, ack;
  // The handoff that started the overtaker's own job when it ran on a
  // helper (tokio's metadata() statx): where the user asked for it.
  std::optional<EvCopy> overtaker_submission;
  int32_t origin_tid = 0;
  std::string message;
  std::string stale;       // what B saw that misses W ("" when nothing)
  std::string evidence;
  uint64_t count = 1;
  // Distinct files of the merged occurrences (ids from the file model),
  // capped so a loop over a million paths stays small; `files_capped` says
  // the count is a lower bound.
  std::unordered_set<uint32_t> file_ids;
  bool files_capped = false;
  void add_file(uint32_t id) {
    if (file_ids.size() < kMaxFileIds) file_ids.insert(id);
    else if (!file_ids.count(id)) files_capped = true;
  }
  static constexpr size_t kMaxFileIds = 1u << 16;
  // User frames from runtime adapter markers (JS/Python lines), shown before
  // the native stack; filled by MarkerAnalysis::refine (markers.h).
  std::vector<Frame> write_user, overtaker_user;
  // The jobs' submissions as the boundaries hold them (a FIFO swap may
  // revise them after the finding was made): read again by Checker::take.
  SubmissionRef sub_ref, bsub_ref;
  bool by_time = false;  // premature through "B's job started after the submission", not an edge
  // Its submissions are sure (Submission::sure): set by Checker::take; one
  // input to the choice of representative (findings_representative.h).
  bool sure = true;
  // Alternatives.  Occurrences of one deduplicated finding that named
  // different submissions (the write's and the overtaker's, by stack id when
  // seen) are kept apart, a few per finding, as entries sharing `group`:
  // a job matched to the wrong handoff (a pop order the log cannot show)
  // must not decide which user line the report shows.  `count` is then this
  // alternative's share; findings_representative.h picks the one shown.
  uint32_t group = UINT32_MAX;  // UINT32_MAX: a finding of its own
  uint64_t sure_count = 0;      // occurrences whose submissions were sure when seen
  uint32_t alt_sub_stack = 0, alt_bsub_stack = 0;  // what this alternative's occurrences named
};

// The conflict rule for an event kind: the RuleSet's table, or a built-in
// copy of rules/conflicts.toml's defaults when no table was loaded.
const ConflictRule* conflict_rule(const RuleSet& rules, aa_kind k);

class Checker {
 public:
  Checker(HappensBefore& hb, const FileModel& files, const RuleSet& rules, bool latent);
  // B: a conflicting operation by thread x (checked before it is added as a write).
  // `origin`: the thread whose job B runs in (x itself when it works for itself).
  // `bsub`: the submission of B's job (nullptr: B's thread works for itself).
  void conflict(const Event& e, const Touch& t, uint32_t x, uint32_t origin, const SubmissionRef& bsub = nullptr);
  // W: a write-class op by thread t in the job submitted by `s` (nullptr: own work).
  void write(const Event& e, const Touch& t, uint32_t x, const SubmissionRef& s);
  // After an acquire on thread t: acknowledgments of writes t handed off.
  void acquired(const Event& e, uint32_t t);
  void process_exit(const Event& e, uint32_t x);
  void event_seen(const Event& e, uint32_t x);
  // Thread x started (after acquiring its creation `from`): its first job's start.
  void thread_started(uint32_t x, const ReleaseInfo* from);
  void finish();
  std::vector<RawFinding> take();
  uint64_t dropped_writes() const { return dropped_; }

 private:
  struct Pending {
    EvCopy w;
    Touch touch;
    uint32_t t = 0;        // executing thread
    Epoch ret;             // W's own stamp: knowing it = knowing W returned
    ClockSnap snap;        // what t knew at W (for "B happens-before W")
    SubmissionRef sub;  // shared with the job: a FIFO swap may revise it (boundaries.h)
    std::optional<EvCopy> ack;
    ClockSnap job_snap;    // what t knew at its first file call in W's job (job_first_)
    bool failed = false, lost_reported = false, unlisted = false;
    bool offloaded() const { return sub && sub->by.t != t; }
  };
  struct Recent {
    EvCopy b;
    Touch touch;
    uint32_t x = 0, origin = 0;
    ClockSnap snap;
    const ConflictRule* rule = nullptr;
    SubmissionRef bsub;  // the submission of B's job, when B ran on a helper
  };
  struct FileState {
    std::deque<std::shared_ptr<Pending>> writes;
    Ring<Recent, 16> recent;  // kRecentPerFile
    uint64_t last_t = 0;
  };
  void pair(const Pending& w, const EvCopy& b, const Touch& bt, uint32_t x, uint32_t b_origin,
            const ClockSnap& bsnap, const ConflictRule* rule, bool b_first, const SubmissionRef& bsub = nullptr);
  void lost(Pending& w, const EvCopy* b);
  void emit(RawFinding f, const Pending& w);
  void gc(uint64_t now);
  void release_pins(const Pending& p);

  HappensBefore& hb_;
  const FileModel& files_;
  const RuleSet& rules_;
  bool latent_;
  std::unordered_map<uint32_t, FileState> state_;
  // Handed-off writes not yet acknowledged: by origin, then by executing
  // thread, oldest first (a thread's epochs grow, so an acquire acks a prefix).
  using WriterQueues = std::unordered_map<uint32_t, std::deque<std::shared_ptr<Pending>>>;
  std::unordered_map<uint32_t, WriterQueues> unacked_;
  // Per thread: its current job (the handoff that started it) and what the
  // thread knew when that job started: at the thread's start for the job
  // that created it, else at the job's first file call (no later than that
  // the job ran).
  struct JobSeen {
    Epoch by;
    bool seen = false;
    bool at_start = false;  // snap is the thread's start: still its first job
    ClockSnap snap;
  };
  std::unordered_map<uint32_t, JobSeen> job_first_;
  const ClockSnap& job_seen(uint32_t x, const SubmissionRef& job);
  std::array<const ConflictRule*, AA_KIND_COUNT> rule_for_{};  // conflict_rule() by kind
  std::vector<uint64_t> last_t_;  // per thread: time of its latest event
  std::vector<RawFinding> findings_;
  // Findings as they are found, deduplicated by kind, confidence, conflict,
  // call sites (stack ids) and op kinds.  The strings are views of literals
  // and rule names, which outlive the checker.
  struct DedupKey {
    std::string_view kind, confidence, conflict;
    uint32_t proc = 0, wstack = 0, bstack = 0;
    uint16_t wkind = 0, bkind = 0;
    bool operator==(const DedupKey&) const = default;
  };
  struct DedupHash {
    size_t operator()(const DedupKey& k) const {
      size_t h = std::hash<std::string_view>()(k.conflict) ^ (k.kind.size() << 1) ^ (k.confidence.size() << 7);
      for (uint64_t v : {uint64_t(k.proc), uint64_t(k.wstack) << 20 | k.bstack, uint64_t(k.wkind) << 16 | k.bkind})
        h = (h ^ v) * 0x9e3779b97f4a7c15ull;
      return h;
    }
  };
  // Key -> group: the indices in findings_ of its alternatives (at most
  // kAlternatives; more distinct submissions count towards the first).
  std::unordered_map<DedupKey, uint32_t, DedupHash> dedup_;
  std::vector<std::vector<uint32_t>> groups_;
  static constexpr size_t kAlternatives = 8;
  uint64_t dropped_ = 0, events_ = 0;
};

}  // namespace aa
