// SARIF 2.1.0 (OASIS): one run, one reportingDescriptor per (kind, rule) pair,
// one result per finding.  The result's location is the user's source line;
// the stacks go into a codeFlow (one threadFlow per thread involved, in the
// order things happened: submission, write, overtaker) and into
// relatedLocations, so viewers that show flows and those that only show
// related locations can both walk the evidence.
#include "report_sarif.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <climits>
#include <functional>
#include <map>
#include <string_view>

#include "ci_output.h"

#include "json_fields.h"

namespace aa {
using nlohmann::json;

namespace {

const json* event_of(const json& finding, const char* key) {
  auto it = finding.find(key);
  return it != finding.end() && it->is_object() ? &*it : nullptr;
}

// RFC 3986 path characters stay; everything else is percent-encoded.
std::string uri_escape_path(std::string_view p) {
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || std::string_view("/-._~!$&'()*+,;=:@").find(char(c)) != std::string_view::npos)
      out += char(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

struct UriMaker {
  std::string root;  // absolute and ending in '/', or empty
  json artifact(const std::string& path) const {
    if (!root.empty() && path.size() > root.size() && path.compare(0, root.size(), root) == 0)
      return {{"uri", uri_escape_path(path.substr(root.size()))}, {"uriBaseId", "%SRCROOT%"}};
    if (!path.empty() && path[0] == '/') return {{"uri", "file://" + uri_escape_path(path)}};
    return {{"uri", uri_escape_path(path)}};
  }
};

const json* first_frame(const json* event, bool want_user) {
  if (!event) return nullptr;
  auto st = event->find("stack");
  if (st == event->end() || !st->is_array()) return nullptr;
  for (const auto& fr : *st) {
    if (!fr.is_object()) continue;
    bool hit = want_user ? fr.value("user", false)
                         : (!str_or(fr, "file").empty() && int_or(fr, "line") > 0);
    if (hit) return &fr;
  }
  return nullptr;
}

const json* event_anchor(const json* event) {
  if (const json* fr = first_frame(event, true)) return fr;
  return first_frame(event, false);
}

json frame_location(const json& fr, const UriMaker& uris) {
  json phys = json::object();
  std::string file = str_or(fr, "file");
  if (!file.empty()) {
    phys["artifactLocation"] = uris.artifact(file);
    if (int64_t line = int_or(fr, "line"); line > 0) phys["region"] = {{"startLine", line}};
  } else {
    // No DWARF: the object file and the address are all we know.
    phys["artifactLocation"] = uris.artifact(str_or(fr, "module", "unknown-module"));
    // The ip is "0x…" from a log, so any 64-bit value: stoll threw on
    // those above INT64_MAX (found by fuzz_analysis).  Unparsable: no address.
    std::string ip = str_or(fr, "ip");
    uint64_t addr = 0;
    std::string_view hex = ip;
    if (hex.starts_with("0x")) hex.remove_prefix(2);
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), addr, 16);
    if (!hex.empty() && ec == std::errc() && end == hex.data() + hex.size())
      phys["address"] = {{"absoluteAddress", addr}};
  }
  json loc = {{"physicalLocation", phys}};
  std::string fn = str_or(fr, "function");
  if (!fn.empty())
    loc["logicalLocations"] = json::array({{{"fullyQualifiedName", fn}, {"kind", "function"}}});
  return loc;
}

std::string describe_event(const std::string& role, const json& ev) {
  std::string text = fmt::format("{}: {} on tid {}", role, str_or(ev, "op", "?"), int_or(ev, "tid"));
  if (auto it = ev.find("length"); it != ev.end() && it->is_number())
    text += fmt::format(" ({} bytes)", it->get<int64_t>());
  if (auto it = ev.find("size"); it != ev.end() && it->is_number())
    text += fmt::format(", saw size {}", it->get<int64_t>());
  if (std::string en = str_or(ev, "errno_name"); !en.empty()) text += ", failed with " + en;
  return text;
}

// The events of a finding in the order they happened.
std::vector<std::pair<std::string, const json*>> finding_events(const json& f) {
  std::vector<std::pair<std::string, const json*>> out;
  for (const char* role : {"submission", "write", "overtaker", "acknowledgment"})
    if (const json* ev = event_of(f, role)) out.emplace_back(role, ev);
  return out;
}

json thread_flow(const std::string& role, const json& ev, const UriMaker& uris) {
  json locs = json::array();
  if (auto st = ev.find("stack"); st != ev.end() && st->is_array()) {
    for (const auto& fr : *st) {
      if (!fr.is_object()) continue;
      json loc = frame_location(fr, uris);
      loc["message"] = {{"text", str_or(fr, "function", str_or(fr, "ip", "?"))}};
      bool user = fr.value("user", false);
      locs.push_back({{"location", loc}, {"importance", user ? "important" : "unimportant"}});
    }
  }
  if (locs.empty()) locs.push_back({{"location", {{"message", {{"text", role + " (no stack recorded)"}}}}}});
  // The innermost frame carries the description of the call itself.
  locs[0]["location"]["message"] = {{"text", describe_event(role, ev)}};
  return {{"id", fmt::format("{} tid {}", role, int_or(ev, "tid"))},
          {"message", {{"text", describe_event(role, ev)}}},
          {"locations", locs}};
}

std::string level_of(const json& f) {
  std::string sev = str_or(f, "severity", "warning");
  return sev == "error" || sev == "warning" || sev == "note" ? sev : "warning";
}

std::string rule_id(const json& f) {
  return fmt::format("{}/{}", str_or(f, "kind", "finding"), str_or(f, "rule", "generic"));
}

std::string kind_description(const std::string& kind) {
  if (kind == "premature-completion")
    return "A file operation ran before an earlier write it depended on had completed: the runtime "
           "reported the write done before the operating system performed it.";
  if (kind == "file-race")
    return "Two conflicting operations on the same file with no ordering between them.";
  if (kind == "lost-write-error")
    return "An offloaded write failed after the caller had been told it succeeded; the error was lost.";
  return "awaitaudit finding";
}

json make_rule(const json& f) {
  std::string kind = str_or(f, "kind", "finding");
  json rule = {{"id", rule_id(f)},
               {"name", kind},
               {"shortDescription", {{"text", fmt::format("{} ({})", kind, str_or(f, "rule", "generic"))}}},
               {"fullDescription", {{"text", kind_description(kind)}}},
               {"defaultConfiguration", {{"level", level_of(f)}}}};
  if (std::string hint = str_or(f, "hint"); !hint.empty()) rule["help"] = {{"text", hint}};
  return rule;
}

std::string result_message(const json& f) {
  std::string text = str_or(f, "message", "file operation overtook a pending write");
  if (std::string stale = str_or(f, "stale"); !stale.empty()) text += ". " + stale;
  if (std::string conf = str_or(f, "confidence"); !conf.empty()) text += fmt::format(" [{}]", conf);
  if (std::string hint = str_or(f, "hint"); !hint.empty()) text += ". Fix: " + hint;
  return text;
}

json make_result(const json& f, int rule_index, const UriMaker& uris) {
  json result = {{"ruleId", rule_id(f)},
                 {"ruleIndex", rule_index},
                 {"level", level_of(f)},
                 {"message", {{"text", result_message(f)}}}};
  // Primary location: where the user's code went wrong.  Without any source
  // line, the file being written is the most useful place to point at.
  if (const json* fr = finding_anchor_frame(f))
    result["locations"] = json::array({frame_location(*fr, uris)});
  else
    result["locations"] = json::array({{{"physicalLocation", {{"artifactLocation", uris.artifact(str_or(f, "file", "unknown-file"))}}}}});

  json related = json::array();
  json flows = json::array();
  int next_id = 1;
  for (const auto& [role, ev] : finding_events(f)) {
    if (const json* fr = event_anchor(ev)) {
      json loc = frame_location(*fr, uris);
      loc["id"] = next_id++;
      loc["message"] = {{"text", describe_event(role, *ev)}};
      related.push_back(loc);
    }
    flows.push_back(thread_flow(role, *ev, uris));
  }
  if (!related.empty()) result["relatedLocations"] = related;
  if (!flows.empty())
    result["codeFlows"] = json::array({{{"message", {{"text", str_or(f, "evidence", "how the write was overtaken")}}},
                                        {"threadFlows", flows}}});
  std::string anchor_fn = finding_anchor_frame(f) ? str_or(*finding_anchor_frame(f), "function") : "";
  result["partialFingerprints"] = {
      {"awaitauditFinding/v1",
       fmt::format("{:016x}", std::hash<std::string>{}(rule_id(f) + "|" + anchor_fn + "|" +
                                                        (event_of(f, "overtaker") ? str_or(*event_of(f, "overtaker"), "op") : "")))}};
  json props = json::object();
  for (const char* key : {"id", "confidence", "count", "file", "stale", "evidence", "origin_tid"})
    if (auto it = f.find(key); it != f.end() && !it->is_null()) props[key] = *it;
  result["properties"] = props;
  return result;
}

std::string default_root() {
  char buf[PATH_MAX];
  if (!::getcwd(buf, sizeof buf)) return "";
  std::string root = buf;
  if (root.empty() || root.back() != '/') root += '/';
  return root == "/" ? "" : root;
}

}  // namespace

