#include "log_reader_gen.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "exit_codes.h"
#include "log_reader.h"

namespace aa {
namespace {

// Writes chunks the way the shim lays them out: each thread fills its own
// chunk and claims the next free slot when it is full.
class ChunkedWriter {
 public:
  ChunkedWriter(const std::string& path, uint32_t chunk_size) : path_(path), chunk_size_(chunk_size) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw ToolError(kExitCantCreate, fmt::format("{}: {}", path, std::strerror(errno)));
  }
  ~ChunkedWriter() {
    if (fd_ >= 0) ::close(fd_);
  }

  void append(int32_t tid, const void* rec, size_t size) {
    Buf& b = bufs_[tid];
    if (b.bytes.empty() || b.used + size > chunk_size_) {
      if (!b.bytes.empty()) flush(b);
      b.bytes.assign(chunk_size_, 0);
      aa_chunk_header ch{AA_CHUNK_MAGIC, tid, 0};
      std::memcpy(b.bytes.data(), &ch, sizeof ch);
      b.used = sizeof ch;
    }
    std::memcpy(b.bytes.data() + b.used, rec, size);
    b.used += size;
  }

  uint64_t finish(aa_file_header h, const std::vector<char>& strings) {
    for (auto& [tid, b] : bufs_)
      if (!b.bytes.empty()) flush(b);
    h.chunks_claimed = next_chunk_;
    std::vector<uint8_t> head(AA_HEADER_SIZE, 0);
    std::memcpy(head.data(), &h, sizeof h);
    std::memcpy(head.data() + 4096, strings.data(), strings.size());
    put(head.data(), head.size(), 0);
    return AA_HEADER_SIZE + next_chunk_ * chunk_size_;
  }

 private:
  struct Buf {
    std::vector<uint8_t> bytes;
    size_t used = 0;
  };
  void flush(Buf& b) {
    put(b.bytes.data(), b.bytes.size(), AA_HEADER_SIZE + next_chunk_++ * chunk_size_);
    b.bytes.clear();
  }
  void put(const uint8_t* p, size_t n, uint64_t off) {
    while (n) {
      ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(off));
      if (w <= 0) throw ToolError(kExitCantCreate, fmt::format("{}: {}", path_, std::strerror(errno)));
      p += w, n -= w, off += w;
    }
  }
  std::string path_;
  uint32_t chunk_size_;
  int fd_ = -1;
  uint64_t next_chunk_ = 0;
  std::map<int32_t, Buf> bufs_;
};

struct Rng {
  uint64_t s;
  uint64_t next() {  // splitmix64
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
};

class Generator {
 public:
  Generator(const std::string& path, const GenOptions& o) : o_(o), w_(path, o.chunk_size), rng_{o.seed} {}

