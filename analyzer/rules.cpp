// RuleSet (first cut: empty rules, matching logic only).
#include "rules.h"

#include "exit_codes.h"

namespace aa {

RuleSet RuleSet::load(const std::vector<std::string>&, const std::vector<std::string>&) {
  return RuleSet{};
}

const ConflictRule* RuleSet::conflict_for(aa_kind k) const {
  for (const auto& c : conflicts)
    for (aa_kind ck : c.kinds)
      if (ck == k) return &c;
  return nullptr;
}

const Profile* RuleSet::match_profile(const std::vector<Frame>&, const std::vector<Frame>&,
                                      const std::vector<Frame>&) const {
  return nullptr;
}

bool RuleSet::is_user_frame(const Frame&) const { return true; }

const Suppression* RuleSet::suppressed(const std::string&, const std::string&,
                                       const std::vector<const std::vector<Frame>*>&) const {
  return nullptr;
}

}  // namespace aa
