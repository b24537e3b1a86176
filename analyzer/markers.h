// Runtime adapter markers (preload/adapters/): the logical request and
// delivery of file operations, and the user's source lines, as the Node.js
// and Python adapters wrote them into the log (MARKER records, JSON text).
//
// Where markers give an operation's request and delivery they define its
// await boundary (request = submission, delivered = acknowledgment) and take
// precedence over what the syscalls suggest: a conflicting call B on the
// requesting thread after the request and before the delivery is a
// premature-completion finding; manifested when one of the request's effects
// (its writes, its creating open) returned after B entered, or never happened.
// This sees what the syscall level cannot: Node's createWriteStream defers
// even the open to a later tick, so a stat right after end() precedes every
// pool syscall of the write.
//
// Syscall-level findings whose write is an effect of a marked request are
// dropped (the markers judged it); the rest get the user's JS/Python frames
// where a marker names them.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check_conflicts.h"
#include "event.h"
#include "symbolize.h"

namespace aa {

// One decoded adapter marker.
struct Marker {
  enum Type { kRequest, kDelivered, kObserve, kSite, kJobStart, kJobEnd, kExit, kUnknown };
  Type type = kUnknown;
  std::string op, api, path, loc, fn;
  int64_t fd = -1;
  uint64_t id = 0;
  std::vector<uint64_t> pending;  // exit: requests not delivered
};

// Parses a MARKER record's JSON text; nullopt when it is not valid adapter JSON.
std::optional<Marker> parse_marker(std::string_view json);

// "/abs/file.js:12:5" or "/abs/file.py:12" -> a user frame (function = fn).
Frame marker_frame(const std::string& loc, const std::string& fn);

class MarkerAnalysis {
 public:
  explicit MarkerAnalysis(const std::vector<ProcessInfo>& procs);
  ~MarkerAnalysis();
  // Every event, in the reader's merge order.
  void feed(const Event& e);
  // Drops syscall findings the markers supersede, adds the marker findings,
  // and attaches user frames (RawFinding::write_user / overtaker_user).
  std::vector<RawFinding> refine(std::vector<RawFinding> syscall_findings);
  // Markers that were not valid adapter JSON (for a note); 0 normally.
  uint64_t bad_markers() const;
  bool any() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aa
