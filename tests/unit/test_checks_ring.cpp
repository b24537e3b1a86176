// The checker's bounded window: oldest-first, overwrites the oldest when full.
#include <doctest/doctest.h>

#include <vector>

#include "check_ring.h"

namespace {
template <class R>
std::vector<int> items(const R& r) {
  std::vector<int> out;
  for (const auto& v : r) out.push_back(v);
  return out;
}
}  // namespace

TEST_CASE("ring: grows to N, then drops the oldest") {
  aa::Ring<int, 3> r;
  CHECK(r.empty());
  r.push_back(1);
  r.push_back(2);
  CHECK(items(r) == std::vector<int>{1, 2});
  r.push_back(3);
  r.push_back(4);
  CHECK(r.size() == 3);
  CHECK(items(r) == std::vector<int>{2, 3, 4});
  for (int i = 5; i <= 11; ++i) r.push_back(i);
  CHECK(items(r) == std::vector<int>{9, 10, 11});
  r.pop_front();
  CHECK(items(r) == std::vector<int>{10, 11});
  r.push_back(12);
  CHECK(items(r) == std::vector<int>{10, 11, 12});
  r.push_back(13);
  CHECK(items(r) == std::vector<int>{11, 12, 13});
}
