// Tolerant accessors for the findings JSON as the HTML report reads it: a
// saved report (`--from-json`) may come from another version or be edited by
// hand, so a missing or mistyped field gives a default, never an exception.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace aa::html {

std::string str(const nlohmann::json& j, const char* key, const std::string& dflt = "");
std::optional<double> num(const nlohmann::json& j, const char* key);
// A boolean field; anything but a JSON boolean gives `dflt`.
bool flag(const nlohmann::json& j, const char* key, bool dflt);
// The object at j[key], or nullptr when absent, null or not an object.
const nlohmann::json* obj(const nlohmann::json& j, const char* key);
// A scalar as display text: strings as they are, numbers without ".0", else "".
std::string text(const nlohmann::json& v);

}  // namespace aa::html
