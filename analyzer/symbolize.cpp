// Offline symbolizer (first cut: module lookup only).
#include "symbolize.h"

namespace aa {

struct Symbolizer::Impl {};

Symbolizer::Symbolizer() : impl_(std::make_unique<Impl>()) {}
Symbolizer::~Symbolizer() = default;

Frame Symbolizer::resolve(std::string_view, uint64_t ip) {
  Frame f;
  f.ip = ip;
  return f;
}

std::vector<Frame> Symbolizer::resolve_all(std::string_view maps, std::span<const uint64_t> ips) {
  std::vector<Frame> out;
  out.reserve(ips.size());
  for (uint64_t ip : ips) out.push_back(resolve(maps, ip));
  return out;
}

}  // namespace aa
