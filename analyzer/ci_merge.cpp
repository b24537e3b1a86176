#include "ci_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "json_fields.h"

namespace aa {
using nlohmann::json;

namespace {


std::string stack_key(const json& f, const char* role) {
  auto ev = f.find(role);
  if (ev == f.end() || !ev->is_object()) return "-";
  std::string key = str_or(*ev, "op", "?");
  auto st = ev->find("stack");
  if (st == ev->end() || !st->is_array()) return key;
  int n = 0;
  for (const auto& fr : *st) {
    if (!fr.is_object() || ++n > 12) break;
    std::string fn = str_or(fr, "function");
    std::string file = str_or(fr, "file");
    if (fn.empty() && file.empty()) {
      // Unsymbolized: only the module's name is stable across runs.
      std::string mod = str_or(fr, "module");
      fn = mod.substr(mod.rfind('/') + 1);
    }
    key += fmt::format("|{}@{}:{}", fn, file, fr.value("line", 0));
  }
  return key;
}

int severity_rank(const std::string& s) {
  return s == "error" ? 3 : s == "warning" ? 2 : s == "note" ? 1 : 0;
}

bool is_latent(const json& f) { return str_or(f, "confidence") == "latent"; }

struct Merged {
  json finding;         // representative: the first manifested occurrence, else the first
  int manifested = 0, latent = 0;
  int first_run = 0;    // index of the run it first appeared in
  bool in_last_confirm = false;
  bool targeted = false;  // a confirmation run after its first appearance
};

}  // namespace

std::string finding_key(const json& f) {
  return fmt::format("{}#{}#{}#{}", str_or(f, "kind"), str_or(f, "rule"), stack_key(f, "write"),
                     stack_key(f, "overtaker"));
}

std::vector<std::string> new_latent_keys(const json& report, const std::vector<std::string>& known) {
  std::vector<std::string> out;
  if (!report.contains("findings")) return out;
  for (const auto& f : report["findings"]) {
    if (!is_latent(f)) continue;
    std::string k = finding_key(f);
    if (std::find(known.begin(), known.end(), k) == known.end() &&
        std::find(out.begin(), out.end(), k) == out.end())
      out.push_back(k);
  }
  return out;
}

json merge_runs(const std::vector<CiRun>& runs) {
  json merged = {{"tool", runs.empty() ? json::object() : runs[0].report.value("tool", json::object())},
                 {"processes", json::array()},
                 {"notes", json::array()},
                 {"findings", json::array()}};
  std::map<std::string, Merged> by_key;
  std::vector<std::string> order;
  int last_confirm = -1;
  for (size_t i = 0; i < runs.size(); ++i)
    if (runs[i].role == RunRole::Confirm) last_confirm = int(i);

  int suppressed = 0;
  std::set<std::string> seen_notes;
  json run_list = json::array();
  for (size_t i = 0; i < runs.size(); ++i) {
    const json& rep = runs[i].report;
    int run_errors = 0, run_latent = 0;
    for (const auto& p : rep.value("processes", json::array())) {
      json pp = p;
      pp["run"] = runs[i].label;
      merged["processes"].push_back(pp);
    }
    for (const auto& n : rep.value("notes", json::array())) {
      // The same limit shows up in every run; say it once.
      std::string k = str_or(n, "level") + "|" + str_or(n, "message");
      if (seen_notes.insert(k).second) merged["notes"].push_back(n);
    }
    if (rep.contains("summary")) suppressed = std::max(suppressed, rep["summary"].value("suppressed", 0));
    std::set<std::string> in_this_run;
    for (const auto& f : rep.value("findings", json::array())) {
      std::string k = finding_key(f);
      auto [it, fresh] = by_key.try_emplace(k);
      Merged& m = it->second;
      if (fresh) {
        m.finding = f;
        m.first_run = int(i);
        order.push_back(k);
      }
      if (!in_this_run.insert(k).second) continue;  // count runs, not duplicates within one
      if (is_latent(f)) {
        ++m.latent;
        ++run_latent;
      } else {
        if (m.manifested == 0) m.finding = f;  // the manifested occurrence is the better evidence
        ++m.manifested;
        run_errors += str_or(f, "severity") == "error";
      }
      if (int(i) == last_confirm) m.in_last_confirm = true;
    }
    run_list.push_back({{"label", runs[i].label},
                        {"exit_code", runs[i].exit_code},
                        {"seconds", runs[i].seconds},
                        {"logs", runs[i].log_dir},
                        {"manifested_errors", run_errors},
                        {"latent", run_latent}});
  }

  int dropped = 0, unresolved = 0;
  int errors = 0, warnings = 0, notes = 0, next_id = 1;
  for (const auto& k : order) {
    Merged& m = by_key[k];
    m.targeted = last_confirm > m.first_run;
    json f = m.finding;
    if (m.manifested == 0 && is_latent(f)) {
      if (m.targeted && !m.in_last_confirm) {
        ++dropped;
        continue;
      }
      ++unresolved;
      f["unresolved"] = true;
      if (severity_rank(str_or(f, "severity")) > severity_rank("warning")) f["severity"] = "warning";
    }
    f["id"] = fmt::format("F{}", next_id++);
    f["runs"] = {{"manifested", m.manifested}, {"latent", m.latent}, {"of", runs.size()}};
    std::string sev = str_or(f, "severity");
    errors += sev == "error";
    warnings += sev == "warning";
    notes += sev == "note";
    merged["findings"].push_back(f);
  }
  merged["summary"] = {{"errors", errors}, {"warnings", warnings}, {"notes", notes},
                       {"suppressed", suppressed}, {"processes", merged["processes"].size()}};
  merged["ci"] = {{"runs", run_list}, {"dropped", dropped}, {"unresolved", unresolved}};
  return merged;
}

int count_failing(const json& report, const std::string& fail_on) {
  if (fail_on == "never") return 0;
  int threshold = severity_rank(fail_on);
  int n = 0;
  for (const auto& f : report.value("findings", json::array()))
    n += severity_rank(str_or(f, "severity")) >= threshold;
  return n;
}

}  // namespace aa
