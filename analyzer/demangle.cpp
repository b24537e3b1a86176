// Symbol demangling: C++ through the ABI demangler, Rust legacy and v0 through
// libiberty (DMGL_RUST), which handles both Rust schemes.
#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include "symbolize.h"

namespace aa {

std::string demangle(std::string_view symbol) {
  if (symbol.size() < 2 || symbol[0] != '_' || symbol[1] != 'Z') return std::string(symbol);
  std::string s(symbol);
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(s.c_str(), nullptr, nullptr, &status),
                                            std::free);
  if (status != 0 || !out) return s;
  return out.get();
}

}  // namespace aa
