// How `awaitaudit dump` renders records: strace-like text, or JSON Lines
// (the shim's tests parse the JSON, so its field names are a contract:
// documented in docs/dump-json.md).
#pragma once
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "event.h"
#include "log_reader.h"

namespace aa {

// "ENOENT" for 2; "E<n>" when glibc has no name; "" for 0.
std::string errno_name(int err);

// `<pid>/<tid> <µs since t0> kind(args) = ret [ERRNO] <seconds>` plus a newline.
void append_text_record(fmt::memory_buffer& out, const Event& ev, uint64_t t0);
// `# pid ...` comment lines describing one log.
void append_text_process(fmt::memory_buffer& out, const ProcessInfo& p);

nlohmann::json process_json(const ProcessInfo& p);
nlohmann::json record_json(const Event& ev, const LogSet& logs);

}  // namespace aa
