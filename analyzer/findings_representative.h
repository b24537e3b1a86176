// Which occurrence a deduplicated finding shows.
//
// The user's line of an offloaded write is often only in its submission (a
// tokio pool thread's stack holds the runtime's closure, not the caller's
// `write_all`), and likewise for an overtaker that ran on a pool thread
// (`metadata()`'s statx).  Which handoff started a job is inferred
// (boundaries.h); where the log cannot order two pops — a new pool thread
// racing a woken one, two threads woken within 100 µs — a job can be
// matched to its neighbour's handoff, even one marked sure (measured on
// tokio: the first sure occurrence, once the one shown, was such a
// start-up pop in 6 of 120 runs).  One such occurrence must not decide the lines
// shown for hundreds matched correctly.  So the checker keeps a finding's
// occurrences apart by the submissions they named (RawFinding::group), and
// the report shows the alternative that is, in order:
//   1. consistent with the runtime profile: its write's submission passes
//      through the profile's submitting API (tokio's write job was handed
//      out by `poll_write`, not by `metadata()` or `File::create`), and an
//      overtaker that is not a write was not handed out by it;
//   2. consistent with itself: the write's job and the overtaker's job are
//      not one handoff (each handoff starts at most one job);
//   3. named by the most occurrences (a misordered pop is an accident of
//      timing, the program's own call site repeats), then by the most
//      occurrences that were sure, then sure as it stands now.
// The shown alternative carries the whole group's count and files.
#pragma once
#include <functional>
#include <vector>

#include "check_conflicts.h"

namespace aa {

// Whether a finding's submissions pass through the submitting API its
// runtime profile names (false when there is no such profile, no such
// submission, or the profile is a generic fallback naming only a thread).
struct ApiFit {
  bool submission = false;
  bool overtaker_submission = false;
};

std::vector<RawFinding> choose_representatives(std::vector<RawFinding> raw,
                                               const std::function<ApiFit(const RawFinding&)>& fit);

}  // namespace aa
