// Output files for reports: written whole or not at all, with one clear error.
#pragma once
#include <string>

namespace aa {

// Writes `text` to `path` ("-" = stdout) through a temporary file renamed into
// place, so a reader never sees half a report.  Throws
// ToolError(kExitCantCreate, "cannot write <path>: <reason>").
void write_output_file(const std::string& path, const std::string& text);

// Fails early (same error as write_output_file) when `path` could not be
// created later: its directory is missing or not writable, or it is a
// directory.  Lets `ci` refuse before spending minutes on the test command.
void check_output_path(const std::string& path);

}  // namespace aa
