// LogSet: maps each log read-only, indexes it once (per-thread chunk lists,
// stacks, map snapshots) and then streams records merged across threads and
// processes.  Decoding happens on the fly in for_each; what stays in memory is
// the index, a cursor per thread and the pages of the chunks being read (each
// chunk's pages are dropped from the mapping once a cursor leaves it, so the
// resident set does not grow with the log).
#include "log_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "exit_codes.h"
#include "log_reader_decode.h"

namespace aa {

bool acquires_at_exit(const Event& ev) {
  switch (ev.kind) {
    case AA_FUTEX: {
      // Ops whose return means "woken" (or lock taken): FUTEX_WAIT, LOCK_PI,
      // TRYLOCK_PI, WAIT_BITSET, WAIT_REQUEUE_PI, LOCK_PI2.
      switch (ev.a[1] & 0x7f) {
        case 0: case 6: case 8: case 9: case 11: case 13: return true;
        default: return false;
      }
    }
    case AA_COND_WAIT: case AA_SEM_WAIT: case AA_EPOLL_WAIT: case AA_POLL: case AA_MUTEX_LOCK:
    case AA_THREAD_START: case AA_THREAD_JOIN: case AA_WAITPID: case AA_SHELL_WAIT:
      return true;
    default:
      return kind_class(ev.kind) == AA_CLASS_READ;
  }
}

uint64_t merge_time(const Event& ev) { return acquires_at_exit(ev) ? ev.t_exit : ev.t_enter; }

namespace {

constexpr size_t kMaxProblems = 20;

struct LogFile {
  const uint8_t* base = nullptr;
  size_t size = 0;
  bool mapped = true;  // false: caller's memory (open_memory): never unmapped, pages never dropped
  uint32_t header_size = 0, chunk_size = 0;
  std::unordered_map<uint32_t, std::span<const uint64_t>> stacks;
  std::vector<LogSet::Maps> maps;
};

struct ThreadStream {
  uint32_t proc;
  int32_t tid;
  std::vector<uint64_t> chunks;  // byte offsets of the thread's chunks, claim order
};

// The header of a chunk that add_bytes() accepted (its header lies in the file).
ChunkInfo chunk_info(const uint8_t* base, uint64_t off, int32_t tid) {
  aa_chunk_header ch;
  std::memcpy(&ch, base + off, sizeof ch);
  return ChunkInfo{tid, ch.base_ns};
}

// Drops the whole pages inside [from, to) of a mapping from our resident set;
// the file keeps them, so views into them stay valid (they fault back in).
void release_pages(const uint8_t* base, size_t from, size_t to) {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t a = (from + page - 1) / page * page, b = to / page * page;
  if (b > a) madvise(const_cast<uint8_t*>(base + a), b - a, MADV_DONTNEED);
}

void note(ProcessInfo& info, size_t& dropped, std::string msg) {
  if (info.problems.size() < kMaxProblems) info.problems.push_back(std::move(msg));
  else ++dropped;
}

std::vector<std::string> expand_inputs(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0)
      throw ToolError(kExitNoInput, fmt::format("{}: {}", p, std::strerror(errno)));
    if (!S_ISDIR(st.st_mode)) {
      files.push_back(p);
      continue;
    }
    DIR* d = opendir(p.c_str());
    if (!d) throw ToolError(kExitNoInput, fmt::format("{}: {}", p, std::strerror(errno)));
    std::vector<std::string> found;
    while (dirent* e = readdir(d)) {
      std::string_view n = e->d_name;
      if (n.size() > std::strlen(AA_LOG_SUFFIX) && n.ends_with(AA_LOG_SUFFIX)) {
        std::string f = p + (p.ends_with('/') ? "" : "/") + std::string(n);
        // A process killed between creating its log and writing the header
        // leaves an empty file (hardening: 2 of 1319 logs of CPython's
        // test_subprocess/test_signal run); it holds nothing, so it must not
        // sink the other logs.  Named explicitly, it is still an error.
        // The shim stores the magic last, so a header still all zero there
        // is the same case (seen once in CPython's test_subprocess too).
        struct stat fst;
        if (stat(f.c_str(), &fst) == 0 && S_ISREG(fst.st_mode)) {
          char magic[8] = {};
          bool unstarted = fst.st_size == 0;
          if (!unstarted) {
            int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
            unstarted = fd >= 0 && ::read(fd, magic, sizeof magic) == sizeof magic &&
                        std::all_of(magic, magic + sizeof magic, [](char c) { return c == 0; });
            if (fd >= 0) ::close(fd);
          }
          if (unstarted) {
            std::fprintf(stderr, "awaitaudit: warning: %s: %s log (process killed before its header was written), skipped\n",
                         f.c_str(), fst.st_size == 0 ? "empty" : "unfinished");
            continue;
          }
        }
        found.push_back(std::move(f));
      }
    }
    closedir(d);
    if (found.empty()) throw ToolError(kExitNoInput, fmt::format("{}: no *{} logs in this directory", p, AA_LOG_SUFFIX));
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (files.empty()) throw ToolError(kExitNoInput, "no logs given");
  return files;
}

}  // namespace

