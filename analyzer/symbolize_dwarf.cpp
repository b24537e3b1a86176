// DWARF helpers for the symbolizer: one spelling per source file, and the
// chain of inlined calls at an address.
//
// An optimised build folds the user's async fn, or a small helper around
// `write_all`, into its caller: one return address then stands for several
// source-level calls.  The line table only gives the innermost line and the
// ELF symbol only the outermost function, so a report without the chain
// names the runtime's poll function with the user's line, or the user's
// function with a line deep in the runtime.  addr2line -i gives the same
// chain.
#include "symbolize_dwarf.h"

#include <dwarf.h>


#include "symbolize.h"

namespace aa {
namespace {

const char* string_attr(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

// The demangled linkage name says which `write_all` (tokio's, not std's);
// DW_AT_name alone is the bare identifier.
std::string scope_name(Dwarf_Die* die) {
  const char* n = string_attr(die, DW_AT_linkage_name);
  if (!n) n = string_attr(die, DW_AT_MIPS_linkage_name);
  if (n) return demangle(n);
  n = dwarf_diename(die);
  return n ? n : "";
}

bool call_site(Dwarf_Die* inlined, Dwarf_Die* cu, std::string& file, int& line) {
  Dwarf_Attribute attr;
  Dwarf_Word file_index = 0, line_no = 0;
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_index) != 0 ||
      dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line_no) != 0)
    return false;
  Dwarf_Files* files = nullptr;
  size_t count = 0;
  if (dwarf_getsrcfiles(cu, &files, &count) != 0 || file_index >= count) return false;
  const char* name = dwarf_filesrc(files, file_index, nullptr, nullptr);
  if (!name) return false;
  file = absolute_in_cu(cu, name);
  line = static_cast<int>(line_no);
  return true;
}

// The DIEs whose code covers pc, outermost first: the subprogram, then the
// lexical blocks and inlined calls inside it.  A walk of our own rather than
// dwarf_getscopes, which gives up on a whole rustc codegen unit when one DIE
// has no address ("no address value"), and past an inlined call follows the
// abstract definition instead of the concrete caller.  Subprograms sit
// inside namespaces and types in C++ and Rust, so those are searched too.
bool scopes_at(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>& chain, int depth) {
  Dwarf_Die child;
  if (depth > 64 || dwarf_child(parent, &child) != 0) return false;
  do {
    switch (dwarf_tag(&child)) {
      case DW_TAG_subprogram:
      case DW_TAG_inlined_subroutine:
      case DW_TAG_lexical_block:
        if (dwarf_haspc(&child, pc) == 1) {
          chain.push_back(child);
          scopes_at(&child, pc, chain, depth + 1);
          return true;
        }
        break;
      case DW_TAG_namespace:
      case DW_TAG_module:
      case DW_TAG_structure_type:
      case DW_TAG_class_type:
      case DW_TAG_union_type:
      case DW_TAG_enumeration_type:
        if (scopes_at(&child, pc, chain, depth + 1)) return true;
        break;
      default:
        break;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

}  // namespace

std::string absolute_in_cu(Dwarf_Die* cu, const char* file) {
  if (file[0] == '/' || !cu) return file;
  Dwarf_Attribute attr;
  const char* dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
  if (!dir || !*dir) return file;
  std::string out(dir);
  if (out.back() != '/') out += '/';
  std::string_view rel(file);
  while (rel.starts_with("./")) rel.remove_prefix(2);
  return out + std::string(rel);
}

std::vector<InlinedCall> inlined_calls(Dwfl_Module* mod, uint64_t addr) {
  std::vector<InlinedCall> out;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(mod, addr, &bias);
  if (!cu) return out;
  std::vector<Dwarf_Die> chain;
  scopes_at(cu, addr - bias, chain, 0);
  // Innermost first; the enclosing real function's name is the ELF symbol's.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (dwarf_tag(&*it) != DW_TAG_inlined_subroutine) continue;  // lexical blocks
    InlinedCall c;
    c.function = scope_name(&*it);
    if (!call_site(&*it, cu, c.call_file, c.call_line)) break;  // chain broken: keep what is sure
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace aa
