#include "log_reader_decode.h"

#include <cstring>

#include <fmt/format.h>

#include "exit_codes.h"

namespace aa {

namespace {
// The fixed part's size, by the layout flags; 0 when they contradict each other.
size_t fixed_size(uint16_t flags) {
  switch (flags & (AA_F_COMPACT | AA_F_TINY | AA_F_ADDR)) {
    case 0: return sizeof(aa_record);
    case AA_F_COMPACT: return sizeof(aa_record_compact);
    case AA_F_TINY: return sizeof(aa_record_tiny);
    case AA_F_ADDR: return sizeof(aa_record_addr);
    default: return 0;
  }
}
}  // namespace

RecordStatus decode_record(const uint8_t* p, size_t avail, const ChunkInfo& chunk, Event& ev, uint32_t* size_out) {
  if (avail < 8) return RecordStatus::kEnd;
  uint32_t size;
  uint16_t kind, flags;
  std::memcpy(&size, p, 4);
  std::memcpy(&kind, p + 4, 2);
  std::memcpy(&flags, p + 6, 2);
  if (size == 0) return RecordStatus::kEnd;
  const size_t fixed = fixed_size(flags);
  if (size < sizeof(aa_record_tiny) || size % 8 != 0 || size > avail) return RecordStatus::kBadSize;
  *size_out = size;
  if (kind == 0) return RecordStatus::kUnfinished;
  if (kind >= AA_KIND_COUNT || fixed == 0 || size < fixed) return RecordStatus::kBadKind;

  ev.kind = static_cast<aa_kind>(kind);
  ev.flags = flags;
  // Tiny and address records: tid from the chunk, time from its base, no stack or error.
  auto windowed = [&](const auto& r) {
    ev.tid = chunk.tid;
    ev.stack_id = 0;
    ev.t_enter = chunk.base_ns + r.t_delta;
    ev.t_exit = ev.t_enter + r.t_dur;
    ev.ret = r.ret;
    ev.err = 0;
    ev.seq = r.seq;
  };
  if (flags & AA_F_TINY) {
    aa_record_tiny r;
    std::memcpy(&r, p, sizeof r);
    windowed(r);
    ev.a[0] = r.a[0];
    ev.a[1] = r.a[1];
    ev.a[2] = (flags & AA_F_A2_NEG) ? -1 : 0;
    ev.a[3] = ev.a[4] = ev.a[5] = 0;
  } else if (flags & AA_F_ADDR) {
    aa_record_addr r;
    std::memcpy(&r, p, sizeof r);
    windowed(r);
    ev.a[0] = static_cast<int64_t>(r.a0);
    ev.a[1] = r.a[0];
    ev.a[2] = r.a[1];
    ev.a[3] = ev.a[4] = ev.a[5] = 0;
  } else if (flags & AA_F_COMPACT) {
    aa_record_compact r;
    std::memcpy(&r, p, sizeof r);
    ev.tid = chunk.tid;
    ev.stack_id = r.stack_id;
    ev.t_enter = r.t_enter;
    ev.t_exit = r.t_enter + r.t_dur;
    ev.ret = r.ret;
    ev.err = r.err;
    ev.seq = r.seq;
    for (int i = 0; i < 4; ++i) ev.a[i] = r.a[i];
    ev.a[4] = ev.a[5] = 0;
  } else {
    aa_record r;
    std::memcpy(&r, p, sizeof r);
    ev.tid = r.tid;
    ev.stack_id = r.stack_id;
    ev.t_enter = r.t_enter;
    ev.t_exit = r.t_exit;
    ev.ret = r.ret;
    ev.err = r.err;
    ev.seq = r.seq;
    std::memcpy(ev.a, r.a, sizeof ev.a);
  }

  const uint8_t* q = p + fixed;
  const uint8_t* end = p + size;
  if (flags & AA_F_STAT) {
    if (end - q < static_cast<ptrdiff_t>(sizeof(aa_stat))) return RecordStatus::kBadKind;
    aa_stat s;
    std::memcpy(&s, q, sizeof s);
    ev.st = StatInfo{s.dev, s.ino, s.size, s.mode, s.nlink, s.mtime_ns, s.btime_ns};
    q += sizeof(aa_stat);
  } else {
    ev.st.reset();
  }
  auto take_string = [&](std::string_view& out) {
    auto* nul = static_cast<const uint8_t*>(std::memchr(q, 0, end - q));
    if (!nul) return false;
    out = std::string_view(reinterpret_cast<const char*>(q), nul - q);
    q = nul + 1;
    return true;
  };
  ev.path = {};
  ev.path2 = {};
  if ((flags & AA_F_PATH) && !take_string(ev.path)) return RecordStatus::kBadKind;
  if ((flags & AA_F_PATH2) && !take_string(ev.path2)) return RecordStatus::kBadKind;
  ev.data = {};
  if (flags & AA_F_DATA) {
    // The payload starts at the next 8-byte boundary after the strings.
    size_t at = (static_cast<size_t>(q - p) + 7) & ~size_t{7};
    if (at <= size) {
      size_t n = (size - at) / 8;
      // STACK records say their depth; trust it only when it fits.
      if (ev.kind == AA_STACK && ev.a[1] >= 0 && static_cast<uint64_t>(ev.a[1]) < n) n = ev.a[1];
      ev.data = std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(p + at), n);
    }
  }
  return RecordStatus::kOk;
}

