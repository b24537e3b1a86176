// Turning several runs of the same test command into one verdict (DESIGN.md
// §6): the plain run, optional seeded perturbation runs, and confirmation
// runs with targeted delays on the suspects' write sites.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aa {

enum class RunRole { Plain, Seeded, Confirm };

struct CiRun {
  std::string label;  // "plain", "seed-3", "confirm-1"
  RunRole role = RunRole::Plain;
  int exit_code = 0;  // the test command's
  double seconds = 0;
  std::string log_dir;
  nlohmann::json report;  // findings JSON of this run's logs
};

// Identity of a finding across runs: kind, rule, the operations and the code
// locations of the write and the overtaker (function/file/line, not
// addresses, which ASLR moves).  The data file's path is left out on purpose:
// tests often write to fresh temporary names.
std::string finding_key(const nlohmann::json& finding);

// Latent findings of `report` whose keys are not in `known`.
std::vector<std::string> new_latent_keys(const nlohmann::json& report, const std::vector<std::string>& known);

// The merged report (same schema; processes and notes of every run, findings
// deduplicated by key) with these verdicts:
//  - manifested in any run: kept as is (error, or the conflict's severity);
//  - latent only, and absent from the last confirmation run that targeted
//    it: dropped (the delay showed the write ordered), counted;
//  - latent in that confirmation run too, or never confirmed: a warning,
//    marked "unresolved".
// Adds "ci": {"runs": [...], "dropped": n, "unresolved": n} and per finding
// "runs": {"manifested": m, "latent": l, "of": total}; renumbers ids and
// recomputes "summary".
nlohmann::json merge_runs(const std::vector<CiRun>& runs);

// Number of findings at or above `fail_on` ("never" = none count).
int count_failing(const nlohmann::json& report, const std::string& fail_on);

}  // namespace aa
