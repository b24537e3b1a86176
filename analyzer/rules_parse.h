// Parsers behind RuleSet::load, split out so tests and the fuzz target can
// feed them text directly.  All of them throw only ToolError(kExitDataErr)
// with a "FILE:LINE: message" text.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules.h"

namespace aa::rules_parse {

// A TOML rule file (rules/README.md): any of internal_frames, runtime,
// runtime_frames, [[profile]], [[conflict]].  `origin` names the file in errors.
void rule_text(std::string_view text, const std::string& origin, RuleSet& into);
void rule_file(const std::string& path, RuleSet& into);

// A suppression file: `kind:pattern` lines and `#` comments.
void suppression_text(std::string_view text, const std::string& origin, std::vector<Suppression>& into);
void suppression_file(const std::string& path, std::vector<Suppression>& into);

// Log-format kind names ("statx", "pwrite", case-insensitive) and class names
// ("READ", "WRITE", ...) from the AA_KINDS table.
std::optional<aa_kind> kind_named(std::string_view name);
std::optional<std::vector<aa_kind>> kinds_of_class(std::string_view cls);

}  // namespace aa::rules_parse
