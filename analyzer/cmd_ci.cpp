// `awaitaudit ci [options] -- COMMAND [ARGS...]`: the CI wrapper (DESIGN.md
// §6, issue 4).  Runs the test command under the shim, optionally again with
// seeded random delays, then confirms latent suspects with delays targeted at
// their write sites, and reports the merged verdict: manifested = error,
// ordered under delay = dropped, still unclear = warning.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "adapters_env.h"
#include "analyze_entry.h"
#include "analyze_options_cli.h"
#include "ci_analyze.h"
#include "ci_merge.h"
#include "ci_output.h"
#include "ci_runner.h"
#include "ci_summary.h"
#include "ci_visibility.h"
#include "command.h"
#include "exit_codes.h"
#include "report_html.h"
#include "report_junit.h"
#include "report_sarif.h"

namespace aa {
namespace {

struct CiOptions {
  std::vector<std::string> command;
  // One perturbed run by default: a plain run often schedules a premature
  // observation so that nothing is even suspect (tokio reuses the pool thread
  // that just wrote); delaying every write forces the other schedule.
  int seeds = 1;
  std::string delay = "2ms";
  double seed_delay_prob = 1.0;
  bool confirm = true;
  int confirm_rounds = 2;
  std::string logs = "awaitaudit-ci-logs";
  std::vector<std::string> exclude;
  bool default_exclude = true;
  std::string stacks = "32";
  bool adapters = true;  // load the Node.js/Python runtime adapters (adapters_env.h)
};

std::string join_command(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'";
  }
  return s;
}

std::string exclude_list(const CiOptions& c) {
  std::string list = c.default_exclude ? kDefaultCiExclude : "";
  for (const auto& g : c.exclude) list += (list.empty() ? "" : ":") + g;
  if (const char* env = std::getenv("AWAITAUDIT_EXCLUDE"); env && *env) list += (list.empty() ? "" : ":") + std::string(env);
  return list;
}

// The shim reads "<module path> <hex offset>" lines; the analysis may write
// "<module path>+0x<offset>".  Accept both, emit the shim's form.
std::string shim_site_line(const std::string& line) {
  if (line.find_first_of(" \t") != std::string::npos) return line;
  auto plus = line.rfind("+0x");
  if (plus == std::string::npos) return line;
  return line.substr(0, plus) + " " + line.substr(plus + 1);
}

// Union of the delay-site lines of every run so far, written for the shim.
size_t write_delay_sites(const std::vector<CiRun>& runs, const std::string& path) {
  std::set<std::string> lines;
  for (const auto& r : runs) {
    std::ifstream in(r.log_dir + "/delay-sites.txt");
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line[0] != '#') lines.insert(shim_site_line(line));
  }
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  write_output_file(path, text);
  return lines.size();
}

