// The report's inline stylesheet (kept apart so the page code stays about structure).
#pragma once

namespace aa {
const char* html_style();
}
