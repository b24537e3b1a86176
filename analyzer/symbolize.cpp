// Offline symbolizer: maps snapshot -> module and load bias -> ELF symbol and
// DWARF line through elfutils libdwfl.
//
// Each ELF file gets its own Dwfl, reported at base 0, so it is looked up by
// link-time address (= ip - bias = Frame::module_offset) and one cache entry
// serves every process that mapped the file, whatever its ASLR slide.
// Separate debug info (/usr/lib/debug/.build-id, .debug) is found by
// dwfl_standard_find_debuginfo.
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <optional>
#include <unordered_map>

#include "symbolize.h"

namespace aa {
namespace {

constexpr std::string_view kDeleted = " (deleted)";

bool parse_hex(std::string_view s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits off the next space-separated field; runs of spaces count as one.
std::string_view next_field(std::string_view& line) {
  size_t b = line.find_first_not_of(' ');
  if (b == std::string_view::npos) {
    line = {};
    return {};
  }
  line.remove_prefix(b);
  size_t e = std::min(line.find(' '), line.size());
  std::string_view f = line.substr(0, e);
  line.remove_prefix(e);
  return f;
}

std::string_view basename_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string openable_path(const std::string& path) {
  std::string_view p = path;
  if (p.size() > kDeleted.size() && p.ends_with(kDeleted)) p.remove_suffix(kDeleted.size());
  return std::string(p);
}

// Line tables may name files relative to the CU's compilation directory
// (rustc does: "src/fs/file.rs" under the crate's dir); reports want one
// absolute spelling per file whichever CU the frame came from.
std::string absolute_source(Dwfl_Line* line, const char* file) {
  if (file[0] == '/') return file;
  Dwarf_Die* cu = dwfl_linecu(line);
  Dwarf_Attribute attr;
  const char* dir = cu ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr)) : nullptr;
  if (!dir || !*dir) return file;
  std::string out(dir);
  if (out.back() != '/') out += '/';
  std::string_view rel(file);
  while (rel.starts_with("./")) rel.remove_prefix(2);
  return out + std::string(rel);
}

// One ELF file, opened lazily and kept for the Symbolizer's life.
struct Module {
  struct Load {
    uint64_t vaddr, offset, memsz;
  };
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  std::vector<Load> loads;  // PT_LOAD segments, for the bias

  explicit Module(const std::string& path) {
    static char* debuginfo_path = nullptr;  // default: ":.debug:/usr/lib/debug"
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = &debuginfo_path,
    };
    if (path.empty() || path[0] != '/') return;
    dwfl = dwfl_begin(&callbacks);
    if (!dwfl) return;
    dwfl_report_begin(dwfl);
    mod = dwfl_report_elf(dwfl, path.c_str(), path.c_str(), -1, 0, false);
    dwfl_report_end(dwfl, nullptr, nullptr);
    if (!mod) return;
    GElf_Addr bias = 0;
    Elf* elf = dwfl_module_getelf(mod, &bias);
    size_t n = 0;
    if (!elf || elf_getphdrnum(elf, &n) != 0) return;
    for (size_t i = 0; i < n; ++i) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, static_cast<int>(i), &ph) && ph.p_type == PT_LOAD)
        loads.push_back({ph.p_vaddr, ph.p_offset, ph.p_memsz});
    }
  }
  ~Module() {
    if (dwfl) dwfl_end(dwfl);
  }
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Link-time address of the byte at `file_offset`, if a PT_LOAD covers it.
  std::optional<uint64_t> vaddr_of(uint64_t file_offset) const {
    for (const auto& l : loads)
      if (file_offset >= l.offset && file_offset - l.offset < std::max<uint64_t>(l.memsz, 1))
        return l.vaddr + (file_offset - l.offset);
    return std::nullopt;
  }
};

struct FrameKey {
  const void* maps;
  uint64_t ip;
  bool ra;
  bool operator==(const FrameKey&) const = default;
};
struct FrameKeyHash {
  size_t operator()(const FrameKey& k) const {
    return std::hash<uint64_t>()(k.ip * 31 + k.ra) ^ std::hash<const void*>()(k.maps);
  }
};

}  // namespace