  GenResult run() {
    int32_t main_tid = o_.pid;
    uint64_t futex_q = 0x7f0000001000, mutex_q = 0x7f0000002000;
    maps(main_tid);
    for (int i = 1; i < o_.threads; ++i) {
      int32_t tid = o_.pid + i;
      emit(main_tid, AA_THREAD_CREATE, {i, 0x7f1000000000 + i}, 0);
      emit(tid, AA_THREAD_START, {i, main_tid, 0x7f1000000000 + i}, 0);
    }
    uint64_t job = 0;
    while (res_.records + 24 < o_.records) {
      int32_t worker = o_.threads > 1 ? o_.pid + 1 + static_cast<int32_t>(job % (o_.threads - 1)) : main_tid;
      std::string path = fmt::format("/tmp/awaitaudit-gen/file{}.dat", job % o_.files);
      int64_t fd = 3 + static_cast<int64_t>(job % 64);
      uint64_t job_futex = 0x7f0000100000 + 64 * (job % 1024);
      aa_stat st{2049, 1000 + job % o_.files, 0, 0100644, 1, static_cast<int64_t>(now_), 0};
      emit(main_tid, AA_OPEN, {-100, O_WRONLY | O_CREAT | O_TRUNC, 0644}, fd, &st, path);
      emit(main_tid, AA_MUTEX_LOCK, {static_cast<int64_t>(mutex_q), 0}, 0);
      emit(main_tid, AA_MUTEX_UNLOCK, {static_cast<int64_t>(mutex_q)}, 0);
      emit(main_tid, AA_FUTEX, {static_cast<int64_t>(futex_q), 129, 1}, 1);
      emit(worker, AA_FUTEX, {static_cast<int64_t>(futex_q), 128, 0}, 0, nullptr, {}, /*wait=*/true);
      emit(worker, AA_MUTEX_LOCK, {static_cast<int64_t>(mutex_q), 0}, 0);
      emit(worker, AA_MUTEX_UNLOCK, {static_cast<int64_t>(mutex_q)}, 0);
      bool premature = static_cast<int>(rng_.below(100)) < o_.premature_pct;
      int64_t count = 64 + static_cast<int64_t>(rng_.below(4096));
      aa_stat before = st;
      if (premature) emit(main_tid, AA_STATX, {-100, 0, 0xfff}, 0, &before, path);
      emit(worker, AA_WRITE, {fd, count, -1, 0}, count);
      st.size = count;
      emit(worker, AA_FSTAT, {fd}, 0, &st);
      emit(worker, AA_FUTEX, {static_cast<int64_t>(job_futex), 129, 1}, 1);
      if (!premature) {
        emit(main_tid, AA_FUTEX, {static_cast<int64_t>(job_futex), 128, 0}, 0, nullptr, {}, true);
        emit(main_tid, AA_STATX, {-100, 0, 0xfff}, 0, &st, path);
      }
      emit(main_tid, AA_READ, {fd, 4096, -1, 0}, count);
      emit(main_tid, AA_PWRITE, {fd, 16, 0, 0}, 16);
      emit(main_tid, AA_FSYNC, {fd}, 0);
      if (job % 16 == 0) emit(main_tid, AA_RENAME, {-100, -100, 0}, 0, nullptr, path, false, path + ".old");
      emit(main_tid, AA_CLOSE, {fd}, 0);
      ++job;
    }
    while (res_.records < o_.records) emit(main_tid, AA_LSEEK, {3, 0, 0}, 0);
    aa_file_header h{};
    std::memcpy(h.magic, AA_LOG_MAGIC, 8);
    h.version = AA_LOG_VERSION;
    h.header_size = AA_HEADER_SIZE;
    h.chunk_size = o_.chunk_size;
    h.flags = o_.clean_exit ? 1u : 0u;
    h.pid = o_.pid;
    h.ppid = 1;
    h.start_mono_ns = start_;
    h.start_real_ns = 1700000000000000000ull;
    h.clock_id = 1;
    h.log_id = o_.seed * 7919 + 1;
    h.stack_depth = o_.stacks ? 8 : 0;
    std::vector<char> s;
    auto put = [&](std::string_view v, uint32_t& off, uint32_t& len) {
      off = static_cast<uint32_t>(4096 + s.size());
      len = static_cast<uint32_t>(v.size());
      s.insert(s.end(), v.begin(), v.end());
      s.push_back('\0');
    };
    put("/usr/bin/awaitaudit-gen", h.exe_off, h.exe_len);
    put("/tmp/awaitaudit-gen", h.cwd_off, h.cwd_len);
    std::string argv = std::string("awaitaudit-gen") + '\0' + "--synthetic";
    put(argv, h.argv_off, h.argv_len);
    h.argc = 2;
    res_.bytes = w_.finish(h, s);
    return res_;
  }

