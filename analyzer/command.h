// One file per command (cmd_*.cpp), each registering itself here, so adding a
// command touches no other file.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace aa {
// `setup` adds the command's options to `sub` and installs its callback; the
// callback stores its exit code in `exit_code` (or throws ToolError).
using CommandSetup = void (*)(CLI::App& sub, int& exit_code);

struct CommandInfo {
  const char* name;
  const char* description;
  CommandSetup setup;
};

std::vector<CommandInfo>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(const char* name, const char* description, CommandSetup setup) {
    command_registry().push_back({name, description, setup});
  }
};
}  // namespace aa

#define AA_COMMAND(name, description, setup_fn) \
  static ::aa::CommandRegistrar aa_command_registrar_##setup_fn(name, description, setup_fn)
