// What the overtaking call saw that misses the write's effect, in words:
// the value the user's program actually observed.
#pragma once
#include <string>

#include "model_event_copy.h"
#include "model_files.h"

namespace aa {
// "write(10 bytes)", "open(O_CREAT)", "ftruncate(to 0)".
std::string describe_write(const EvCopy& w, const Touch& wt);
// "" when B returned nothing that contradicts W.
std::string stale_wording(const EvCopy& b, const EvCopy& w, const Touch& wt);
}  // namespace aa
