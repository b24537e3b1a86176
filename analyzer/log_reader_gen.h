// A synthetic log generator in the shim's exact format, for reader tests, the
// analyzer benchmark and fuzz seeds (`awaitaudit gen-log`).  It models a
// program whose main thread hands file writes to a small pool through futex
// handoffs, as tokio's blocking pool does.
#pragma once
#include <cstdint>
#include <string>

#include "preload/log_format.h"

namespace aa {

struct GenOptions {
  uint64_t records = 1000;     // records passed on by the reader (meta records not counted)
  int threads = 4;             // main thread + pool workers
  int files = 8;               // distinct file paths the jobs write
  uint32_t chunk_size = AA_DEFAULT_CHUNK_SIZE;
  bool stacks = false;         // emit STACK records and stack ids
  uint64_t unfinished_every = 0;  // every Nth record also gets an unfinished (kind 0) twin
  uint64_t seed = 1;
  int32_t pid = 4242;
  bool clean_exit = true;
  int premature_pct = 10;      // jobs whose stat does not wait for the write
};

struct GenResult {
  uint64_t records = 0;     // what for_each will pass on
  uint64_t unfinished = 0;  // kind-0 records written
  uint64_t stacks = 0;      // distinct STACK records written
  uint64_t bytes = 0;       // file size
};

// Writes the log to `path`; throws ToolError(kExitCantCreate) when it cannot.
GenResult generate_log(const std::string& path, const GenOptions& opts);

}  // namespace aa
