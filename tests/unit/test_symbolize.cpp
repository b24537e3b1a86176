// Symbolizer on the test binary itself, on libc, on a non-PIE executable and
// on files that are missing: module, bias, function and file:line.
#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstring>
#include <doctest/doctest.h>
#include <fstream>
#include <sstream>

#include "symbolize.h"

namespace {

std::string self_maps() {
  std::ifstream in("/proc/self/maps");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Load address (bias) of the object containing `addr`, as the dynamic loader sees it.
uint64_t loader_bias_of(const void* addr) {
  Dl_info info;
  link_map* lm = nullptr;
  if (!dladdr1(addr, &info, reinterpret_cast<void**>(&lm), RTLD_DL_LINKMAP) || !lm) return ~0ull;
  return lm->l_addr;
}

}  // namespace

namespace symtest {
int call_line = 0;

__attribute__((noinline)) uint64_t callee_returning_its_return_address() {
  asm volatile("");  // keep the call a real call
  return reinterpret_cast<uint64_t>(__builtin_return_address(0));
}

__attribute__((noinline)) uint64_t caller_of_callee() {
  call_line = __LINE__ + 1;
  uint64_t ra = callee_returning_its_return_address();
  asm volatile("");  // no tail call: the return address stays in this function
  return ra;
}
}  // namespace symtest

TEST_CASE("parse_maps keeps paths with spaces and skips malformed lines") {
  std::string text =
      "55d0c0000000-55d0c0001000 r--p 00000000 08:01 1234   /opt/my app/bin (deleted)\n"
      "garbage line\n"
      "7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0      [vdso]\n"
      "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
      "zz-10 r-xp 0 0 0 /x\n"
      "40000000-3fff0000 r-xp 00000000 00:00 0 /backwards\n";
  auto maps = aa::parse_maps(text);
  REQUIRE(maps.size() == 3);
  CHECK(maps[0].start == 0x55d0c0000000ull);
  CHECK(maps[0].path == "/opt/my app/bin (deleted)");
  CHECK(maps[1].path.empty());
  CHECK(maps[2].path == "[vdso]");
  CHECK(maps[2].perms == "r-xp");
}

TEST_CASE("a return address in the test binary resolves to the call line") {
  uint64_t ra = symtest::caller_of_callee();
  aa::Symbolizer sym;
  std::string maps = self_maps();
  aa::Frame f = sym.resolve(maps, ra, /*return_address=*/true);
  CHECK(f.function == "symtest::caller_of_callee()");
  CHECK(f.file.ends_with("test_symbolize.cpp"));
  CHECK(f.line == symtest::call_line);
  char exe[4096] = {};
  REQUIRE(readlink("/proc/self/exe", exe, sizeof exe - 1) > 0);
  CHECK(f.module == exe);
  CHECK(f.module_offset == ra - loader_bias_of(reinterpret_cast<void*>(ra)));
}

TEST_CASE("a function entry resolves to its own name, cached on the second call") {
  auto ip = reinterpret_cast<uint64_t>(&symtest::callee_returning_its_return_address);
  aa::Symbolizer sym;
  std::string maps = self_maps();
  aa::Frame a = sym.resolve(maps, ip);
  aa::Frame b = sym.resolve(maps, ip);
  CHECK(a.function == "symtest::callee_returning_its_return_address()");
  CHECK(a.file.ends_with("test_symbolize.cpp"));
  CHECK(a.line > 0);
  CHECK(b.function == a.function);
  CHECK(b.line == a.line);
}

TEST_CASE("libc frames: dynsym name, module path and bias of a shared object") {
  void* w = dlsym(RTLD_DEFAULT, "fsync");
  REQUIRE(w);
  auto ip = reinterpret_cast<uint64_t>(w);
  aa::Symbolizer sym;
  aa::Frame f = sym.resolve(self_maps(), ip);
  CHECK(f.module.find("libc.so") != std::string::npos);
  CHECK(f.function.find("fsync") != std::string::npos);
  CHECK(f.module_offset == ip - loader_bias_of(w));
  // Versioned dynsym names lose their "@@GLIBC_x" suffix.
  void* start = dlsym(RTLD_DEFAULT, "__libc_start_main");
  REQUIRE(start);
  CHECK(sym.resolve(self_maps(), reinterpret_cast<uint64_t>(start)).function == "__libc_start_main");
}

TEST_CASE("resolve_all looks up every frame but the first at ip-1") {
  uint64_t ra = symtest::caller_of_callee();
  uint64_t ips[] = {ra, ra};
  aa::Symbolizer sym;
  auto frames = sym.resolve_all(self_maps(), ips);
  REQUIRE(frames.size() == 2);
  CHECK(frames[1].line == symtest::call_line);
  CHECK(frames[0].ip == ra);
  CHECK(frames[1].ip == ra);
  CHECK(frames[0].module_offset == frames[1].module_offset);
}

TEST_CASE("a non-PIE executable has bias 0: module_offset is the link address") {
  const char* py = "/usr/bin/python3.11";
  if (access(py, R_OK) != 0) {
    MESSAGE("skipped: no ", py);
    return;
  }
  // Real layout of Debian's python3.11 (ET_EXEC at 0x400000): text at file offset 0x1f000.
  std::string maps = std::string("00400000-0041f000 r--p 00000000 08:01 42 ") + py + "\n" +
                     "0041f000-006d2000 r-xp 0001f000 08:01 42 " + py + "\n";
  aa::Symbolizer sym;
  aa::Frame f = sym.resolve(maps, 0x50d2d0);
  CHECK(f.module_offset == 0x50d2d0);
  CHECK(f.function == "PyLong_FromLong");
}

TEST_CASE("a PIE mapped at a different base: same module_offset, same symbol") {
  uint64_t ra = symtest::caller_of_callee();
  uint64_t bias = loader_bias_of(reinterpret_cast<void*>(ra));
  std::string maps = self_maps();
  // Rebase every mapping of the test binary by +16 MiB, as another run's ASLR would.
  char exe[4096] = {};
  REQUIRE(readlink("/proc/self/exe", exe, sizeof exe - 1) > 0);
  const uint64_t slide = 0x1000000;
  std::string moved;
  for (const auto& m : aa::parse_maps(maps)) {
    if (m.path != exe) continue;
    char line[8192];
    std::snprintf(line, sizeof line, "%lx-%lx %s %08lx 08:01 1 %s\n", (unsigned long)(m.start + slide),
                  (unsigned long)(m.end + slide), m.perms.c_str(), (unsigned long)m.offset, m.path.c_str());
    moved += line;
  }
  aa::Symbolizer sym;
  aa::Frame f = sym.resolve(moved, ra + slide, true);
  CHECK(f.module_offset == ra - bias);
  CHECK(f.function == "symtest::caller_of_callee()");
  CHECK(f.line == symtest::call_line);
}

TEST_CASE("missing file or unknown address: module+offset, never a throw") {
  std::string maps =
      "7f1000000000-7f1000010000 r-xp 00000000 08:01 9 /nonexistent/libgone.so\n"
      "7f2000000000-7f2000001000 r-xp 00000000 00:00 0 \n";
  aa::Symbolizer sym;
  aa::Frame f = sym.resolve(maps, 0x7f1000001234, false);
  CHECK(f.module == "/nonexistent/libgone.so");
  CHECK(f.module_offset == 0x1234);
  CHECK(f.function == "libgone.so+0x1234");
  CHECK(f.file.empty());
  aa::Frame anon = sym.resolve(maps, 0x7f2000000010);
  CHECK(anon.module.empty());
  CHECK(anon.function.empty());
  aa::Frame nowhere = sym.resolve("not maps at all", 0x1234);
  CHECK(nowhere.ip == 0x1234);
  CHECK(nowhere.function.empty());
}

TEST_CASE("a stripped shared object still names exported functions from dynsym") {
  void* h = dlopen("libz.so.1", RTLD_NOW);
  if (!h) {
    MESSAGE("skipped: no libz.so.1");
    return;
  }
  void* fn = dlsym(h, "crc32");
  REQUIRE(fn);
  aa::Symbolizer sym;
  aa::Frame f = sym.resolve(self_maps(), reinterpret_cast<uint64_t>(fn));
  CHECK(f.module.find("libz.so") != std::string::npos);
  CHECK(f.function == "crc32");
  dlclose(h);
}
