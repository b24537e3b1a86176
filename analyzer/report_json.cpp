#include "report_json.h"

#include <cstdio>
#include <fstream>

#include "exit_codes.h"

namespace aa {
void print_json(const nlohmann::json& report) {
  std::string s = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

void write_json(const nlohmann::json& report, const std::string& path) {
  std::ofstream out(path);
  out << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  if (!out) throw ToolError(kExitCantCreate, "cannot write " + path);
}
}  // namespace aa
