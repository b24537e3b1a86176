// The whole run as a Chrome trace event file (JSON), loadable in
// ui.perfetto.dev and chrome://tracing: one track per thread, every call a
// complete ("X") slice, happens-before handoffs as flow arrows (s/f pairs),
// findings as instant events.  Written while the logs stream past: memory
// holds only the last release per sync object and the channel fds, not the run.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "log_reader.h"

namespace aa {

struct PerfettoStats {
  uint64_t slices = 0, flows = 0, findings = 0, threads = 0;
};

// `findings` may be null (no instant events).  `out_path` "-" is stdout.
// Throws ToolError(kExitCantCreate) when the output cannot be written.
PerfettoStats export_perfetto(const LogSet& logs, const nlohmann::json* findings, const std::string& out_path);

}  // namespace aa
