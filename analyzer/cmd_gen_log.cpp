// `awaitaudit gen-log` (hidden, for development): writes a synthetic log in
// the shim's format, for the benchmark and the reader's tests.
#include <cstdio>

#include "command.h"
#include "log_reader_gen.h"

namespace aa {
namespace {
void setup_gen_log(CLI::App& sub, int& exit_code) {
  static GenOptions o;
  static std::string out;
  sub.group("");  // hidden from --help
  sub.add_option("--records", o.records, "records to write (meta records not counted)");
  sub.add_option("--threads", o.threads, "threads: main + pool workers")->check(CLI::Range(1, 100000));
  sub.add_option("--files", o.files, "distinct file paths")->check(CLI::Range(1, 1000000));
  sub.add_option("--chunk-size", o.chunk_size, "bytes per chunk");
  sub.add_option("--seed", o.seed, "random seed");
  sub.add_option("--pid", o.pid, "pid written in the header");
  sub.add_option("--unfinished-every", o.unfinished_every, "add an unfinished (kind 0) record every N records");
  sub.add_option("--premature-pct", o.premature_pct, "percent of jobs whose stat does not wait")->check(CLI::Range(0, 100));
  sub.add_flag("--stacks", o.stacks, "write STACK records and stack ids");
  sub.add_flag("!--killed", o.clean_exit, "mark the process as not exited cleanly");
  sub.add_option("out", out, "output file (*.aalog)")->required();
  sub.callback([&exit_code] {
    GenResult r = generate_log(out, o);
    std::printf("%s: %llu records, %llu unfinished, %llu stacks, %llu bytes\n", out.c_str(),
                static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.unfinished),
                static_cast<unsigned long long>(r.stacks), static_cast<unsigned long long>(r.bytes));
    exit_code = 0;
  });
}
}  // namespace
AA_COMMAND("gen-log", "write a synthetic log (development)", setup_gen_log);
}  // namespace aa
