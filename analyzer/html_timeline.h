// The timeline picture of one finding: an inline SVG with one lane per
// involved thread, the write's execution bar on its helper lane, the
// overtaking call on its lane, the submission and the acknowledgment (or its
// absence) as arrows, and a time axis in µs relative to the submission.
//
// Marks carry classes the tests look for: aa-lane (data-tid, data-role),
// aa-write, aa-overtaker, aa-submission, aa-ack, aa-arrow-submission,
// aa-arrow-ack, aa-noack, aa-overtake-line, aa-axis.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace aa {

// `dom_id` must already be safe for an id attribute.  Returns "" when the
// finding has no write event to draw.
std::string render_timeline_svg(const nlohmann::json& finding, const std::string& dom_id);

}  // namespace aa
