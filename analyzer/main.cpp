// awaitaudit CLI entry: builds the subcommands from the registry and maps
// every failure to one line and a documented exit code.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"
#include "exit_codes.h"

namespace aa {
std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}
}  // namespace aa

int main(int argc, char** argv) {
  using namespace aa;
  CLI::App app{"awaitaudit: find file writes that async runtimes report done before they happen"};
  app.set_version_flag("--version", "awaitaudit " AA_VERSION);
  app.require_subcommand(1);
  int exit_code = kExitClean;
  auto& cmds = command_registry();
  std::sort(cmds.begin(), cmds.end(),
            [](const CommandInfo& a, const CommandInfo& b) { return std::string(a.name) < b.name; });
  for (auto& c : cmds) c.setup(*app.add_subcommand(c.name, c.description), exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "awaitaudit: error: %s (see awaitaudit --help)\n", e.what());
    return kExitUsage;
  } catch (const ToolError& e) {
    std::fprintf(stderr, "awaitaudit: error: %s\n", e.what());
    return e.code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "awaitaudit: internal error: %s\n", e.what());
    return kExitSoftware;
  }
  return exit_code;
}