struct LogSet::Impl {
  std::vector<LogFile> logs;
  std::vector<ProcessInfo> procs;
  std::vector<ThreadStream> threads;
  uint64_t first_t = UINT64_MAX;  // earliest t_enter of any passed-on record

  ~Impl() {
    for (auto& l : logs)
      if (l.base && l.mapped) munmap(const_cast<uint8_t*>(l.base), l.size);
  }

  void add(const std::string& path);
  void add_bytes(LogFile lf, const std::string& path);
  void index(uint32_t proc);
};

void LogSet::Impl::add(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ToolError(kExitNoInput, fmt::format("{}: {}", path, std::strerror(errno)));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw ToolError(kExitDataErr, fmt::format("{}: not an awaitaudit log (not a regular file)", path));
  }
  LogFile lf;
  lf.size = static_cast<size_t>(st.st_size);
  if (lf.size > 0) {
    void* m = mmap(nullptr, lf.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      close(fd);
      throw ToolError(kExitNoInput, fmt::format("{}: cannot map: {}", path, std::strerror(e)));
    }
    lf.base = static_cast<const uint8_t*>(m);
  }
  close(fd);
  add_bytes(std::move(lf), path);
}

void LogSet::Impl::add_bytes(LogFile lf, const std::string& path) {
  ProcessInfo info;
  info.log_path = path;
  uint64_t claimed = 0;
  try {
    decode_header(lf.base, lf.size, path, info, &lf.header_size, &lf.chunk_size, &claimed);
  } catch (...) {
    if (lf.base && lf.mapped) munmap(const_cast<uint8_t*>(lf.base), lf.size);
    throw;
  }
  logs.push_back(std::move(lf));
  procs.push_back(std::move(info));
  uint32_t proc = static_cast<uint32_t>(procs.size() - 1);

  LogFile& log = logs.back();
  uint64_t present = (log.size - log.header_size + log.chunk_size - 1) / log.chunk_size;
  // A log that could not grow says so itself (records_dropped): the chunk
  // it claimed last never got its blocks.
  if (claimed > present && !procs.back().records_dropped) {
    procs.back().problems.push_back(fmt::format(
        "log truncated: {} of {} claimed chunks present, the last one partly", present, claimed));
  }
  uint64_t n = std::min(claimed, present);
  std::unordered_map<int32_t, size_t> by_tid;
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t off = log.header_size + k * log.chunk_size;
    aa_chunk_header ch;
    if (log.size - off < sizeof ch) break;
    std::memcpy(&ch, log.base + off, sizeof ch);
    // The read faulted in a window of pages (fault-around, large folios): drop it.
    if (log.mapped) release_pages(log.base, off, std::min<size_t>(log.size, off + log.chunk_size));
    if (ch.magic != AA_CHUNK_MAGIC) {
      // An all-zero chunk was claimed but never started (killed in between).
      if (ch.magic != 0 || ch.tid != 0) procs.back().problems.push_back(fmt::format("chunk {}: bad magic, skipped", k));
      continue;
    }
    auto [it, fresh] = by_tid.try_emplace(ch.tid, threads.size());
    if (fresh) threads.push_back({proc, ch.tid, {}});
    threads[it->second].chunks.push_back(off);
  }
  index(proc);
}

