// Environment that loads the runtime adapters (preload/adapters/) into the
// programs `awaitaudit run` and `ci` start: NODE_OPTIONS=--require for
// Node.js, a sitecustomize directory first on PYTHONPATH for CPython.  The
// user's own NODE_OPTIONS and PYTHONPATH are kept after ours.
#pragma once
#include <map>
#include <string>

namespace aa {

// Directory holding node/ and python/: $AWAITAUDIT_ADAPTERS_DIR, else
// <exe dir>/../share/awaitaudit/adapters, else the source tree's
// preload/adapters, else the install prefix's.  "" when none exists.
std::string adapters_dir();

// Adds NODE_OPTIONS and PYTHONPATH to `env` (the variables the child gets on
// top of ours).  Does nothing when `enabled` is false or no adapters exist.
void add_adapter_env(std::map<std::string, std::string>& env, bool enabled = true);

}  // namespace aa
