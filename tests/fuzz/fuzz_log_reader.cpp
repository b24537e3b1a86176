// libFuzzer target for the log reader and the dump renderers.  The contract
// under test: any bytes given as a log either fail with ToolError(kExitDataErr)
// or decode (possibly partially, with problems noted); never another
// exception, a crash, an out-of-bounds read (ASan) or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "dump_format.h"
#include "exit_codes.h"
#include "log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Straight from libFuzzer's buffer: no file, no mmap, no page dropping, so
  // an execution costs only the decoding (a memfd and open-by-path per input
  // held this target at ~430 exec/s).  The path route (mmap, fstat) is
  // covered by the unit and integration tests.
  try {
    aa::LogSet logs = aa::LogSet::open_memory(std::span<const uint8_t>(data, size), "fuzz.aalog");
    fmt::memory_buffer out;
    for (const auto& p : logs.processes()) {
      aa::append_text_process(out, p);
      (void)aa::process_json(p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    uint64_t n = 0;
    logs.for_each([&](const aa::Event& ev) {
      out.clear();
      aa::append_text_record(out, ev, logs.min_time());
      (void)aa::record_json(ev, logs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      ++n;
    });
    if (n != logs.processes()[0].records) std::abort();  // the index and the stream must agree
    for (const auto& m : logs.maps(0)) (void)m.text.size();
  } catch (const aa::ToolError& e) {
    if (e.code != aa::kExitDataErr) std::abort();
  }
  return 0;
}