// First pass, in file order (sequential for readahead, and each chunk's pages
// are dropped right after): count, validate, and index stacks and map snapshots.
void LogSet::Impl::index(uint32_t proc) {
  LogFile& log = logs[proc];
  ProcessInfo& info = procs[proc];
  size_t dropped = 0;
  struct Seq {
    uint32_t last = 0;
    bool seen = false;
    uint64_t lost = 0;
  };
  std::unordered_map<int32_t, Seq> seqs;
  std::vector<std::pair<uint64_t, int32_t>> chunks;  // (offset, tid)
  for (const auto& t : threads)
    if (t.proc == proc)
      for (uint64_t off : t.chunks) chunks.emplace_back(off, t.tid);
  std::sort(chunks.begin(), chunks.end());
  Event ev;
  for (auto [off, tid] : chunks) {
    Seq& seq = seqs[tid];
    size_t end = std::min<size_t>(log.size, off + log.chunk_size);
    const ChunkInfo chunk = chunk_info(log.base, off, tid);
    size_t at = off + sizeof(aa_chunk_header);
    while (at < end) {
      uint32_t size = 0;
      // Fast path for the common record with no stat, path or payload:
      // decode_record's checks then reduce to size and kind, and the index
      // only needs seq and t_enter (the stream pass decodes it in full).
      if (end - at >= sizeof(aa_record_tiny)) {
        uint32_t rsize;
        uint16_t rkind, rflags;
        std::memcpy(&rsize, log.base + at, 4);
        std::memcpy(&rkind, log.base + at + 4, 2);
        std::memcpy(&rflags, log.base + at + 6, 2);
        const bool addr = rflags == AA_F_ADDR;
        const bool tiny = (rflags & ~AA_F_A2_NEG) == AA_F_TINY || addr;  // seq and t_delta where tiny has them
        const size_t fixed = addr ? sizeof(aa_record_addr)
                             : tiny ? sizeof(aa_record_tiny)
                             : rflags == AA_F_COMPACT ? sizeof(aa_record_compact)
                                                      : sizeof(aa_record);
        if ((rflags == 0 || rflags == AA_F_COMPACT || tiny) && rsize >= fixed && rsize % 8 == 0 &&
            rsize <= end - at && rkind != 0 && rkind < AA_KIND_COUNT && rkind != AA_STACK && rkind != AA_MAPS) {
          uint32_t rseq;
          uint64_t t_enter;
          if (tiny) {
            uint32_t delta;
            std::memcpy(&rseq, log.base + at + offsetof(aa_record_tiny, seq), 4);
            std::memcpy(&delta, log.base + at + offsetof(aa_record_tiny, t_delta), 4);
            t_enter = chunk.base_ns + delta;
          } else {
            // Compact and full fixed parts keep t_enter at offset 16; seq moves.
            std::memcpy(&rseq, log.base + at + (rflags ? offsetof(aa_record_compact, seq) : offsetof(aa_record, seq)),
                        4);
            std::memcpy(&t_enter, log.base + at + 16, 8);
          }
          at += rsize;
          if (seq.seen && rseq > seq.last + 1) seq.lost += rseq - seq.last - 1;
          seq.last = rseq;
          seq.seen = true;
          ++info.records;
          first_t = std::min(first_t, t_enter);
          continue;
        }
      }
      RecordStatus s = decode_record(log.base + at, end - at, chunk, ev, &size);
      if (s == RecordStatus::kEnd) break;
      if (s == RecordStatus::kBadSize) {
        note(info, dropped,
             fmt::format("tid {}: record at offset {} has a bad size, rest of its chunk skipped", tid, at));
        break;
      }
      at += size;
      if (s != RecordStatus::kOk) {
        ++info.skipped;
        continue;
      }
      if (seq.seen && ev.seq > seq.last + 1) seq.lost += ev.seq - seq.last - 1;
      seq.last = ev.seq;
      seq.seen = true;
      if (ev.kind == AA_STACK) {
        log.stacks.try_emplace(static_cast<uint32_t>(ev.a[0]), ev.data);
      } else if (ev.kind == AA_MAPS) {
        log.maps.push_back({ev.t_enter, ev.path});
      } else {
        ++info.records;
        if (ev.kind == AA_MARKER) ++info.markers;
        first_t = std::min(first_t, ev.t_enter);
      }
    }
    if (log.mapped) release_pages(log.base, off, end);
  }
  for (const auto& t : threads)
    if (t.proc == proc && seqs[t.tid].lost)
      note(info, dropped, fmt::format("tid {}: {} records lost (sequence gaps)", t.tid, seqs[t.tid].lost));
  if (dropped) info.problems.push_back(fmt::format("... and {} more problems", dropped));
  std::stable_sort(log.maps.begin(), log.maps.end(), [](const Maps& a, const Maps& b) { return a.t < b.t; });
}

LogSet LogSet::open(const std::vector<std::string>& paths_or_dirs) {
  auto impl = std::make_unique<Impl>();
  for (const auto& f : expand_inputs(paths_or_dirs)) impl->add(f);
  return LogSet(std::move(impl));
}

