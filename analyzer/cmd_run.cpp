// `awaitaudit run [options] -- CMD ARGS...`: runs a command under the shim
// with a fresh log directory, then analyses the logs (unless --no-analyze).
// Exit: 1 when findings reach --fail-on, else the command's own status.
#include <unistd.h>

#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "adapters_env.h"
#include "analyze_entry.h"
#include "analyze_options_cli.h"
#include "ci_runner.h"
#include "ci_visibility.h"
#include "command.h"
#include "exit_codes.h"
#include "launch_log_dir.h"

namespace aa {
namespace {

struct RunOptions {
  std::vector<std::string> command;
  std::string log_dir;
  std::string stacks;  // "" = off; "1" = shim default depth; N = depth
  std::string delay, delay_prob, delay_seed, delay_sites;
  bool no_analyze = false;
  bool no_adapters = false;
  AnalyzeOptions analyze;
};

int run_run(RunOptions& o) {
  if (o.command.empty())
    throw ToolError(kExitUsage, "run: no command given (usage: awaitaudit run [options] -- COMMAND [ARGS...])");
  if (!o.delay_sites.empty() && ::access(o.delay_sites.c_str(), R_OK) != 0)
    throw ToolError(kExitNoInput, fmt::format("--delay-sites {}: cannot read it", o.delay_sites));
  std::string exe = resolve_command(o.command[0]);
  std::string shim = find_shim();
  if (std::string why = untraceable_reason(exe); !why.empty())
    std::fprintf(stderr, "awaitaudit: warning: %s is %s: the shim cannot see its calls\n", exe.c_str(), why.c_str());
  std::string dir = make_run_log_dir(o.log_dir);

  // Empty values unset the variable, so an inherited setting cannot leak in.
  std::map<std::string, std::string> env = {
      {"AWAITAUDIT_DIR", dir},           {"AWAITAUDIT_STACKS", o.stacks},
      {"AWAITAUDIT_DELAY", o.delay},     {"AWAITAUDIT_DELAY_PROB", o.delay_prob},
      {"AWAITAUDIT_DELAY_SEED", o.delay_seed}, {"AWAITAUDIT_DELAY_SITES", o.delay_sites}};
  add_adapter_env(env, !o.no_adapters);
  CommandResult res = run_under_shim(o.command, shim, env);
  std::fprintf(stderr, "awaitaudit: logs in %s\n", dir.c_str());
  if (o.no_analyze) return res.exit_code;

  finish_analyze_options(o.analyze);
  o.analyze.inputs = {dir};
  std::fflush(stdout);
  int verdict = run_analysis(o.analyze);
  return verdict == kExitFindings ? kExitFindings : res.exit_code;
}

void setup_run(CLI::App& sub, int& exit_code) {
  static RunOptions o;
  sub.add_option("--log-dir", o.log_dir, "fresh directory for the logs (default ./awaitaudit-logs/run-<time>-<pid>)");
  sub.add_flag("--stacks{1}", o.stacks, "record stacks; --stacks=N sets the depth");
  sub.add_option("--delay", o.delay, "delay writes to regular files by this long (e.g. 2ms)");
  sub.add_option("--delay-prob", o.delay_prob, "probability of delaying each write (0..1)");
  sub.add_option("--delay-seed", o.delay_seed, "seed for the delay decisions");
  sub.add_option("--delay-sites", o.delay_sites, "delay only writes from the call sites in FILE (from --delay-sites-out)");
  sub.add_flag("--no-analyze", o.no_analyze, "only run and log; analyse later with `awaitaudit analyze DIR`");
  sub.add_flag("--no-adapters", o.no_adapters, "do not load the Node.js/Python runtime adapters");
  add_analyze_options(sub, o.analyze);
  sub.add_option("command", o.command, "the command and its arguments, after --");
  sub.callback([&exit_code] { exit_code = run_run(o); });
}

}  // namespace
AA_COMMAND("run", "run a command under the shim, then analyse its logs", setup_run);
}  // namespace aa
