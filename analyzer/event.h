// Plain data between the log reader and every later stage.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "preload/log_format.h"

namespace aa {

struct StatInfo {
  uint64_t dev = 0, ino = 0;
  int64_t size = 0;
  uint32_t mode = 0, nlink = 0;
  int64_t mtime_ns = 0, btime_ns = 0;
};

// One decoded record.  Views (path, path2, ips) point into the mapped log and
// stay valid while the LogSet that produced the event is alive.
struct Event {
  uint32_t proc = 0;  // index into LogSet::processes()
  aa_kind kind = AA_KIND_NONE;
  uint16_t flags = 0;
  int32_t pid = 0, tid = 0;
  uint32_t stack_id = 0;
  uint64_t t_enter = 0, t_exit = 0;
  int64_t ret = 0;
  int32_t err = 0;
  uint32_t seq = 0;
  int64_t a[6] = {0, 0, 0, 0, 0, 0};
  std::optional<StatInfo> st;
  std::string_view path, path2;
  std::span<const uint64_t> data;  // STACK: instruction pointers
};

struct ProcessInfo {
  int32_t pid = 0, ppid = 0;
  std::string exe, cwd;
  std::vector<std::string> argv;
  std::string log_path;
  uint64_t start_mono_ns = 0, start_real_ns = 0;
  uint64_t log_id = 0, parent_log_id = 0;
  uint32_t stack_depth = 0;
  bool clean_exit = false;
  uint64_t records = 0;  // decoded records
  uint64_t skipped = 0;  // unfinished or undecodable records
  uint32_t records_dropped = 0;  // records the shim had no room for (header)
  uint64_t markers = 0;  // MARKER records (runtime adapters); 0 lets the analysis skip marker tracking
  std::vector<std::string> problems;  // e.g. "chunk 7: bad magic, skipped"
};

// Names from the AA_KINDS table.
const char* kind_name(aa_kind k);
aa_class kind_class(aa_kind k);
const char* kind_args(aa_kind k);  // "fd,count,offset,..."

}  // namespace aa
