// The log reader on generated logs (the generator writes the shim's format):
// merge order, skipped records, the stack and maps indexes, and damaged files.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <vector>

#include "exit_codes.h"
#include "log_reader.h"
#include "log_reader_decode.h"
#include "log_reader_gen.h"

namespace fs = std::filesystem;
using namespace aa;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/aa-reader-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

int error_code_of(const std::vector<std::string>& inputs) {
  try {
    LogSet::open(inputs);
  } catch (const ToolError& e) {
    return e.code;
  }
  return 0;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
}  // namespace

TEST_CASE("reader: records come back in emission order, each thread in its own order") {
  TempDir d;
  GenOptions o;
  o.records = 20000;
  o.threads = 6;
  o.chunk_size = 64 * 1024;  // many chunks per thread
  GenResult r = generate_log(d.file("a.aalog"), o);
  LogSet logs = LogSet::open({d.file("a.aalog")});
  REQUIRE(logs.processes().size() == 1);
  CHECK(logs.processes()[0].records == r.records);
  CHECK(logs.processes()[0].problems.empty());
  uint64_t n = 0, last_key = 0;
  bool ordered = true;
  std::map<int32_t, uint32_t> last_seq;
  bool thread_ordered = true;
  logs.for_each([&](const Event& ev) {
    ++n;
    uint64_t k = merge_time(ev);
    if (k < last_key) ordered = false;
    last_key = k;
    auto [it, fresh] = last_seq.try_emplace(ev.tid, ev.seq);
    if (!fresh && ev.seq <= it->second) thread_ordered = false;
    it->second = ev.seq;
    CHECK(ev.pid == o.pid);
    CHECK(ev.kind != AA_STACK);
    CHECK(ev.kind != AA_MAPS);
  });
  CHECK(n == r.records);
  CHECK(ordered);
  CHECK(thread_ordered);
  CHECK(last_seq.size() == 6);
}

TEST_CASE("reader: a worker's futex wait return is merged after the wake that ended it") {
  TempDir d;
  GenOptions o;
  o.records = 200;
  o.threads = 2;
  o.premature_pct = 0;
  generate_log(d.file("a.aalog"), o);
  LogSet logs = LogSet::open({d.path});
  // The wait entered long before the wake (t_enter earlier) but must come after it.
  bool saw_wake = false, wait_after_wake = false;
  logs.for_each([&](const Event& ev) {
    if (ev.kind != AA_FUTEX || wait_after_wake) return;
    if ((ev.a[1] & 0x7f) == 1 && ev.tid == o.pid) saw_wake = true;
    if ((ev.a[1] & 0x7f) == 0 && ev.tid != o.pid) {
      CHECK(saw_wake);
      wait_after_wake = true;
    }
  });
  CHECK(wait_after_wake);
}

TEST_CASE("reader: unfinished records are skipped and counted") {
  TempDir d;
  GenOptions o;
  o.records = 5000;
  o.unfinished_every = 7;
  GenResult r = generate_log(d.file("u.aalog"), o);
  REQUIRE(r.unfinished > 0);
  LogSet logs = LogSet::open({d.file("u.aalog")});
  CHECK(logs.processes()[0].skipped == r.unfinished);
  uint64_t n = 0;
  logs.for_each([&](const Event& ev) {
    ++n;
    CHECK(ev.kind != AA_KIND_NONE);
  });
  CHECK(n == r.records);
}

TEST_CASE("reader: stacks are indexed by id and maps snapshots kept") {
  TempDir d;
  GenOptions o;
  o.records = 3000;
  o.stacks = true;
  GenResult r = generate_log(d.file("s.aalog"), o);
  REQUIRE(r.stacks > 0);
  LogSet logs = LogSet::open({d.file("s.aalog")});
  uint64_t with_stack = 0;
  bool all_found = true;
  logs.for_each([&](const Event& ev) {
    if (!ev.stack_id) return;
    ++with_stack;
    auto ips = logs.stack(ev.proc, ev.stack_id);
    if (ips.size() != 8 || ips[0] != 0x555500000000ull + ev.stack_id * 0x100ull) all_found = false;
  });
  CHECK(with_stack == r.records);
  CHECK(all_found);
  CHECK(logs.stack(0, 999999).empty());
  REQUIRE(logs.maps(0).size() == 1);
  CHECK(logs.maps(0)[0].text.find("libc.so.6") != std::string_view::npos);
  CHECK(logs.processes()[0].argv == std::vector<std::string>{"awaitaudit-gen", "--synthetic"});
  CHECK(logs.processes()[0].clean_exit);
}

