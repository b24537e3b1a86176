// libFuzzer target for the log reader and the dump renderers.  The contract
// under test: any bytes given as a log either fail with ToolError(kExitDataErr)
// or decode (possibly partially, with problems noted); never another
// exception, a crash, an out-of-bounds read (ASan) or a hang.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dump_format.h"
#include "exit_codes.h"
#include "log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One memfd reused for every input: the reader opens logs by path.
  static int fd = memfd_create("aa-fuzz.aalog", 0);
  static std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))) std::abort();
  try {
    aa::LogSet logs = aa::LogSet::open({path});
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
