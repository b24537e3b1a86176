// Stage 1: read.  Opens logs (files or directories of *.aalog), validates them
// and streams their records merged into one global order.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "event.h"

namespace aa {

// True for events whose effect on ordering happens when they return: waits
// and futex wait ops returning, locks taken, thread start, join, waitpid, and
// reads of any fd (a channel read acquires what its writer released).
bool acquires_at_exit(const Event& ev);
// The time for_each merges by: t_exit for acquires, t_enter for the rest.
uint64_t merge_time(const Event& ev);

class LogSet {
 public:
  // Throws ToolError(kExitNoInput) for missing paths / directories without
  // logs, ToolError(kExitDataErr) for files that are not awaitaudit logs or
  // whose header is corrupt.  Damage inside chunks is not fatal: it is counted
  // in ProcessInfo::skipped/problems and decoding goes on.
  static LogSet open(const std::vector<std::string>& paths_or_dirs);
  // One log already in memory (fuzzing, tests): same validation and errors as
  // open(); `name` stands for the path in messages.  The bytes are not copied
  // and must outlive the LogSet.
  static LogSet open_memory(std::span<const uint8_t> bytes, const std::string& name);

  const std::vector<ProcessInfo>& processes() const;

  // Streams every record of every process once, in merge order: each thread's
  // records in their own order, threads interleaved by time key, where the key
  // is t_exit for events that acquire (waits/locks returning, channel reads,
  // thread start, join) and t_enter for everything else.  Streaming: memory
  // does not grow with the log.  STACK and MAPS records are not passed here.
  void for_each(const std::function<void(const Event&)>& fn) const;

  // Interned stack of a process (empty when unknown / stacks off).
  std::span<const uint64_t> stack(uint32_t proc, uint32_t stack_id) const;

  // Memory-map snapshots (/proc/self/maps text) of a process, oldest first,
  // with the time each was taken; symbolizers use the latest one taken
  // before the event, falling back to the last.
  struct Maps { uint64_t t; std::string_view text; };
  const std::vector<Maps>& maps(uint32_t proc) const;

  // Earliest t_enter of any record for_each passes on (0 when there is none);
  // `dump` prints times relative to it.
  uint64_t min_time() const;

  LogSet(LogSet&&) noexcept;
  LogSet& operator=(LogSet&&) noexcept;
  ~LogSet();

 private:
  struct Impl;
  explicit LogSet(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aa