int run_ci(CiOptions c, AnalyzeOptions opts) {
  if (c.command.empty())
    throw ToolError(kExitUsage, "ci: no test command given (usage: awaitaudit ci [options] -- COMMAND [ARGS...])");
  for (const auto* out : {&opts.sarif_out, &opts.junit_out, &opts.json_out, &opts.html_out}) check_output_path(*out);
  resolve_command(c.command[0]);
  std::string shim = find_shim();
  // Absolute: test drivers (ctest, cargo) run tests in other directories, and
  // the shim resolves a relative AWAITAUDIT_DIR against each process's cwd.
  c.logs = std::filesystem::absolute(c.logs).lexically_normal().string();
  std::string cmdline = join_command(c.command);
  // With --json the report owns stdout; progress goes to stderr.
  FILE* progress = opts.json ? stderr : stdout;

  std::map<std::string, std::string> base_env = {
      {"AWAITAUDIT_EXCLUDE", exclude_list(c)},
      {"AWAITAUDIT_STACKS", std::getenv("AWAITAUDIT_STACKS") ? std::getenv("AWAITAUDIT_STACKS") : c.stacks},
      {"AWAITAUDIT_DELAY", ""}, {"AWAITAUDIT_DELAY_PROB", ""}, {"AWAITAUDIT_DELAY_SEED", ""},
      {"AWAITAUDIT_DELAY_SITES", ""}, {"AWAITAUDIT_OFF", ""}};
  add_adapter_env(base_env, c.adapters);

  std::vector<CiRun> runs;
  auto do_run = [&](const std::string& label, RunRole role, std::map<std::string, std::string> extra) {
    CiRun run;
    run.label = label;
    run.role = role;
    run.log_dir = c.logs + "/" + label;
    prepare_log_dir(run.log_dir);
    auto env = base_env;
    env["AWAITAUDIT_DIR"] = run.log_dir;
    for (auto& [k, v] : extra) env[k] = v;
    std::fprintf(progress, "awaitaudit ci: run %s: %s\n", label.c_str(), cmdline.c_str());
    std::fflush(progress);
    CommandResult res = run_under_shim(c.command, shim, env);
    run.exit_code = res.exit_code;
    run.seconds = res.seconds;
    AnalyzeOptions a = opts;
    a.inputs = {run.log_dir};
    a.delay_sites_out = run.log_dir + "/delay-sites.txt";
    a.show_latent = true;  // latent suspects drive confirmation; --no-latent applies to the verdict only
    try {
      run.report = analyze_to_json(a);
    } catch (const ToolError& e) {
      if (e.code != kExitNoInput) throw;
      run.report = {{"processes", nlohmann::json::array()},
                    {"notes", {{{"level", "warning"}, {"pid", 0},
                                {"message", fmt::format("run {}: no process was traced ({})", label, e.what())}}}},
                    {"findings", nlohmann::json::array()}};
    }
    runs.push_back(std::move(run));
  };

  do_run("plain", RunRole::Plain, {});
  for (int s = 1; s <= c.seeds; ++s)
    do_run(fmt::format("seed-{}", s), RunRole::Seeded,
           {{"AWAITAUDIT_DELAY", c.delay}, {"AWAITAUDIT_DELAY_PROB", fmt::format("{}", c.seed_delay_prob)},
            {"AWAITAUDIT_DELAY_SEED", std::to_string(s)}});

  if (c.confirm) {
    std::vector<std::string> targeted;
    for (int round = 1; round <= c.confirm_rounds; ++round) {
      // A suspect that manifested in some run is an error already; only the
      // ones never seen manifested need the targeted delay.
      std::set<std::string> manifested;
      for (const auto& r : runs)
        for (const auto& f : r.report.value("findings", nlohmann::json::array()))
          if (f.value("confidence", "") != "latent") manifested.insert(finding_key(f));
      std::vector<std::string> fresh;
      for (const auto& r : runs)
        for (auto& k : new_latent_keys(r.report, targeted))
          if (!manifested.count(k) && std::find(fresh.begin(), fresh.end(), k) == fresh.end()) fresh.push_back(k);
      // A suspect still latent under its own targeted delay gets one more
      // try.  The delay makes a real premature observation enter while the
      // write sleeps (manifested); one that still comes after the write is
      // either waiting through something the log cannot show (tokio's
      // atomics) or was itself held up (measured: the GLib twin's main
      // thread preempted for the whole 2 ms in 2 of 20 runs).  An
      // independent second run tells the two apart far more often than not.
      size_t again = 0;
      if (!runs.empty() && runs.back().role == RunRole::Confirm)
        for (auto& k : new_latent_keys(runs.back().report, {}))
          if (!manifested.count(k) && std::find(fresh.begin(), fresh.end(), k) == fresh.end()) {
            fresh.push_back(k);
            ++again;
          }
      if (fresh.empty()) break;
      std::string sites = fmt::format("{}/confirm-{}.sites", c.logs, round);
      size_t n = write_delay_sites(runs, sites);
      if (n == 0) {
        std::fprintf(progress, "awaitaudit ci: %zu latent suspect%s but no write call sites (stacks off?): "
                               "unresolved\n", fresh.size(), fresh.size() == 1 ? "" : "s");
        break;
      }
      for (const auto& k : fresh)
        if (std::find(targeted.begin(), targeted.end(), k) == targeted.end()) targeted.push_back(k);
      std::fprintf(progress, "awaitaudit ci: confirming %zu latent suspect%s (%zu again) with delays on %zu write site%s\n",
                   fresh.size(), fresh.size() == 1 ? "" : "s", again, n, n == 1 ? "" : "s");
      do_run(fmt::format("confirm-{}", round), RunRole::Confirm,
             {{"AWAITAUDIT_DELAY", c.delay}, {"AWAITAUDIT_DELAY_PROB", "1"}, {"AWAITAUDIT_DELAY_SITES", sites}});
    }
  }

  nlohmann::json merged = merge_runs(runs);
  if (!opts.show_latent) {
    auto& fs = merged["findings"];
    for (auto it = fs.begin(); it != fs.end();)
      it = it->value("unresolved", false) ? fs.erase(it) : it + 1;
  }
  std::vector<std::string> dirs;
  for (const auto& r : runs) dirs.push_back(r.log_dir);
  nlohmann::json unseen = nlohmann::json::array();
  for (const auto& u : find_unseen_execs(dirs)) {
    unseen.push_back({{"path", u.path}, {"reason", u.reason}, {"pid", u.pid}, {"by", u.by}});
    merged["notes"].push_back({{"level", "warning"}, {"pid", u.pid}, {"source", "ci"},
                               {"message", fmt::format("{} was not audited: {}", u.path, u.reason)}});
  }
  merged["ci"]["not_audited"] = unseen;
  merged["ci"]["command"] = c.command;

  int failing = count_failing(merged, opts.fail_on);
  int code = failing ? kExitFindings : runs[0].exit_code != 0 ? kExitTestFailed : kExitClean;

  if (!opts.sarif_out.empty()) write_sarif(merged, opts.sarif_out);
  if (!opts.junit_out.empty()) write_junit(merged, opts.junit_out);
  if (!opts.html_out.empty()) write_html(merged, opts.html_out);
  if (!opts.json_out.empty()) write_output_file(opts.json_out, merged.dump(2) + "\n");
  if (opts.json) std::cout << merged.dump(2) << std::endl;
  std::string summary = render_ci_summary(merged, cmdline, opts.fail_on, code);
  if (code == kExitTestFailed) summary += fmt::format("the test command itself failed (exit {})\n", runs[0].exit_code);
  std::fputs(summary.c_str(), progress);
  return code;
}