 private:
  // One record on `tid`; waits entered earlier (when the thread went idle).
  void emit(int32_t tid, aa_kind kind, std::initializer_list<int64_t> args, int64_t ret,
            const aa_stat* st = nullptr, std::string_view path = {}, bool wait = false,
            std::string_view path2 = {}) {
    if (kind != AA_MAPS && kind != AA_STACK && res_.records >= o_.records) return;
    // now_ is the merge key and strictly increases in emission order, so the
    // reader must hand records back in exactly the order they were emitted.
    uint64_t dur = 100 + rng_.below(900);
    now_ += 200 + rng_.below(1800);
    if (now_ < idle_since(tid) + 1000) now_ = idle_since(tid) + 1000;
    Event probe;
    probe.kind = kind;
    std::copy(args.begin(), args.end(), probe.a);
    bool acquire = acquires_at_exit(probe);
    uint64_t t_enter = wait ? idle_since(tid) : acquire ? now_ - dur : now_;
    uint64_t t_exit = acquire ? now_ : now_ + dur;
    aa_record r{};
    r.kind = static_cast<uint16_t>(kind);
    r.tid = tid;
    r.t_enter = t_enter;
    r.t_exit = t_exit;
    r.ret = ret;
    // Intern the stack first: its STACK record goes before this one, in seq order too.
    if (o_.stacks && kind != AA_MAPS && kind != AA_STACK) r.stack_id = stack_for(tid, kind);
    r.seq = seq_[tid]++;
    int i = 0;
    for (int64_t a : args) r.a[i++] = a;
    std::vector<uint8_t> rec(sizeof r);
    if (st) {
      r.flags |= AA_F_STAT;
      rec.resize(rec.size() + sizeof *st);
      std::memcpy(rec.data() + sizeof r, st, sizeof *st);
    }
    auto add_str = [&](std::string_view s) {
      rec.insert(rec.end(), s.begin(), s.end());
      rec.push_back(0);
    };
    if (!path.empty() || kind == AA_MAPS) r.flags |= AA_F_PATH, add_str(path);
    if (!path2.empty()) r.flags |= AA_F_PATH2, add_str(path2);
    rec.resize((rec.size() + 7) & ~size_t{7});
    r.size = static_cast<uint32_t>(rec.size());
    std::memcpy(rec.data(), &r, sizeof r);
    if (o_.unfinished_every && (res_.records + 1) % o_.unfinished_every == 0 && kind != AA_MAPS) {
      aa_record u = r;  // a record the thread had not finished when it was killed
      u.kind = 0;
      u.size = sizeof u;
      w_.append(tid, &u, sizeof u);
      ++res_.unfinished;
    }
    w_.append(tid, rec.data(), rec.size());
    last_[tid] = t_exit;
    if (kind != AA_MAPS && kind != AA_STACK) ++res_.records;
  }

  uint64_t idle_since(int32_t tid) {
    auto it = last_.find(tid);
    return it == last_.end() ? start_ : it->second;
  }

  // A few distinct stacks per (thread role, kind); each STACK record is
  // written the first time its id is used, as the shim interns them.
  uint32_t stack_for(int32_t tid, aa_kind kind) {
    uint32_t id = static_cast<uint32_t>(kind) * 4 + (tid == o_.pid ? 1 : 2);
    if (!interned_.emplace(id, true).second) return id;
    struct {
      aa_record r;
      uint64_t ips[8];
    } s{};
    s.r.size = sizeof s;
    s.r.kind = AA_STACK;
    s.r.flags = AA_F_DATA;
    s.r.tid = tid;
    s.r.t_enter = s.r.t_exit = now_;
    s.r.seq = seq_[tid]++;
    s.r.a[0] = id;
    s.r.a[1] = 8;
    for (int i = 0; i < 8; ++i) s.ips[i] = 0x555500000000ull + id * 0x100 + i * 8;
    w_.append(tid, &s, sizeof s);
    ++res_.stacks;
    return id;
  }

  void maps(int32_t tid) {
    emit(tid, AA_MAPS, {0}, 0, nullptr,
         "555500000000-555500100000 r-xp 00000000 08:01 1234 /usr/bin/awaitaudit-gen\n"
         "7f0000000000-7f0000200000 r-xp 00000000 08:01 5678 /usr/lib/x86_64-linux-gnu/libc.so.6\n");
  }

  GenOptions o_;
  ChunkedWriter w_;
  Rng rng_;
  GenResult res_;
  uint64_t start_ = 1000000000ull;
  uint64_t now_ = 1000000000ull;
  std::map<int32_t, uint32_t> seq_;
  std::map<int32_t, uint64_t> last_;
  std::map<uint32_t, bool> interned_;
};

}  // namespace

GenResult generate_log(const std::string& path, const GenOptions& opts) {
  if (opts.threads < 1 || opts.files < 1 || opts.chunk_size < 4096 || opts.chunk_size % 8)
    throw ToolError(kExitUsage, "gen-log: threads and files must be >= 1, chunk size >= 4096 and a multiple of 8");
  return Generator(path, opts).run();
}

}  // namespace aa