const json* finding_anchor_frame(const json& finding) {
  // overtaker_submission: the user's line for an overtaker run on a helper.
  for (const char* role : {"overtaker", "overtaker_submission", "write", "submission"})
    if (const json* fr = first_frame(event_of(finding, role), true)) return fr;
  for (const char* role : {"overtaker", "write", "submission"})
    if (const json* fr = first_frame(event_of(finding, role), false)) return fr;
  return nullptr;
}

json render_sarif(const json& report, const std::string& source_root) {
  UriMaker uris{source_root.empty() ? default_root() : source_root};
  if (!uris.root.empty() && uris.root.back() != '/') uris.root += '/';

  const json& tool = report.contains("tool") ? report["tool"] : json::object();
  json rules = json::array();
  std::map<std::string, int> rule_index;
  json results = json::array();
  if (auto fs = report.find("findings"); fs != report.end() && fs->is_array()) {
    for (const auto& f : *fs) {
      auto [it, fresh] = rule_index.try_emplace(rule_id(f), int(rules.size()));
      if (fresh) rules.push_back(make_rule(f));
      results.push_back(make_result(f, it->second, uris));
    }
  }

  json notifications = json::array();
  if (auto ns = report.find("notes"); ns != report.end() && ns->is_array()) {
    for (const auto& n : *ns) {
      std::string lvl = str_or(n, "level", "warning");
      if (lvl != "error" && lvl != "warning" && lvl != "note") lvl = "warning";
      std::string text = str_or(n, "message", "note");
      if (int64_t pid = int_or(n, "pid"); pid) text = fmt::format("pid {}: {}", pid, text);
      notifications.push_back({{"level", lvl}, {"message", {{"text", text}}}});
    }
  }
  json invocation = {{"executionSuccessful", true}};
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = notifications;

  json run = {{"tool", {{"driver", {{"name", str_or(tool, "name", "awaitaudit")},
                                    {"version", str_or(tool, "version", AA_VERSION)},
                                    {"rules", rules}}}}},
              {"invocations", json::array({invocation})},
              {"results", results},
              {"columnKind", "unicodeCodePoints"}};
  if (!uris.root.empty())
    run["originalUriBaseIds"] = {{"%SRCROOT%", {{"uri", "file://" + uri_escape_path(uris.root)}}}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({run})}};
}

void write_sarif(const json& report, const std::string& path) {
  check_output_path(path);
  write_output_file(path, render_sarif(report).dump(2) + "\n");
}

}  // namespace aa
