// The one-line message of a premature-completion or file-race finding.
// Manifested findings use the conflict rule's wording ("overtook ...");
// latent ones must not claim an overtaking that did not happen in time: the
// write returned first, and only the visible ordering is missing.
#pragma once
#include <string>

#include "check_conflicts.h"

namespace aa {

// Fills every placeholder in one pass (a path that itself contains "{tid}"
// stays as written).
std::string finding_message(const RawFinding& f, const EvCopy& b, const EvCopy& w, const Touch& wt, bool manifested);

}  // namespace aa
