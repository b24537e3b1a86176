// RuleSet: where the shipped rules live, the order files are loaded in, and
// the matching the analysis asks for (conflicts, profiles, user frames,
// suppressions).  Parsing is in rules_toml.cpp / rules_suppressions.cpp.
#include "rules.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <tuple>
#include <fmt/format.h>

#include "exit_codes.h"
#include "rules_parse.h"

namespace aa {
namespace fs = std::filesystem;

namespace {

bool frame_matches(const std::string& pattern, const Frame& f) {
  return (!f.function.empty() && glob_match(pattern, f.function)) || (!f.file.empty() && glob_match(pattern, f.file)) ||
         (!f.module.empty() && glob_match(pattern, f.module));
}

bool any_frame_matches(const std::vector<std::string>& patterns, const std::vector<Frame>& stack) {
  for (const auto& f : stack)
    for (const auto& p : patterns)
      if (frame_matches(p, f)) return true;
  return false;
}

bool is_dir(const std::string& p) {
  std::error_code ec;
  return !p.empty() && fs::is_directory(p, ec);
}

std::string short_kind(const std::string& finding_kind) {
  if (finding_kind == "premature-completion") return "premature";
  if (finding_kind == "file-race") return "race";
  if (finding_kind == "lost-write-error") return "lost";
  return finding_kind;
}

}  // namespace

bool suppression_match(std::string_view pattern, std::string_view text) {
  bool anchored_start = !pattern.empty() && pattern.front() == '^';
  if (anchored_start) pattern.remove_prefix(1);
  bool anchored_end = !pattern.empty() && pattern.back() == '$';
  if (anchored_end) pattern.remove_suffix(1);
  std::string glob;
  glob.reserve(pattern.size() + 2);
  if (!anchored_start) glob += '*';
  glob += pattern;
  if (!anchored_end) glob += '*';
  return glob_match(glob, text);
}

std::string format_wording(std::string_view wording, const std::vector<std::pair<std::string, std::string>>& vars) {
  std::string out;
  out.reserve(wording.size() + 64);
  for (size_t i = 0; i < wording.size();) {
    if (wording[i] == '{') {
      size_t close = wording.find('}', i);
      if (close != std::string_view::npos) {
        std::string_view name = wording.substr(i + 1, close - i - 1);
        auto it = std::find_if(vars.begin(), vars.end(), [&](const auto& kv) { return kv.first == name; });
        if (it != vars.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += wording[i++];
  }
  return out;
}

std::string shipped_rules_dir() {
  if (const char* env = std::getenv("AWAITAUDIT_RULES_DIR"); env && *env) {
    if (!is_dir(env)) throw ToolError(kExitNoInput, fmt::format("AWAITAUDIT_RULES_DIR={}: not a directory", env));
    return env;
  }
  // A relocated install finds its rules next to its binary.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path rel = exe.parent_path().parent_path() / "share" / "awaitaudit" / "rules";
    if (is_dir(rel.string())) return rel.string();
  }
  if (is_dir(AA_SOURCE_RULES_DIR)) return AA_SOURCE_RULES_DIR;
  if (is_dir(AA_INSTALL_RULES_DIR)) return AA_INSTALL_RULES_DIR;
  throw ToolError(kExitNoInput, fmt::format("rules directory not found (looked in {} and {}; set AWAITAUDIT_RULES_DIR)",
                                            AA_SOURCE_RULES_DIR, AA_INSTALL_RULES_DIR));
}

RuleSet RuleSet::load(const std::vector<std::string>& extra_rule_files,
                      const std::vector<std::string>& suppression_files) {
  return load_from(shipped_rules_dir(), extra_rule_files, suppression_files);
}

RuleSet RuleSet::load_from(const std::string& dir, const std::vector<std::string>& extra_rule_files,
                           const std::vector<std::string>& suppression_files) {
  RuleSet rs;
  const fs::path root(dir);
  rules_parse::rule_file((root / "conflicts.toml").string(), rs);
  rules_parse::rule_file((root / "frames.toml").string(), rs);
  // Profiles in name order, so a run's profile order (and tie-breaking) is reproducible.
  std::vector<std::string> profiles;
  std::error_code ec;
  for (fs::directory_iterator it(root / "profiles", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml") profiles.push_back(it->path().string());
  std::sort(profiles.begin(), profiles.end());
  for (const auto& p : profiles) rules_parse::rule_file(p, rs);
  // User files last: a same-named rule replaces the shipped one, and ties in
  // match_profile go to the later profile.
  for (const auto& p : extra_rule_files) rules_parse::rule_file(p, rs);
  if (fs::path d = root / "suppressions" / "default.supp"; fs::exists(d, ec))
    rules_parse::suppression_file(d.string(), rs.suppressions);
  for (const auto& p : suppression_files) rules_parse::suppression_file(p, rs.suppressions);
  return rs;
}

bool names_profile_api(const Profile& p, const std::vector<Frame>& stack) {
  return any_frame_matches(p.write_frames, stack);
}

const ConflictRule* RuleSet::conflict_for(aa_kind k) const {
  for (const auto& c : conflicts)
    if (std::find(c.kinds.begin(), c.kinds.end(), k) != c.kinds.end()) return &c;
  return nullptr;
}

const Profile* RuleSet::match_profile(const std::vector<Frame>& write_stack, const std::vector<Frame>& submission_stack,
                                      const std::vector<Frame>& overtaker_stack) const {
  // Most specific first: priority, then a matching overtaker pattern, then a
  // match in the write's own stack (the code that ran the write: tokio's
  // `poll_write` closure) over one only in the submission's (where every
  // tokio::fs call passes through `spawn_blocking`, and where a wake from a
  // later spawn can stand in for the real handoff).  Remaining ties go to
  // the later-loaded profile (user files last).
  const Profile* best = nullptr;
  std::tuple<int, int, int> best_score{};
  for (const auto& p : profiles) {
    bool in_write = any_frame_matches(p.write_frames, write_stack);
    if (!in_write && !any_frame_matches(p.write_frames, submission_stack)) continue;
    if (!p.observe_frames.empty() && !any_frame_matches(p.observe_frames, overtaker_stack)) continue;
    std::tuple<int, int, int> score{p.priority, p.observe_frames.empty() ? 0 : 1, in_write ? 1 : 0};
    if (!best || score >= best_score) {
      best = &p;
      best_score = score;
    }
  }
  return best;
}

bool RuleSet::is_user_frame(const Frame& f) const {
  if (f.function.empty() && f.module.empty() && f.file.empty()) return false;
  for (const auto& p : internal_frames)
    if (frame_matches(p, f)) return false;
  for (const auto& prof : profiles)
    for (const auto& p : prof.runtime_frames)
      if (frame_matches(p, f)) return false;
  return true;
}

const Suppression* RuleSet::suppressed(const std::string& finding_kind, const std::string& file_path,
                                       const std::vector<const std::vector<Frame>*>& stacks) const {
  const std::string kind = short_kind(finding_kind);
  for (const auto& s : suppressions) {
    if (s.kind == "path") {
      if (suppression_match(s.pattern, file_path)) return &s;
      continue;
    }
    if (s.kind != kind) continue;
    for (const auto* stack : stacks) {
      if (!stack) continue;
      for (const auto& f : *stack)
        if ((!f.function.empty() && suppression_match(s.pattern, f.function)) ||
            (!f.file.empty() && suppression_match(s.pattern, f.file)) ||
            (!f.module.empty() && suppression_match(s.pattern, f.module)))
          return &s;
    }
  }
  return nullptr;
}

}  // namespace aa
