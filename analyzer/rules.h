// Rules are data (rules/*.toml): the conflict table, runtime profiles and
// suppressions.  This header is the analyzer's view of them.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event.h"
#include "symbolize.h"

namespace aa {

// Which operation kinds conflict with a pending write (rules/conflicts.toml).
struct ConflictRule {
  std::string name;        // "stat", "read", "fsync", "rename", "unlink", "last-close", "write", "exec", "exit", ...
  std::vector<aa_kind> kinds;
  std::string severity;    // "error" | "warning" | "note" (for manifested; latent is always at most "warning")
  std::string wording;     // "{op} on {file} overtook {write}" style template
  // When the kinds conflict: "" always; "overlap": only when the byte ranges
  // overlap (reads, writes); "last-fd": only the close of the file's last fd.
  std::string condition;
  std::string origin;      // file:line of the rule
};

// A runtime profile (rules/profiles/*.toml): frame patterns that name the
// submitting API and the user-facing fix.
struct Profile {
  std::string name;                        // "tokio-file-write"
  std::string runtime;                     // "tokio", "libuv", "node", "cpython", "glib", "pthread"
  std::vector<std::string> write_frames;   // glob patterns on function names / source files in the write's or submission's stack
  std::vector<std::string> observe_frames; // optional: patterns in the overtaking call's stack
  std::vector<std::string> runtime_frames; // frames that are runtime internals (not "user")
  std::string api;                         // "tokio::fs::File::write_all"
  std::string hint;                        // "call `flush().await` before observing the file"
  int priority = 0;                        // ties in match_profile go to the higher; generic fallbacks are < 0
  std::string origin;                      // file:line of the [[profile]]
};

struct Suppression {
  std::string kind;     // "premature" | "race" | "lost" | "path"
  std::string pattern;  // glob on symbol / source file (or path for "path:")
  std::string origin;   // file:line it came from
};

struct RuleSet {
  std::vector<ConflictRule> conflicts;
  std::vector<Profile> profiles;
  std::vector<Suppression> suppressions;
  std::vector<std::string> internal_frames;  // always non-user: libc, libawaitaudit, libstdc++, ...

  // Throws ToolError(kExitDataErr) with "file:line: message" on a bad file.
  static RuleSet load(const std::vector<std::string>& extra_rule_files = {},
                      const std::vector<std::string>& suppression_files = {});
  // As load(), from an explicit shipped-rules directory (tests).
  static RuleSet load_from(const std::string& rules_dir, const std::vector<std::string>& extra_rule_files = {},
                           const std::vector<std::string>& suppression_files = {});

  const ConflictRule* conflict_for(aa_kind k) const;
  // Best profile for a finding, given the write's, submission's and overtaker's stacks.
  const Profile* match_profile(const std::vector<Frame>& write_stack,
                               const std::vector<Frame>& submission_stack,
                               const std::vector<Frame>& overtaker_stack) const;
  bool is_user_frame(const Frame& f) const;
  // Returns the suppression that matches (kind "premature"/"race"/"lost"), or nullptr.
  const Suppression* suppressed(const std::string& finding_kind, const std::string& file_path,
                                const std::vector<const std::vector<Frame>*>& stacks) const;
};

// Whether a stack passes through the profile's submitting API (one of its
// write_frames): a submission stack that does not was another call's handoff.
bool names_profile_api(const Profile& p, const std::vector<Frame>& stack);

// Glob match with '*' and '?' over the whole text.
bool glob_match(std::string_view pattern, std::string_view text);

// TSan-style suppression pattern: a glob matched anywhere in the text unless
// anchored with a leading '^' and/or trailing '$'.
bool suppression_match(std::string_view pattern, std::string_view text);

// Fills a ConflictRule::wording template.  Known placeholders: {op} {file}
// {write} {tid} {origin_tid}; unknown ones are left as written.
std::string format_wording(std::string_view wording, const std::vector<std::pair<std::string, std::string>>& vars);

// Directory of the shipped rules: $AWAITAUDIT_RULES_DIR, else
// <exe>/../share/awaitaudit/rules, else the source tree's rules/, else the
// install prefix's.  Throws ToolError(kExitNoInput) when none exists.
std::string shipped_rules_dir();

}  // namespace aa