void setup_ci(CLI::App& sub, int& exit_code) {
  static AnalyzeOptions opts;
  static CiOptions c;
  add_analyze_options(sub, opts);
  sub.add_option("--seeds", c.seeds, "perturbed runs after the plain one (delay seeds 1..N; 0 = none)")
      ->check(CLI::Range(0, 1000))
      ->default_str("1");
  sub.add_option("--delay", c.delay, "delay for perturbed and confirmation runs")->default_str("2ms");
  sub.add_option("--delay-prob", c.seed_delay_prob,
                 "probability of delaying each write in --seeds runs (below 1, each seed delays different writes)")
      ->check(CLI::Range(0.0, 1.0))
      ->default_str("1");
  sub.add_flag_callback("--no-adapters", [] { c.adapters = false; }, "do not load the Node.js/Python runtime adapters");
  sub.add_flag_callback("--no-confirm", [] { c.confirm = false; }, "skip the confirmation run for latent suspects");
  sub.add_option("--confirm-rounds", c.confirm_rounds, "confirmation runs at most (new suspects start another)")
      ->check(CLI::Range(1, 10))
      ->default_str("2");
  sub.add_option("--logs", c.logs, "directory for the runs' logs (old logs in it are replaced)")
      ->default_str("awaitaudit-ci-logs");
  sub.add_option("--exclude", c.exclude, "program name glob not to trace (its children still are); repeatable")
      ->allow_extra_args(false);
  sub.add_flag_callback("--no-default-exclude", [] { c.default_exclude = false; },
                        "trace compilers and build tools too");
  sub.add_option("--stacks", c.stacks, "stack depth recorded (0 = off; needed for source lines and confirmation)")
      ->default_str("32");
  sub.add_option("command", c.command, "the test command, after --");
  sub.callback([&exit_code] {
    finish_analyze_options(opts);
    exit_code = run_ci(c, opts);
  });
}

}  // namespace
AA_COMMAND("ci", "run a test command under the shim, confirm suspects with targeted delays, report for CI", setup_ci);
}  // namespace aa
