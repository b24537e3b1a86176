// Escaping for everything that reaches the HTML report from a log (paths,
// argv, function names, messages): one function, safe in HTML text, in quoted
// attribute values and in inline SVG text, so no caller has to pick a context.
#pragma once
#include <string>
#include <string_view>

namespace aa {

// Escapes & < > " ' and replaces what a browser could misread: invalid UTF-8
// becomes U+FFFD, control characters (other than tab and newline) become a
// visible \xNN.  Logs hold raw bytes from the program, so none of it is trusted.
std::string html_escape(std::string_view s);

}  // namespace aa
