// `awaitaudit dump [--json] LOG|DIR...`: every record in merge order, like
// `strace -f -tt`, or as JSON Lines for machines (docs/dump-json.md).
#include <cstdio>
#include <chrono>

#include "command.h"
#include "dump_format.h"
#include "log_reader.h"

namespace aa {
namespace {

struct DumpOptions {
  std::vector<std::string> inputs;
  bool json = false;
  bool count = false;
};

// Writes in large blocks: a dump can be gigabytes.
class Out {
 public:
  fmt::memory_buffer buf;
  void maybe_flush() {
    if (buf.size() >= (1u << 16)) flush();
  }
  void flush() {
    std::fwrite(buf.data(), 1, buf.size(), stdout);
    buf.clear();
  }
};

void warn_problems(const LogSet& logs) {
  for (const auto& p : logs.processes())
    for (const auto& pr : p.problems) std::fprintf(stderr, "awaitaudit: warning: %s: %s\n", p.log_path.c_str(), pr.c_str());
}

int run_dump(const DumpOptions& o) {
  auto t_start = std::chrono::steady_clock::now();
  LogSet logs = LogSet::open(o.inputs);
  warn_problems(logs);
  Out out;
  if (o.count) {
    // Decodes and merges everything, prints nothing per record: the reader's
    // own throughput, for scripts/bench-analyzer.
    uint64_t n = 0, sum = 0;
    logs.for_each([&](const Event& ev) {
      ++n;
      sum += ev.t_enter;
    });
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::printf("records %llu\nseconds %.3f\nrecords_per_s %.0f\nchecksum %llu\n", static_cast<unsigned long long>(n), s,
                s > 0 ? n / s : 0.0, static_cast<unsigned long long>(sum));
    return 0;
  }
  if (o.json) {
    for (const auto& p : logs.processes()) {
      fmt::format_to(std::back_inserter(out.buf), "{}\n",
                     process_json(p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    logs.for_each([&](const Event& ev) {
      fmt::format_to(std::back_inserter(out.buf), "{}\n",
                     record_json(ev, logs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      out.maybe_flush();
    });
  } else {
    for (const auto& p : logs.processes()) append_text_process(out.buf, p);
    uint64_t t0 = logs.min_time();
    logs.for_each([&](const Event& ev) {
      append_text_record(out.buf, ev, t0);
      out.maybe_flush();
    });
  }
  out.flush();
  std::fflush(stdout);
  return 0;
}

void setup_dump(CLI::App& sub, int& exit_code) {
  static DumpOptions opts;
  sub.add_flag("--json", opts.json, "JSON Lines: one process line per log, then one line per record");
  sub.add_flag("--count", opts.count, "decode and merge without printing records; print count and rate");
  sub.add_option("logs", opts.inputs, "log files (*.aalog) or directories holding them")->required();
  sub.callback([&exit_code] { exit_code = run_dump(opts); });
}

}  // namespace
AA_COMMAND("dump", "print the records of logs in time order (strace-like, or --json)", setup_dump);
}  // namespace aa
