#include "findings.h"

#include <cstring>
#include <fmt/format.h>
#include <map>

#include "exit_codes.h"
#include "findings_representative.h"
#include "symbolize.h"

namespace aa {
namespace {

const char* errno_name(int e) {
  const char* n = e ? strerrorname_np(e) : nullptr;
  return n;
}

struct Stacker {
  const LogSet& logs;
  const RuleSet& rules;
  Symbolizer sym;
  // The wall-clock time of a snapshot: files modified after it are not what ran.
  uint64_t snapshot_real_ns(uint32_t proc, uint64_t t) const {
    const auto& procs = logs.processes();
    if (proc >= procs.size() || !procs[proc].start_real_ns || t < procs[proc].start_mono_ns) return 0;
    return procs[proc].start_real_ns + (t - procs[proc].start_mono_ns);
  }
  std::vector<Frame> frames(const EvCopy& e) {
    if (!e.stack_id) return {};
    auto ips = logs.stack(e.proc, e.stack_id);
    if (ips.empty()) return {};
    const auto& maps = logs.maps(e.proc);
    if (maps.empty()) return {};
    const LogSet::Maps* snap = &maps.back();
    for (const auto& m : maps)
      if (m.t <= e.t_enter) snap = &m;  // the latest snapshot taken before the event
    auto out = sym.resolve_all(snap->text, ips, snapshot_real_ns(e.proc, snap->t));
    for (auto& f : out) f.user = rules.is_user_frame(f);
    return out;
  }
};

nlohmann::json frame_json(const Frame& f) {
  return {{"ip", fmt::format("{:#x}", f.ip)}, {"function", f.function}, {"file", f.file}, {"line", f.line},
          {"module", f.module}, {"module_offset", fmt::format("{:#x}", f.module_offset)}, {"user", f.user}};
}

nlohmann::json event_json(const EvCopy& e, const LogSet& logs, const std::string& path, uint64_t t0,
                          const std::vector<Frame>& stack) {
  nlohmann::json j;
  j["op"] = kind_name(e.kind);
  j["pid"] = e.pid;
  j["tid"] = e.tid;
  j["t_enter_ns"] = e.t_enter;
  j["t_exit_ns"] = e.t_exit;
  j["t_rel_us"] = std::round((double(e.t_enter) - double(t0)) / 100.0) / 10.0;
  j["ret"] = e.ret;
  j["errno"] = e.err;
  const char* en = errno_name(e.err);
  j["errno_name"] = en ? nlohmann::json(en) : nlohmann::json(nullptr);
  auto cls = kind_class(e.kind);
  if (cls == AA_CLASS_READ || cls == AA_CLASS_WRITE) {
    j["fd"] = e.a[0];
    j["offset"] = e.off;
    j["length"] = e.len;
  } else if (e.kind == AA_FSTAT || cls == AA_CLASS_SYNCFILE || e.kind == AA_CLOSE) {
    j["fd"] = e.a[0];
  } else if (cls == AA_CLASS_SYNC) {
    j["object"] = fmt::format("{:#x}", uint64_t(e.a[0]));
  }
  if (!path.empty()) j["path"] = path;
  if (cls == AA_CLASS_STAT && e.has_stat) j["size"] = e.stat_size;
  nlohmann::json st = nlohmann::json::array();
  for (const auto& f : stack) st.push_back(frame_json(f));
  j["stack"] = st;
  (void)logs;
  return j;
}

std::string stack_key(const std::vector<Frame>& s) {
  std::string k;
  for (const auto& f : s) k += fmt::format("{}@{}:{};", f.function, f.file, f.line);
  return k;
}

const char* suppression_kind(const std::string& kind) {
  if (kind == "premature-completion") return "premature";
  if (kind == "file-race") return "race";
  return "lost";
}

}  // namespace

nlohmann::json build_report(ReportInput in) {
  const LogSet& logs = *in.logs;
  const RuleSet& rules = *in.rules;
  Stacker st{logs, rules, {}};
  nlohmann::json report;
  report["tool"] = {{"name", "awaitaudit"}, {"version", AA_VERSION}, {"schema", 1}};
  nlohmann::json procs = nlohmann::json::array();
  for (const auto& p : logs.processes())
    procs.push_back({{"pid", p.pid}, {"ppid", p.ppid}, {"exe", p.exe}, {"argv", p.argv}, {"log", p.log_path},
                     {"records", p.records}, {"clean_exit", p.clean_exit}, {"skipped", p.skipped}});
  report["processes"] = procs;
  nlohmann::json notes = nlohmann::json::array();
  for (const auto& n : in.notes) notes.push_back({{"level", n.level}, {"pid", n.pid}, {"message", n.message}});
  report["notes"] = notes;

  nlohmann::json findings = nlohmann::json::array();
  std::map<std::string, size_t> merged;  // symbolized key -> index in findings
  std::vector<RawFinding> merged_files;  // per finding: only its file set is used
  std::vector<bool> rep_sure;            // per finding: its representative's submissions are sure
  int errors = 0, warnings = 0, note_count = 0, suppressed = 0;
  in.raw = choose_representatives(std::move(in.raw), [&](const RawFinding& f) {
    ApiFit fit;
    if (!f.submission && !f.overtaker_submission) return fit;
    auto ws = st.frames(f.write);
    ws.insert(ws.begin(), f.write_user.begin(), f.write_user.end());
    auto ss = f.submission ? st.frames(*f.submission) : std::vector<Frame>{};
    auto bs = f.overtaker ? st.frames(*f.overtaker) : std::vector<Frame>{};
    bs.insert(bs.begin(), f.overtaker_user.begin(), f.overtaker_user.end());
    // Generic fallbacks (priority < 0) name the helper thread, not an API.
    const Profile* prof = rules.match_profile(ws, ss, bs);
    if (!prof || prof->priority < 0) return fit;
    fit.submission = names_profile_api(*prof, ss);
    fit.overtaker_submission = f.overtaker_submission && names_profile_api(*prof, st.frames(*f.overtaker_submission));
    return fit;
  });
  for (auto& f : in.raw) {
    if (f.confidence == "latent" && !in.show_latent) continue;
    auto ws = st.frames(f.write);
    auto bs = f.overtaker ? st.frames(*f.overtaker) : std::vector<Frame>{};
    ws.insert(ws.begin(), f.write_user.begin(), f.write_user.end());  // adapter (JS/Python) frames first
    bs.insert(bs.begin(), f.overtaker_user.begin(), f.overtaker_user.end());
    auto ss = f.submission ? st.frames(*f.submission) : std::vector<Frame>{};
    if (rules.suppressed(suppression_kind(f.kind), f.path, {&ws, &bs, &ss})) {
      suppressed += int(f.count);
      continue;
    }
    // Merge what reads the same once symbolized: kind, confidence, op kinds,
    // conflict, profile and (when present) the stacks.  A loop over distinct
    // paths is one finding with a file count, not one per path.
    const Profile* prof = rules.match_profile(ws, ss, bs);
    std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", f.kind, f.confidence, int(f.write.kind),
                                  f.overtaker ? int(f.overtaker->kind) : 0, f.conflict, prof ? prof->name : "",
                                  stack_key(ws), stack_key(bs));
    auto found = merged.find(key);
    if (found != merged.end()) {
      auto& j = findings[found->second];
      j["count"] = j["count"].get<uint64_t>() + f.count;
      auto& acc = merged_files[found->second];
      for (uint32_t id : f.file_ids) acc.add_file(id);
      acc.files_capped |= f.files_capped;
      // Show a sure occurrence when there is one (RawFinding::sure).
      if (rep_sure[found->second] || !f.sure) continue;
    }
    uint64_t t0 = f.submission ? f.submission->t_enter : f.write.t_enter;
    nlohmann::json j;
    j["id"] = fmt::format("F{}", found != merged.end() ? found->second + 1 : findings.size() + 1);
    j["kind"] = f.kind;
    j["confidence"] = f.confidence;
    j["severity"] = f.severity;
    j["count"] = found != merged.end() ? findings[found->second]["count"].get<uint64_t>() : f.count;
    j["file"] = f.path;
    j["conflict"] = f.conflict;
    j["rule"] = prof ? prof->name : "generic";
    j["message"] = f.message;
    j["stale"] = f.stale.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.stale);
    std::string hint;
    if (prof) hint = prof->hint;
    else if (f.kind == "premature-completion")
      hint = "wait for the write's completion (its callback, future or join) before observing the file";
    else if (f.kind == "lost-write-error")
      hint = "propagate the helper thread's write error to the caller (check the job's result)";
    else
      hint = "order these operations with a lock, a join or a completion signal";
    j["hint"] = hint;
    j["evidence"] = f.evidence;
    j["origin_tid"] = f.origin_tid;
    j["write"] = event_json(f.write, logs, f.path, t0, ws);
    j["overtaker"] = f.overtaker ? event_json(*f.overtaker, logs, f.path, t0, bs) : nlohmann::json(nullptr);
    j["submission"] = f.submission ? event_json(*f.submission, logs, "", t0, ss) : nlohmann::json(nullptr);
    // Where the user asked for the overtaker, when it ran on a helper.
    j["overtaker_submission"] = f.overtaker_submission
                                    ? event_json(*f.overtaker_submission, logs, "", t0, st.frames(*f.overtaker_submission))
                                    : nlohmann::json(nullptr);
    j["acknowledgment"] =
        f.ack ? event_json(*f.ack, logs, "", t0, st.frames(*f.ack)) : nlohmann::json(nullptr);
    if (found != merged.end()) {
      findings[found->second] = std::move(j);
      rep_sure[found->second] = true;
      continue;
    }
    merged[key] = findings.size();
    findings.push_back(std::move(j));
    rep_sure.push_back(f.sure);
    RawFinding acc;
    acc.file_ids = f.file_ids;
    acc.files_capped = f.files_capped;
    merged_files.push_back(std::move(acc));
  }
  for (size_t i = 0; i < findings.size(); ++i)
    findings[i]["files"] = std::max<size_t>(1, merged_files[i].file_ids.size());
  for (const auto& j : findings) {
    const std::string& sev = j["severity"].get_ref<const std::string&>();
    (sev == "error" ? errors : sev == "warning" ? warnings : note_count) += 1;
  }
  report["findings"] = findings;
  report["summary"] = {{"errors", errors}, {"warnings", warnings}, {"notes", note_count},
                       {"suppressed", suppressed}, {"processes", logs.processes().size()}};
  return report;
}

int exit_code_for(const nlohmann::json& report, const std::string& fail_on) {
  if (fail_on == "never") return kExitClean;
  const auto& s = report["summary"];
  int n = s["errors"].get<int>();
  if (fail_on == "warning" || fail_on == "note") n += s["warnings"].get<int>();
  if (fail_on == "note") n += s["notes"].get<int>();
  return n ? kExitFindings : kExitClean;
}

}  // namespace aa
