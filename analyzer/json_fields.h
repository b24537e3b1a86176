// Tolerant field reads from a findings report: every renderer (SARIF, JUnit,
// CI summary and merge) reads JSON it did not build, so a missing or mistyped
// field gives the default instead of an exception.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace aa {

inline std::string str_or(const nlohmann::json& j, const char* key, const std::string& def = "") {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : def;
}

inline int64_t int_or(const nlohmann::json& j, const char* key, int64_t def = 0) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : def;
}

}  // namespace aa