namespace {
std::string_view header_string(const uint8_t* base, uint32_t header_size, uint32_t off, uint32_t len,
                               const std::string& name, const char* what) {
  if (len == 0) return {};
  if (off > header_size || len > header_size - off)
    throw ToolError(kExitDataErr, fmt::format("{}: corrupt header ({} string out of bounds)", name, what));
  std::string_view s(reinterpret_cast<const char*>(base + off), len);
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}
}  // namespace

void decode_header(const uint8_t* p, size_t file_size, const std::string& name, ProcessInfo& info,
                   uint32_t* header_size, uint32_t* chunk_size, uint64_t* chunks_claimed) {
  if (file_size == 0) throw ToolError(kExitDataErr, fmt::format("{}: empty file, not an awaitaudit log", name));
  if (file_size < 8 || std::memcmp(p, AA_LOG_MAGIC, 8) != 0)
    throw ToolError(kExitDataErr, fmt::format("{}: not an awaitaudit log (bad magic)", name));
  if (file_size < sizeof(aa_file_header))
    throw ToolError(kExitDataErr, fmt::format("{}: truncated log (header cut off at {} bytes)", name, file_size));
  aa_file_header h;
  std::memcpy(&h, p, sizeof h);
  if (h.version < AA_LOG_VERSION_MIN || h.version > AA_LOG_VERSION)
    throw ToolError(kExitDataErr, fmt::format("{}: log format version {} (this awaitaudit reads versions {}-{})",
                                              name, h.version, AA_LOG_VERSION_MIN, AA_LOG_VERSION));
  if (h.header_size < sizeof(aa_file_header) || h.header_size % 8 != 0 || h.header_size > (16u << 20))
    throw ToolError(kExitDataErr, fmt::format("{}: corrupt header (header size {})", name, h.header_size));
  if (file_size < h.header_size)
    throw ToolError(kExitDataErr, fmt::format("{}: truncated log (header cut off at {} of {} bytes)", name,
                                              file_size, h.header_size));
  if (h.chunk_size < sizeof(aa_chunk_header) + sizeof(aa_record) || h.chunk_size % 8 != 0 ||
      h.chunk_size > (1u << 30))
    throw ToolError(kExitDataErr, fmt::format("{}: corrupt header (chunk size {})", name, h.chunk_size));

  info.pid = h.pid;
  info.ppid = h.ppid;
  info.start_mono_ns = h.start_mono_ns;
  info.start_real_ns = h.start_real_ns;
  info.log_id = h.log_id;
  info.parent_log_id = h.parent_log_id;
  info.stack_depth = h.stack_depth;
  // An image replaced by execve ended as cleanly as one that exited: its records are complete.
  info.clean_exit = (h.flags & (AA_HDR_CLEAN | AA_HDR_EXECED)) != 0;
  info.records_dropped = h.records_dropped;
  if (h.records_dropped)
    info.problems.push_back(fmt::format("{} records dropped: the log could not grow (disk full or a file-size limit), so this "
                                        "process's calls are incomplete",
                                        h.records_dropped));
  info.exe = header_string(p, h.header_size, h.exe_off, h.exe_len, name, "exe");
  info.cwd = header_string(p, h.header_size, h.cwd_off, h.cwd_len, name, "cwd");
  std::string_view argv = header_string(p, h.header_size, h.argv_off, h.argv_len, name, "argv");
  info.argv.clear();
  for (uint32_t i = 0; i < h.argc && (i == 0 || !argv.empty()); ++i) {
    size_t nul = argv.find('\0');
    info.argv.emplace_back(argv.substr(0, nul));
    if (nul == std::string_view::npos) break;
    argv.remove_prefix(nul + 1);
  }
  *header_size = h.header_size;
  *chunk_size = h.chunk_size;
  *chunks_claimed = h.chunks_claimed;
}

}  // namespace aa
