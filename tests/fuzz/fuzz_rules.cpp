// libFuzzer target for the rule and suppression parsers and the glob matcher.
// The contract under test: bad input yields ToolError(kExitDataErr) with a
// "FILE:LINE: message" text, never another exception, a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "exit_codes.h"
#include "rules.h"
#include "rules_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    aa::RuleSet rs;
    aa::rules_parse::rule_text(text, "fuzz.toml", rs);
  } catch (const aa::ToolError& e) {
    if (e.code != aa::kExitDataErr || std::string_view(e.what()).substr(0, 10) != "fuzz.toml:") std::abort();
  }
  try {
    std::vector<aa::Suppression> out;
    aa::rules_parse::suppression_text(text, "fuzz.supp", out);
    for (const auto& s : out) aa::suppression_match(s.pattern, text);
  } catch (const aa::ToolError& e) {
    if (e.code != aa::kExitDataErr || std::string_view(e.what()).substr(0, 10) != "fuzz.supp:") std::abort();
  }
  // Pattern and text from the two halves of the input.
  size_t half = size / 2;
  aa::glob_match(text.substr(0, half), text.substr(half));
  return 0;
}
