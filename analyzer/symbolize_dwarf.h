// DWARF lookups the symbolizer needs beyond libdwfl's address-to-line.
#pragma once
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace aa {

// Line tables may name files relative to the CU's compilation directory
// (rustc does: "src/fs/file.rs" under the crate's dir); reports want one
// absolute spelling per file whichever CU the frame came from.
std::string absolute_in_cu(Dwarf_Die* cu, const char* file);

// One inlined call covering an address: the inlined function, and where its
// caller called it.
struct InlinedCall {
  std::string function;  // demangled
  std::string call_file;
  int call_line = 0;
};
// The inlined calls at a link-time address, innermost first; empty when the
// address is in no inlined body or there is no DWARF.
std::vector<InlinedCall> inlined_calls(Dwfl_Module* mod, uint64_t addr);

}  // namespace aa
