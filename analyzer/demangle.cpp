// Symbol demangling.  Rust first (libiberty's rust_demangle knows both the
// legacy `_ZN…17h<hash>E` scheme and v0 `_R…`, and rejects C++ names), then the
// C++ ABI demangler.  A Rust 1.95 binary carries both Rust forms: the user's
// crates use legacy, the precompiled std uses v0.
#include <cxxabi.h>
#include <libiberty/demangle.h>

#include <cstdlib>
#include <memory>

#include "symbolize.h"

namespace aa {
namespace {

using CString = std::unique_ptr<char, void (*)(void*)>;

bool looks_mangled(std::string_view s) {
  return s.size() > 2 && s[0] == '_' && (s[1] == 'Z' || s[1] == 'R');
}

}  // namespace

std::string demangle(std::string_view symbol) {
  if (!looks_mangled(symbol)) return std::string(symbol);
  std::string s(symbol);
  // No DMGL_VERBOSE: libiberty then drops the legacy hash suffix.
  if (CString rust(rust_demangle(s.c_str(), DMGL_PARAMS | DMGL_ANSI), std::free); rust)
    return rust.get();
  if (s[1] != 'Z') return s;
  int status = 0;
  CString cxx(abi::__cxa_demangle(s.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !cxx) return s;
  return cxx.get();
}

}  // namespace aa
