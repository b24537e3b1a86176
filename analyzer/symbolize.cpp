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
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <optional>
#include <unordered_map>

#include "symbolize.h"
#include "symbolize_dwarf.h"

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

std::string absolute_source(Dwfl_Line* line, const char* file) {
  return absolute_in_cu(dwfl_linecu(line), file);
}

// One ELF file, opened lazily and kept for the Symbolizer's life.
struct Module {
  struct Load {
    uint64_t vaddr, offset, memsz;
  };
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  std::vector<Load> loads;  // PT_LOAD segments, for the bias

  int64_t mtime_ns = 0;  // of the file now, for the changed-since-traced test
  bool warned = false;

  explicit Module(const std::string& path) {
    static char* debuginfo_path = nullptr;  // default: ":.debug:/usr/lib/debug"
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = &debuginfo_path,
    };
    if (path.empty() || path[0] != '/') return;
    struct stat st;
    if (stat(path.c_str(), &st) == 0) mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
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
  uint64_t taken_real_ns;
  bool operator==(const FrameKey&) const = default;
};
struct FrameKeyHash {
  size_t operator()(const FrameKey& k) const {
    return std::hash<uint64_t>()(k.ip * 31 + k.ra + k.taken_real_ns * 7) ^ std::hash<const void*>()(k.maps);
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
  std::unordered_map<FrameKey, std::vector<Frame>, FrameKeyHash> frames;
  // Never empty: an unresolvable ip is one frame with just the ip.
  const std::vector<Frame>& cached(std::string_view maps, uint64_t ip, bool return_address, uint64_t taken_real_ns);

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

  // The source-level frames at ip, innermost first: more than one where
  // calls were inlined into the function that holds ip.
  // A file rebuilt (or replaced, or deleted) after the snapshot is not the
  // code that ran: its symbols and lines would name the wrong source, so
  // its frames stay module+offset, with one warning per file.
  static bool changed_since(Module& mod, const Mapping& m, const std::string& path, uint64_t taken_real_ns) {
    bool deleted = m.path.size() > kDeleted.size() && m.path.ends_with(kDeleted);
    bool newer = taken_real_ns && mod.mtime_ns > int64_t(taken_real_ns);
    if (!deleted && !newer) return false;
    if (!mod.warned && mod.mod)
      fmt::print(stderr, "awaitaudit: warning: {} {} after it was traced; its frames are left as offsets\n", path,
                 deleted ? "was replaced or deleted" : "was modified");
    mod.warned = true;
    return true;
  }

  std::vector<Frame> symbolize(const std::vector<Mapping>& maps, uint64_t ip, bool ra, uint64_t taken_real_ns) {
    Frame f;
    f.ip = ip;
    uint64_t look = ra && ip > 0 ? ip - 1 : ip;
    auto it = std::upper_bound(maps.begin(), maps.end(), look,
                               [](uint64_t a, const Mapping& m) { return a < m.start; });
    if (it == maps.begin()) return {f};
    const Mapping& m = *std::prev(it);
    if (look >= m.end || m.path.empty()) return {f};
    f.module = m.path[0] == '/' ? openable_path(m.path) : m.path;
    Module& mod = module(f.module);
    uint64_t bias = guessed_bias(maps, m);
    if (auto va = mod.vaddr_of(m.offset + (look - m.start))) bias = look - *va;
    f.module_offset = ip - bias;
    uint64_t addr = look - bias;
    bool usable = mod.mod && !changed_since(mod, m, f.module, taken_real_ns);
    if (usable) {
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
    if (!usable) return {f};
    auto calls = inlined_calls(mod.mod, addr);
    std::vector<Frame> out;
    out.reserve(calls.size() + 1);
    Frame inner = f;
    for (auto& c : calls) {
      inner.function = c.function.empty() ? f.function : c.function;
      out.push_back(inner);
      inner.file = std::move(c.call_file);  // the caller's line: where it called the inlined body
      inner.line = c.call_line;
    }
    inner.function = f.function;
    out.push_back(std::move(inner));
    return out;
  }
};

Symbolizer::Symbolizer() : impl_(std::make_unique<Impl>()) {}
Symbolizer::~Symbolizer() = default;

const std::vector<Frame>& Symbolizer::Impl::cached(std::string_view maps, uint64_t ip, bool return_address,
                                                   uint64_t taken_real_ns) {
  const auto& parsed_maps = parsed(maps);
  FrameKey key{&parsed_maps, ip, return_address, taken_real_ns};
  auto it = frames.find(key);
  if (it != frames.end()) return it->second;
  std::vector<Frame> out;
  try {
    out = symbolize(parsed_maps, ip, return_address, taken_real_ns);
  } catch (const std::exception&) {
    out.assign(1, Frame{});  // allocation failure or the like: an unknown frame, never a crash
    out[0].ip = ip;
  }
  return frames.emplace(key, std::move(out)).first->second;
}

Frame Symbolizer::resolve(std::string_view maps, uint64_t ip, bool return_address) {
  return impl_->cached(maps, ip, return_address, 0).front();
}

std::vector<Frame> Symbolizer::resolve_all(std::string_view maps, std::span<const uint64_t> ips,
                                           uint64_t taken_real_ns) {
  std::vector<Frame> out;
  out.reserve(ips.size());
  for (size_t i = 0; i < ips.size(); ++i) {
    const auto& logical = impl_->cached(maps, ips[i], i > 0, taken_real_ns);
    out.insert(out.end(), logical.begin(), logical.end());
  }
  return out;
}

}  // namespace aa
