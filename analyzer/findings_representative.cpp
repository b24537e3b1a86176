#include "findings_representative.h"

#include <tuple>
#include <unordered_map>

namespace aa {
namespace {
bool same_event(const EvCopy& a, const EvCopy& b) {
  return a.proc == b.proc && a.tid == b.tid && a.t_enter == b.t_enter && a.kind == b.kind;
}

// Higher is a better representative (the order of the header's list).
using Score = std::tuple<bool, bool, bool, uint64_t, uint64_t, bool>;
Score score(const RawFinding& f, const ApiFit& fit) {
  bool b_writes = f.overtaker && kind_class(f.overtaker->kind) == AA_CLASS_WRITE;
  bool observer_ok = b_writes || !fit.overtaker_submission;
  bool distinct = !(f.submission && f.overtaker_submission && same_event(*f.submission, *f.overtaker_submission));
  return Score{fit.submission, observer_ok, distinct, f.count, f.sure_count, f.sure};
}
}  // namespace

std::vector<RawFinding> choose_representatives(std::vector<RawFinding> raw,
                                               const std::function<ApiFit(const RawFinding&)>& fit) {
  // Alternatives of each group, in their order of appearance.
  std::unordered_map<uint32_t, std::vector<size_t>> groups;
  for (size_t i = 0; i < raw.size(); ++i)
    if (raw[i].group != UINT32_MAX) groups[raw[i].group].push_back(i);
  std::vector<bool> drop(raw.size(), false);
  for (auto& [g, idx] : groups) {
    if (idx.size() < 2) continue;
    size_t best = idx.front();
    Score best_score = score(raw[best], fit(raw[best]));
    for (size_t i : idx)
      if (Score s = score(raw[i], fit(raw[i])); s > best_score) best = i, best_score = s;
    // The shown alternative takes the first one's place (report order) and
    // the whole group's count and files.
    RawFinding shown = std::move(raw[best]);
    for (size_t i : idx) {
      if (i == best) continue;
      shown.count += raw[i].count;
      shown.sure_count += raw[i].sure_count;
      for (uint32_t id : raw[i].file_ids) shown.add_file(id);
      shown.files_capped |= raw[i].files_capped;
      drop[i] = true;
    }
    drop[best] = true;
    drop[idx.front()] = false;
    raw[idx.front()] = std::move(shown);
  }
  std::vector<RawFinding> out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i)
    if (!drop[i]) out.push_back(std::move(raw[i]));
  return out;
}

}  // namespace aa