std::vector<Mapping> parse_maps(std::string_view text) {
  std::vector<Mapping> out;
  while (!text.empty()) {
    size_t nl = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(std::min(nl + 1, text.size()));
    std::string_view range = next_field(line), perms = next_field(line), off = next_field(line);
    std::string_view dev = next_field(line), inode = next_field(line);
    size_t dash = range.find('-');
    Mapping m;
    if (dash == std::string_view::npos || inode.empty() || dev.empty() ||
        !parse_hex(range.substr(0, dash), m.start) || !parse_hex(range.substr(dash + 1), m.end) ||
        !parse_hex(off, m.offset) || m.end <= m.start)
      continue;
    m.perms = perms;
    size_t b = line.find_first_not_of(' ');
    if (b != std::string_view::npos) m.path = line.substr(b);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  return out;
}

struct Symbolizer::Impl {
  // Parsed snapshots by content; the last one by address for the hot path
  // (callers pass the same LogSet view over and over).
  std::unordered_map<std::string, std::vector<Mapping>> maps_by_text;
  const char* last_data = nullptr;
  size_t last_size = 0;
  const std::vector<Mapping>* last_maps = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Module>> modules;
  std::unordered_map<FrameKey, Frame, FrameKeyHash> frames;

  const std::vector<Mapping>& parsed(std::string_view text) {
    if (last_maps && text.data() == last_data && text.size() == last_size) return *last_maps;
    auto it = maps_by_text.find(std::string(text));
    if (it == maps_by_text.end()) it = maps_by_text.emplace(std::string(text), parse_maps(text)).first;
    last_data = text.data();
    last_size = text.size();
    last_maps = &it->second;
    return it->second;
  }

  Module& module(const std::string& path) {
    auto& m = modules[path];
    if (!m) m = std::make_unique<Module>(path);
    return *m;
  }

  // Bias when the ELF file cannot be read: assume the mapping at file offset 0
  // is the module's first PT_LOAD at vaddr 0 (true for PIE and shared objects).
  static uint64_t guessed_bias(const std::vector<Mapping>& maps, const Mapping& m) {
    uint64_t bias = m.start - m.offset;
    for (const auto& o : maps)
      if (o.path == m.path && o.offset == 0) return o.start;
    return bias;
  }

  Frame symbolize(const std::vector<Mapping>& maps, uint64_t ip, bool ra) {
    Frame f;
    f.ip = ip;
    uint64_t look = ra && ip > 0 ? ip - 1 : ip;
    auto it = std::upper_bound(maps.begin(), maps.end(), look,
                               [](uint64_t a, const Mapping& m) { return a < m.start; });
    if (it == maps.begin()) return f;
    const Mapping& m = *std::prev(it);
    if (look >= m.end || m.path.empty()) return f;
    f.module = m.path[0] == '/' ? openable_path(m.path) : m.path;
    Module& mod = module(f.module);
    uint64_t bias = guessed_bias(maps, m);
    if (auto va = mod.vaddr_of(m.offset + (look - m.start))) bias = look - *va;
    f.module_offset = ip - bias;
    uint64_t addr = look - bias;
    if (mod.mod) {
      GElf_Off off = 0;
      GElf_Sym sym;
      if (const char* name = dwfl_module_addrinfo(mod.mod, addr, &off, &sym, nullptr, nullptr, nullptr))
        f.function = demangle(std::string_view(name).substr(0, std::string_view(name).find('@')));  // drop "@@GLIBC_2.34"
      if (Dwfl_Line* line = dwfl_module_getsrc(mod.mod, addr)) {
        int lineno = 0;
        if (const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
          f.file = absolute_source(line, file);
          f.line = lineno;
        }
      }
    }
    if (f.function.empty()) f.function = fmt::format("{}+{:#x}", basename_of(f.module), f.module_offset);
    return f;
  }
};

Symbolizer::Symbolizer() : impl_(std::make_unique<Impl>()) {}
Symbolizer::~Symbolizer() = default;

Frame Symbolizer::resolve(std::string_view maps, uint64_t ip, bool return_address) {
  const auto& parsed = impl_->parsed(maps);
  FrameKey key{&parsed, ip, return_address};
  auto it = impl_->frames.find(key);
  if (it != impl_->frames.end()) return it->second;
  Frame f;
  try {
    f = impl_->symbolize(parsed, ip, return_address);
  } catch (const std::exception&) {
    f = Frame{};  // allocation failure or the like: an unknown frame, never a crash
    f.ip = ip;
  }
  impl_->frames.emplace(key, f);
  return f;
}

std::vector<Frame> Symbolizer::resolve_all(std::string_view maps, std::span<const uint64_t> ips) {
  std::vector<Frame> out;
  out.reserve(ips.size());
  for (size_t i = 0; i < ips.size(); ++i) out.push_back(resolve(maps, ips[i], i > 0));
  return out;
}

}  // namespace aa
