// Stage 5: findings as the JSON object of docs/findings-schema.md, the plain
// data every report (text, JSON, SARIF, JUnit, HTML) renders.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "check_conflicts.h"
#include "log_reader.h"
#include "rules.h"

namespace aa {

struct Note {
  std::string level;  // "warning" | "note"
  int32_t pid = 0;
  std::string message;
};

struct ReportInput {
  const LogSet* logs = nullptr;
  const RuleSet* rules = nullptr;
  std::vector<RawFinding> raw;
  std::vector<Note> notes;
  bool show_latent = true;
};

// Symbolizes, matches profiles, applies suppressions, merges findings that
// look the same once symbolized, and fills in the summary.
nlohmann::json build_report(ReportInput in);

// Exit code for --fail-on: kExitFindings when findings at or above it exist.
int exit_code_for(const nlohmann::json& report, const std::string& fail_on);

}  // namespace aa
