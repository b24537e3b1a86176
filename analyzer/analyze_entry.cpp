// Placeholder until the analysis pipeline lands (owned by the analysis work).
#include "analyze_entry.h"

#include <cstdio>

namespace aa {
int run_analysis(const AnalyzeOptions&) {
  std::fprintf(stderr, "awaitaudit: analysis not built yet\n");
  return 0;
}
}  // namespace aa
