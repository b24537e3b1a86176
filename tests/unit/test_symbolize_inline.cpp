// Inlined calls expand into one frame each, with the caller's line at the
// call site, as in an optimised build where the user's helper folds into its
// caller.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "symbolize.h"

namespace symtest {
uint64_t callee_returning_its_return_address();  // test_symbolize.cpp: noinline
int inlined_call_line = 0, outer_call_line = 0;

__attribute__((always_inline)) inline uint64_t inlined_helper() {
  inlined_call_line = __LINE__ + 1;
  uint64_t ra = callee_returning_its_return_address();
  asm volatile("");
  return ra;
}

__attribute__((noinline)) uint64_t outer_with_inlined_helper() {
  outer_call_line = __LINE__ + 1;
  uint64_t ra = inlined_helper();
  asm volatile("");  // no tail call
  return ra;
}
}  // namespace symtest

TEST_CASE("an inlined call gives a frame for the inlined function and one for its caller") {
  uint64_t ra = symtest::outer_with_inlined_helper();
  std::ifstream in("/proc/self/maps");
  std::stringstream maps;
  maps << in.rdbuf();
  aa::Symbolizer sym;
  uint64_t entry = reinterpret_cast<uint64_t>(&symtest::outer_with_inlined_helper);
  std::vector<uint64_t> ips{entry, ra};
  auto frames = sym.resolve_all(maps.str(), ips);
  // frames[0] is the entry (exact ip, not inlined); then the two for ra.
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].function == "symtest::outer_with_inlined_helper()");
  CHECK(frames[1].function == "symtest::inlined_helper()");
  CHECK(frames[1].line == symtest::inlined_call_line);
  CHECK(frames[1].file.ends_with("test_symbolize_inline.cpp"));
  CHECK(frames[2].function == "symtest::outer_with_inlined_helper()");
  CHECK(frames[2].line == symtest::outer_call_line);
  CHECK(frames[2].file == frames[1].file);
  CHECK(frames[1].module_offset == frames[2].module_offset);
  // resolve() alone gives the innermost of them.
  CHECK(sym.resolve(maps.str(), ra, true).function == "symtest::inlined_helper()");
}

TEST_CASE("an address without inlining is a single frame") {
  std::ifstream in("/proc/self/maps");
  std::stringstream maps;
  maps << in.rdbuf();
  aa::Symbolizer sym;
  std::vector<uint64_t> ips{reinterpret_cast<uint64_t>(&symtest::outer_with_inlined_helper)};
  CHECK(sym.resolve_all(maps.str(), ips).size() == 1);
}