TEST_CASE("reader: two processes merge into one time order") {
  TempDir d;
  GenOptions a, b;
  a.records = b.records = 4000;
  a.pid = 100;
  b.pid = 200;
  b.seed = 99;
  generate_log(d.file("a.aalog"), a);
  generate_log(d.file("b.aalog"), b);
  LogSet logs = LogSet::open({d.path});
  REQUIRE(logs.processes().size() == 2);
  uint64_t last = 0, n = 0;
  bool ordered = true;
  std::map<int32_t, uint64_t> per_pid;
  logs.for_each([&](const Event& ev) {
    ordered = ordered && merge_time(ev) >= last;
    last = merge_time(ev);
    ++per_pid[ev.pid];
    ++n;
  });
  CHECK(ordered);
  CHECK(per_pid[100] == 4000);
  CHECK(per_pid[200] == 4000);
}

TEST_CASE("reader: missing, empty, foreign, and header-damaged files are tool errors") {
  TempDir d;
  CHECK(error_code_of({d.file("missing.aalog")}) == kExitNoInput);
  CHECK(error_code_of({d.path}) == kExitNoInput);  // directory without logs
  write_bytes(d.file("empty.aalog"), "");
  CHECK(error_code_of({d.file("empty.aalog")}) == kExitDataErr);
  write_bytes(d.file("foreign"), std::string("\x7f" "ELF\x02\x01\x01", 7) + std::string(5000, 'x'));
  CHECK(error_code_of({d.file("foreign")}) == kExitDataErr);
  write_bytes(d.file("short.aalog"), "AWAITLOG\x01");
  CHECK(error_code_of({d.file("short.aalog")}) == kExitDataErr);

  GenOptions o;
  o.records = 100;
  generate_log(d.file("v.aalog"), o);
  {  // wrong version
    std::fstream f(d.file("v.aalog"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    uint32_t v = 99;
    f.write(reinterpret_cast<const char*>(&v), 4);
  }
  CHECK(error_code_of({d.file("v.aalog")}) == kExitDataErr);
}

TEST_CASE("reader: a log cut mid-chunk decodes partially and says so") {
  TempDir d;
  GenOptions o;
  o.records = 50000;
  o.threads = 3;
  o.chunk_size = 64 * 1024;
  GenResult r = generate_log(d.file("t.aalog"), o);
  uint64_t cut = AA_HEADER_SIZE + 10 * o.chunk_size + 12345;
  REQUIRE(r.bytes > cut);
  REQUIRE(truncate(d.file("t.aalog").c_str(), static_cast<off_t>(cut)) == 0);
  LogSet logs = LogSet::open({d.file("t.aalog")});
  const ProcessInfo& p = logs.processes()[0];
  CHECK(p.records > 0);
  CHECK(p.records < r.records);
  REQUIRE(!p.problems.empty());
  CHECK(p.problems[0].find("truncated") != std::string::npos);
  uint64_t n = 0;
  logs.for_each([&](const Event&) { ++n; });
  CHECK(n == p.records);
}

TEST_CASE("reader: a chunk with a bad magic is skipped, the rest decodes") {
  TempDir d;
  GenOptions o;
  o.records = 20000;
  o.chunk_size = 64 * 1024;
  GenResult r = generate_log(d.file("c.aalog"), o);
  {
    std::fstream f(d.file("c.aalog"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(AA_HEADER_SIZE + 2 * o.chunk_size);
    f.write("JUNK", 4);
  }
  LogSet logs = LogSet::open({d.file("c.aalog")});
  const ProcessInfo& p = logs.processes()[0];
  REQUIRE(p.problems.size() == 2);
  CHECK(p.problems[0] == "chunk 2: bad magic, skipped");
  // The skipped chunk's records are missing from its thread's sequence.
  CHECK(p.problems[1].find("records lost (sequence gaps)") != std::string::npos);
  CHECK(p.records < r.records);
  CHECK(p.records > r.records / 2);
}

TEST_CASE("decode_record: random bytes never decode out of bounds") {
  std::mt19937_64 rng(7);
  alignas(8) uint8_t buf[512];
  Event ev;
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    for (auto& b : buf) b = static_cast<uint8_t>(rng());
    uint32_t size = static_cast<uint32_t>(32 + 8 * (rng() % 48));
    std::memcpy(buf, &size, 4);
    uint16_t kind = static_cast<uint16_t>(rng() % (AA_KIND_COUNT + 3));
    std::memcpy(buf + 4, &kind, 2);
    size_t avail = 96 + rng() % (sizeof buf - 96);
    uint32_t got = 0;
    if (i % 4) {  // a quarter each full, compact, tiny and address
      constexpr uint16_t kLayout[] = {0, AA_F_COMPACT, AA_F_TINY, AA_F_ADDR};
      uint16_t flags;
      std::memcpy(&flags, buf + 6, 2);
      flags = static_cast<uint16_t>((flags & ~(AA_F_COMPACT | AA_F_TINY | AA_F_ADDR)) | kLayout[i % 4]);
      std::memcpy(buf + 6, &flags, 2);
    }
    if (decode_record(buf, avail, ChunkInfo{1234, rng()}, ev, &got) == RecordStatus::kOk) {
      ++ok;
      CHECK(got <= avail);
      auto inside = [&](const void* p, size_t n) {
        auto* c = static_cast<const uint8_t*>(p);
        return n == 0 || (c >= buf && c + n <= buf + got);
      };
      CHECK(inside(ev.path.data(), ev.path.size()));
      CHECK(inside(ev.path2.data(), ev.path2.size()));
      CHECK(inside(ev.data.data(), ev.data.size() * 8));
    }
  }
  CHECK(ok > 0);
}

TEST_CASE("decode_record: a compact record decodes like the full one it stands for") {
  alignas(8) uint8_t buf[sizeof(aa_record_compact) + sizeof(aa_stat)] = {};
  aa_record_compact c{};
  c.size = sizeof buf;
  c.kind = AA_FSTAT;
  c.flags = AA_F_COMPACT | AA_F_STAT | AA_F_DELAYED;
  c.seq = 41;
  c.stack_id = 7;
  c.t_enter = 5'000'000'000'123ull;
  c.t_dur = 4'000'000'000u;  // above INT32_MAX: the duration is unsigned
  c.err = 0;
  c.ret = 0;
  c.a[0] = 5;
  c.a[1] = -1;
  c.a[2] = INT32_MIN;
  c.a[3] = INT32_MAX;
  aa_stat st{};
  st.size = 4096;
  st.ino = 99;
  std::memcpy(buf, &c, sizeof c);
  std::memcpy(buf + sizeof c, &st, sizeof st);
  Event ev;
  uint32_t got = 0;
  REQUIRE(decode_record(buf, sizeof buf, ChunkInfo{4321, 0}, ev, &got) == RecordStatus::kOk);
  CHECK(got == sizeof buf);
  CHECK(ev.kind == AA_FSTAT);
  CHECK(ev.seq == 41);
  CHECK(ev.stack_id == 7);
  CHECK(ev.t_enter == 5'000'000'000'123ull);
  CHECK(ev.t_exit == 5'000'000'000'123ull + 4'000'000'000ull);
  CHECK(ev.a[0] == 5);
  CHECK(ev.a[1] == -1);
  CHECK(ev.a[2] == INT32_MIN);
  CHECK(ev.a[3] == INT32_MAX);
  CHECK(ev.a[4] == 0);
  CHECK(ev.a[5] == 0);
  REQUIRE(ev.st.has_value());
  CHECK(ev.st->size == 4096);
  CHECK(ev.st->ino == 99);
  CHECK((ev.flags & AA_F_DELAYED) != 0);
  // A compact record whose size leaves no room for its stat is skipped, not read past.
  c.size = sizeof(aa_record_compact);
  std::memcpy(buf, &c, sizeof c);
  CHECK(decode_record(buf, sizeof buf, ChunkInfo{4321, 0}, ev, &got) == RecordStatus::kBadKind);
  CHECK(got == sizeof(aa_record_compact));
}

// Decodes a tiny or address record that must come out whole and fine, into
// an Event that holds leftovers of an earlier record which the decoder must
// clear; such records take their tid from the chunk and have no stack or error.
static Event decode_windowed(const uint8_t* buf, size_t n, ChunkInfo chunk) {
  Event ev;
  ev.stack_id = 9;
  ev.err = 9;
  ev.a[3] = 9;
  uint32_t got = 0;
  REQUIRE(decode_record(buf, n, chunk, ev, &got) == RecordStatus::kOk);
  CHECK(got == n);
  CHECK(ev.tid == chunk.tid);
  CHECK(ev.stack_id == 0);
  CHECK(ev.err == 0);
  return ev;
}

TEST_CASE("decode_record: a tiny record decodes like the full one it stands for") {
  alignas(8) uint8_t buf[sizeof(aa_record_tiny) + sizeof(aa_stat)] = {};
  aa_record_tiny t{};
  t.size = sizeof buf;
  t.kind = AA_WRITE;
  t.flags = AA_F_TINY | AA_F_A2_NEG | AA_F_STAT | AA_F_DELAYED;
  t.seq = 77;
  t.t_delta = 4'000'000'000u;  // above INT32_MAX: the delta is unsigned
  t.t_dur = 3'000'000'000u;
  t.ret = INT32_MIN;
  t.a[0] = 5;
  t.a[1] = INT32_MAX;
  aa_stat st{};
  st.size = 64;
  std::memcpy(buf, &t, sizeof t);
  std::memcpy(buf + sizeof t, &st, sizeof st);
  const uint64_t base = 7'000'000'000'000ull;
  Event ev = decode_windowed(buf, sizeof buf, ChunkInfo{4321, base});
  uint32_t got = 0;
  CHECK(ev.kind == AA_WRITE);
  CHECK(ev.seq == 77);
  CHECK(ev.t_enter == base + 4'000'000'000ull);
  CHECK(ev.t_exit == base + 7'000'000'000ull);
  CHECK(ev.ret == INT32_MIN);
  CHECK(std::vector<int64_t>(ev.a, ev.a + 6) == std::vector<int64_t>{5, INT32_MAX, -1, 0, 0, 0});
  REQUIRE(ev.st.has_value());
  CHECK(ev.st->size == 64);
  CHECK((ev.flags & AA_F_DELAYED) != 0);
  // Without AA_F_A2_NEG a[2] is 0.
  t.flags = AA_F_TINY | AA_F_STAT;
  std::memcpy(buf, &t, sizeof t);
  REQUIRE(decode_record(buf, sizeof buf, ChunkInfo{4321, base}, ev, &got) == RecordStatus::kOk);
  CHECK(ev.a[2] == 0);
  // Room for the tiny part but not its stat: skipped, not read past.
  t.size = sizeof(aa_record_tiny);
  std::memcpy(buf, &t, sizeof t);
  CHECK(decode_record(buf, sizeof buf, ChunkInfo{4321, base}, ev, &got) == RecordStatus::kBadKind);
  CHECK(got == sizeof(aa_record_tiny));
  // Tiny and compact at once contradict each other: skipped.
  t.size = sizeof buf;
  t.flags = AA_F_TINY | AA_F_COMPACT;
  std::memcpy(buf, &t, sizeof t);
  CHECK(decode_record(buf, sizeof buf, ChunkInfo{4321, base}, ev, &got) == RecordStatus::kBadKind);
}

TEST_CASE("decode_record: an address record decodes like the full one it stands for") {
  alignas(8) uint8_t buf[sizeof(aa_record_addr)] = {};
  aa_record_addr r{};
  r.size = sizeof buf;
  r.kind = AA_FUTEX;
  r.flags = AA_F_ADDR | AA_F_DELAYED;
  r.seq = 12;
  r.t_delta = 4'000'000'000u;
  r.t_dur = 250;
  r.ret = -2;
  r.a0 = 0xfffff7ff12345678ull;  // all 64 bits kept, sign bit included
  r.a[0] = INT32_MIN;
  r.a[1] = 7;
  std::memcpy(buf, &r, sizeof r);
  const uint64_t base = 7'000'000'000'000ull;
  Event ev = decode_windowed(buf, sizeof buf, ChunkInfo{55, base});
  uint32_t got = 0;
  CHECK(ev.kind == AA_FUTEX);
  CHECK(ev.seq == 12);
  CHECK(ev.t_enter == base + 4'000'000'000ull);
  CHECK(ev.t_exit == base + 4'000'000'250ull);
  CHECK(ev.ret == -2);
  // a[0] whole, sign bit included; a[3] (9 before) cleared.
  CHECK(std::vector<int64_t>(ev.a, ev.a + 6) ==
        std::vector<int64_t>{static_cast<int64_t>(0xfffff7ff12345678ull), INT32_MIN, 7, 0, 0, 0});
  CHECK(!ev.st.has_value());
  CHECK((ev.flags & AA_F_DELAYED) != 0);
  // Too short for its fixed part: skipped, not read past.
  r.size = sizeof(aa_record_tiny);
  std::memcpy(buf, &r, sizeof r);
  CHECK(decode_record(buf, sizeof buf, ChunkInfo{55, base}, ev, &got) == RecordStatus::kBadKind);
  // Address and tiny at once contradict each other: skipped.
  r.size = sizeof buf;
  r.flags = AA_F_ADDR | AA_F_TINY;
  std::memcpy(buf, &r, sizeof r);
  CHECK(decode_record(buf, sizeof buf, ChunkInfo{55, base}, ev, &got) == RecordStatus::kBadKind);
}

TEST_CASE("reader: records the shim had no room for are reported as a problem of the process") {
  TempDir d;
  GenOptions o;
  o.records = 200;
  generate_log(d.file("full.aalog"), o);
  {
    LogSet logs = LogSet::open({d.file("full.aalog")});
    CHECK(logs.processes()[0].problems.empty());
  }
  int fd = ::open(d.file("full.aalog").c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  uint32_t dropped = 17;
  REQUIRE(::pwrite(fd, &dropped, 4, offsetof(aa_file_header, records_dropped)) == 4);
  ::close(fd);
  LogSet logs = LogSet::open({d.file("full.aalog")});
  const auto& problems = logs.processes()[0].problems;
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].rfind("17 records dropped", 0) == 0);
}

TEST_CASE("reader: version 1 logs (no compact records) still open; unknown versions do not") {
  TempDir d;
  GenOptions o;
  o.records = 500;
  o.threads = 2;
  GenResult r = generate_log(d.file("v1.aalog"), o);
  auto set_version = [&](uint32_t v) {
    int fd = ::open(d.file("v1.aalog").c_str(), O_WRONLY);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, &v, 4, offsetof(aa_file_header, version)) == 4);
    ::close(fd);
  };
  set_version(1);
  LogSet logs = LogSet::open({d.file("v1.aalog")});
  REQUIRE(logs.processes().size() == 1);
  CHECK(logs.processes()[0].records == r.records);
  CHECK(logs.processes()[0].problems.empty());
  set_version(AA_LOG_VERSION + 1);
  CHECK(error_code_of({d.file("v1.aalog")}) == kExitDataErr);
  set_version(0);
  CHECK(error_code_of({d.file("v1.aalog")}) == kExitDataErr);
}