LogSet LogSet::open_memory(std::span<const uint8_t> bytes, const std::string& name) {
  auto impl = std::make_unique<Impl>();
  LogFile lf;
  lf.base = bytes.data();
  lf.size = bytes.size();
  lf.mapped = false;
  impl->add_bytes(std::move(lf), name);
  return LogSet(std::move(impl));
}

const std::vector<ProcessInfo>& LogSet::processes() const { return impl_->procs; }

uint64_t LogSet::min_time() const {
  return impl_->first_t == UINT64_MAX ? 0 : impl_->first_t;
}

std::span<const uint64_t> LogSet::stack(uint32_t proc, uint32_t stack_id) const {
  if (proc >= impl_->logs.size() || stack_id == 0) return {};
  const auto& st = impl_->logs[proc].stacks;
  auto it = st.find(stack_id);
  return it == st.end() ? std::span<const uint64_t>{} : it->second;
}

const std::vector<LogSet::Maps>& LogSet::maps(uint32_t proc) const { return impl_->logs.at(proc).maps; }

namespace {
struct Cursor {
  const uint8_t* base;
  size_t file_size, chunk_size;
  bool mapped;
  const std::vector<uint64_t>* chunks;
  int32_t tid;       // the chunks' owner (compact records leave it out)
  size_t chunk = 0;  // index into *chunks
  size_t at = 0, end = 0;
  ChunkInfo info;    // of the chunk being read
  Event ev;

  void enter_chunk() {
    info = chunk_info(base, (*chunks)[chunk], tid);
    at = (*chunks)[chunk] + sizeof(aa_chunk_header);
    end = std::min(file_size, (*chunks)[chunk] + chunk_size);
  }
  // Moves to the next record for_each passes on; false when the thread is done.
  bool next() {
    for (;;) {
      if (at < end) {
        uint32_t size = 0;
        RecordStatus s = decode_record(base + at, end - at, info, ev, &size);
        if (s == RecordStatus::kOk) {
          at += size;
          if (ev.kind == AA_STACK || ev.kind == AA_MAPS) continue;
          return true;
        }
        if (s == RecordStatus::kUnfinished || s == RecordStatus::kBadKind) {
          at += size;
          continue;
        }
      }
      // End of this chunk (size 0, bad size, or bytes exhausted).
      if (mapped) release_pages(base, (*chunks)[chunk], std::min(file_size, (*chunks)[chunk] + chunk_size));
      if (++chunk >= chunks->size()) return false;
      enter_chunk();
    }
  }
};

struct HeapItem {
  uint64_t key;
  uint32_t proc;
  int32_t tid;
  uint32_t cursor;
  // std heap is a max-heap: "greater" puts the earliest on top.
  bool operator<(const HeapItem& o) const {
    if (key != o.key) return key > o.key;
    if (proc != o.proc) return proc > o.proc;
    return tid > o.tid;
  }
};
}  // namespace

void LogSet::for_each(const std::function<void(const Event&)>& fn) const {
  std::vector<Cursor> cursors;
  cursors.reserve(impl_->threads.size());
  std::vector<HeapItem> heap;
  for (const auto& t : impl_->threads) {
    if (t.chunks.empty()) continue;
    const LogFile& log = impl_->logs[t.proc];
    Cursor c{log.base, log.size, log.chunk_size, log.mapped, &t.chunks, t.tid};
    c.ev.proc = t.proc;
    c.ev.pid = impl_->procs[t.proc].pid;
    c.enter_chunk();
    if (!c.next()) continue;
    cursors.push_back(std::move(c));
    heap.push_back({merge_time(cursors.back().ev), t.proc, t.tid, static_cast<uint32_t>(cursors.size() - 1)});
  }
  std::make_heap(heap.begin(), heap.end());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    HeapItem top = heap.back();
    heap.pop_back();
    Cursor& c = cursors[top.cursor];
    // Run ahead on one thread while it stays the earliest: no heap
    // operations for a run of records that no other thread interleaves.
    // heap.front() is the earliest of the others; keys never tie across
    // cursors (proc and tid break ties), so the order is the heap's order.
    for (;;) {
      fn(c.ev);
      if (!c.next()) break;
      top.key = merge_time(c.ev);
      if (heap.empty() || heap.front() < top) continue;
      heap.push_back(top);
      std::push_heap(heap.begin(), heap.end());
      break;
    }
  }
}

LogSet::LogSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogSet::LogSet(LogSet&&) noexcept = default;
LogSet& LogSet::operator=(LogSet&&) noexcept = default;
LogSet::~LogSet() = default;

}  // namespace aa
