// Decoding of adapter marker text (one JSON object per MARKER record).
#include <charconv>
#include <nlohmann/json.hpp>

#include "markers.h"

namespace aa {

std::optional<Marker> parse_marker(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.remove_suffix(1);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("t") || !j["t"].is_string()) return std::nullopt;
  Marker m;
  const std::string t = j["t"];
  if (t == "request") m.type = Marker::kRequest;
  else if (t == "delivered") m.type = Marker::kDelivered;
  else if (t == "observe") m.type = Marker::kObserve;
  else if (t == "site") m.type = Marker::kSite;
  else if (t == "job-start") m.type = Marker::kJobStart;
  else if (t == "job-end") m.type = Marker::kJobEnd;
  else if (t == "exit") m.type = Marker::kExit;
  else return std::nullopt;
  auto str = [&](const char* k, std::string& out) {
    if (auto it = j.find(k); it != j.end() && it->is_string()) out = it->get<std::string>();
  };
  str("op", m.op);
  str("api", m.api);
  str("path", m.path);
  str("loc", m.loc);
  str("fn", m.fn);
  if (auto it = j.find("fd"); it != j.end() && it->is_number_integer()) m.fd = it->get<int64_t>();
  if (auto it = j.find("id"); it != j.end() && it->is_number_unsigned()) m.id = it->get<uint64_t>();
  if (auto it = j.find("pending"); it != j.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_number_unsigned()) m.pending.push_back(v.get<uint64_t>());
  bool needs_id = m.type == Marker::kRequest || m.type == Marker::kDelivered || m.type == Marker::kJobStart ||
                  m.type == Marker::kJobEnd;
  if (needs_id && m.id == 0) return std::nullopt;
  return m;
}

// The loc is "file:line[:column]"; file names may contain ':' themselves, so
// numbers are taken from the right.
Frame marker_frame(const std::string& loc, const std::string& fn) {
  Frame f;
  f.function = fn.empty() ? "<anonymous>" : fn;
  f.user = true;
  std::string_view s = loc;
  auto take_number = [&](int& out) {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string_view num = s.substr(colon + 1);
    int v = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec != std::errc() || p != num.data() + num.size() || num.empty()) return false;
    out = v;
    s = s.substr(0, colon);
    return true;
  };
  int a = 0, b = 0;
  if (take_number(a)) {
    if (take_number(b)) f.line = b;  // file:line:column
    else f.line = a;                 // file:line
  }
  f.file = std::string(s);
  f.module = f.file.ends_with(".py") ? "python" : "node";
  return f;
}

}  // namespace aa
